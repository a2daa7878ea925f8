import {
  Campaign,
  CampaignCompleted,
  CampaignContact,
  CampaignContactStatus,
  CampaignContactsImport,
  CampaignImportResult,
  CampaignInput,
  CampaignStarted,
  CampaignStatus,
  ListQuery,
  pageOf,
} from '@speaknode/contracts';
import { HttpProblem, parseOrProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import type pg from 'pg';
import { recordChange } from '../audit/audit.ts';
import { principalOf } from '../auth/principal.ts';
import { isUuid, requireRole, spaceOf } from '../auth/space-access.ts';
import type { ControlContext } from '../context.ts';
import { parseMergePatch, parseWrite } from '../http/merge-patch.ts';
import { pageOfRows, pageSql, parseListQuery } from '../http/pagination.ts';
import { inWriteTransaction } from '../http/write.ts';
import { writeOutboxEvent } from '../outbox/outbox.ts';
import { assertReferencesInSpace } from '../resources/references.ts';
import type { RouteModule } from '../routes/route-module.ts';
import {
  type CampaignRow,
  CONTACT_COLUMNS,
  type ContactRow,
  findCampaign,
  progressOf,
  toCampaign,
  toContact,
} from './campaign-store.ts';
import { importContacts } from './contact-import.ts';
import { contactPage, decodeContactCursor } from './contact-pages.ts';
import { writeResultsCsv } from './results-export.ts';

type Queryable = Pick<pg.Pool, 'query'>;

async function assertNumberInSpace(db: Queryable, spaceId: string, id: string): Promise<void> {
  const { rows } = await db.query('SELECT 1 FROM phone_numbers WHERE space_id = $1 AND id = $2', [spaceId, id]);
  if (rows.length === 0) {
    throw HttpProblem.badRequest(`the request body is not valid: phoneNumberId: no phone number ${id} in this space`, [
      { path: 'phoneNumberId', message: 'no phone number with this id in this space' },
    ]);
  }
}

async function assertRunnable(db: Queryable, spaceId: string, input: CampaignInput): Promise<void> {
  await assertReferencesInSpace(db, spaceId, 'agents', [{ path: 'agentId', id: input.agentId }]);
  await assertNumberInSpace(db, spaceId, input.phoneNumberId);
}

const TRANSITIONS: Record<'start' | 'pause' | 'resume' | 'cancel', { from: CampaignStatus[]; to: CampaignStatus }> = {
  start: { from: ['draft'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['draft', 'running', 'paused'], to: 'cancelled' },
};

const ContactListQuery = ListQuery.extend({ status: CampaignContactStatus.optional() }).strict();
const CampaignPage = pageOf(Campaign);
const ContactPage = pageOf(CampaignContact);

/**
 * Campaigns (`…/campaigns`): editors and up create, change, start, pause, resume, cancel and add
 * contacts; every member reads them, their contacts and the results CSV. The dialler
 * (`dialler.ts`, started by BackgroundWork) does the calling.
 */
export const campaignRoutes: RouteModule = {
  name: 'campaigns',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });

    async function found(db: Queryable, spaceId: string, id: string, lock = false): Promise<CampaignRow> {
      const row = isUuid(id) ? await findCampaign(db, spaceId, id, { lock }) : undefined;
      if (!row) throw HttpProblem.notFound(`no campaign ${id} in this space`);
      return row;
    }

    async function represent(db: Queryable, row: CampaignRow): Promise<Campaign> {
      return toCampaign(row, (await progressOf(db, [row.id])).get(row.id)!);
    }

    router.get('/campaigns', async (req, res) => {
      const access = spaceOf(res);
      const query = parseListQuery(req.query, { status: CampaignStatus.optional() });
      const params: unknown[] = [access.spaceId];
      const conditions = ['space_id = $1'];
      if (query.status) {
        params.push(query.status);
        conditions.push(`status = $${params.length}`);
      }
      const sql = pageSql('campaigns', '*', conditions, params, query.position, query.limit);
      const { rows } = await ctx.pool.query<CampaignRow & { cursor_at: string }>(sql.text, sql.values);
      const progress = await progressOf(
        ctx.pool,
        rows.map((r) => r.id),
      );
      res.json(pageOfRows(rows, query.limit, (row) => toCampaign(row, progress.get(row.id)!)));
    });

    router.post('/campaigns', async (req, res) => {
      const access = requireRole(res, 'editor');
      const input = parseWrite(CampaignInput, req.body);
      await assertRunnable(ctx.pool, access.spaceId, input);
      const id = crypto.randomUUID();
      const campaign = await inWriteTransaction(ctx, async (client) => {
        const { rows } = await client.query<CampaignRow>(
          'INSERT INTO campaigns (id, space_id, config) VALUES ($1, $2, $3) RETURNING *',
          [id, access.spaceId, JSON.stringify(input)],
        );
        const created = await represent(client, rows[0]!);
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'campaign',
          resourceId: id,
          action: 'created',
          after: created,
        });
        return created;
      });
      res.status(201).location(`/api/v1/spaces/${access.spaceId}/campaigns/${id}`).json(campaign);
    });

    router.get('/campaigns/:campaignId', async (req, res) => {
      const access = spaceOf(res);
      res.json(await represent(ctx.pool, await found(ctx.pool, access.spaceId, req.params.campaignId)));
    });

    router.patch('/campaigns/:campaignId', async (req, res) => {
      const access = requireRole(res, 'editor');
      const campaign = await inWriteTransaction(ctx, async (client) => {
        const before = await found(client, access.spaceId, req.params.campaignId, true);
        const input = parseMergePatch(CampaignInput, CampaignInput.parse(before.config), req.body, {
          readOnly: ['status', 'progress', 'startedAt', 'completedAt'],
        });
        if (before.status === 'completed' || before.status === 'cancelled') {
          throw HttpProblem.conflict(`the campaign is ${before.status}; a finished campaign does not change`);
        }
        await assertRunnable(client, access.spaceId, input);
        const { rows } = await client.query<CampaignRow>(
          'UPDATE campaigns SET config = $2, updated_at = now() WHERE id = $1 RETURNING *',
          [before.id, JSON.stringify(input)],
        );
        const after = await represent(client, rows[0]!);
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'campaign',
          resourceId: before.id,
          action: 'updated',
          before: await represent(client, before),
          after,
        });
        return after;
      });
      res.json(campaign);
    });

    router.delete('/campaigns/:campaignId', async (req, res) => {
      const access = requireRole(res, 'editor');
      await inWriteTransaction(ctx, async (client) => {
        const before = await found(client, access.spaceId, req.params.campaignId, true);
        if (before.status === 'running' || before.status === 'paused') {
          throw HttpProblem.conflict(`the campaign is ${before.status}; cancel it before deleting it`);
        }
        const snapshot = await represent(client, before);
        await client.query('DELETE FROM campaigns WHERE id = $1', [before.id]);
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'campaign',
          resourceId: before.id,
          action: 'deleted',
          before: snapshot,
        });
      });
      res.status(204).end();
    });

    for (const [action, transition] of Object.entries(TRANSITIONS)) {
      router.post(`/campaigns/:campaignId/${action}`, async (req, res) => {
        const access = requireRole(res, 'editor');
        const campaign = await inWriteTransaction(ctx, (client) =>
          transitionCampaign(ctx, client, res, access, req.params.campaignId, action, transition),
        );
        res.json(campaign);
      });
    }

    async function transitionCampaign(
      _ctx: ControlContext,
      client: pg.PoolClient,
      res: Parameters<typeof principalOf>[0],
      access: { spaceId: string; role: Parameters<typeof recordChange>[1]['role'] },
      campaignId: string,
      action: string,
      transition: { from: CampaignStatus[]; to: CampaignStatus },
    ): Promise<Campaign> {
      const before = await found(client, access.spaceId, campaignId, true);
      if (!transition.from.includes(before.status)) {
        throw HttpProblem.conflict(
          `a ${before.status} campaign cannot ${action}; only a ${transition.from.join(' or ')} one can`,
        );
      }
      if (action === 'start') {
        const { rows } = await client.query('SELECT 1 FROM campaign_contacts WHERE campaign_id = $1 LIMIT 1', [
          before.id,
        ]);
        if (rows.length === 0) throw HttpProblem.conflict('the campaign has no contacts: import a CSV first');
        await assertRunnable(client, access.spaceId, CampaignInput.parse(before.config));
      }
      if (action === 'cancel') {
        await client.query(
          `UPDATE campaign_contacts SET status = 'cancelled', next_attempt_at = NULL, updated_at = now()
           WHERE campaign_id = $1 AND status = 'pending'`,
          [before.id],
        );
      }
      const { rows } = await client.query<CampaignRow>(
        `UPDATE campaigns SET status = $2, updated_at = now(),
           started_at = CASE WHEN $2 = 'running' THEN COALESCE(started_at, now()) ELSE started_at END,
           completed_at = CASE WHEN $2 = 'cancelled' THEN now() ELSE completed_at END
         WHERE id = $1 RETURNING *`,
        [before.id, transition.to],
      );
      const after = await represent(client, rows[0]!);
      const base = { spaceId: access.spaceId, subject: before.id };
      if (action === 'start') {
        await writeOutboxEvent(client, CampaignStarted, {
          ...base,
          data: { campaignId: before.id, agentId: after.agentId, name: after.name, progress: after.progress },
        });
      }
      if (action === 'cancel') {
        await writeOutboxEvent(client, CampaignCompleted, {
          ...base,
          data: { campaignId: before.id, agentId: after.agentId, status: 'cancelled', progress: after.progress },
        });
      }
      await recordChange(client, {
        principal: principalOf(res),
        role: access.role,
        spaceId: access.spaceId,
        resource: 'campaign',
        resourceId: before.id,
        action: 'updated',
        before: { status: before.status },
        after: { status: after.status },
      });
      return after;
    }

    router.post('/campaigns/:campaignId/contacts', async (req, res) => {
      const access = requireRole(res, 'editor');
      await found(ctx.pool, access.spaceId, req.params.campaignId);
      let source: string | typeof req;
      if (req.is('text/csv')) source = req;
      else if (req.is('application/json')) source = parseWrite(CampaignContactsImport, req.body).csv;
      else {
        throw new HttpProblem(
          415,
          'Unsupported Media Type',
          'send the contacts as text/csv (or JSON {"csv": "…"} for a small list)',
        );
      }
      const result = await importContacts(ctx.pool, access.spaceId, req.params.campaignId, source);
      ctx.relay.nudge();
      res.status(200).json(result);
    });

    router.get('/campaigns/:campaignId/contacts', async (req, res) => {
      const access = spaceOf(res);
      const campaign = await found(ctx.pool, access.spaceId, req.params.campaignId);
      const query = parseOrProblem(ContactListQuery, req.query, 'query string');
      const page = await contactPage(ctx.pool, campaign.id, {
        limit: query.limit,
        afterLine: query.cursor ? decodeContactCursor(query.cursor) : 0,
        status: query.status,
      });
      res.json(page);
    });

    router.get('/campaigns/:campaignId/contacts/:contactId', async (req, res) => {
      const access = spaceOf(res);
      const campaign = await found(ctx.pool, access.spaceId, req.params.campaignId);
      const { rows } = isUuid(req.params.contactId)
        ? await ctx.pool.query<ContactRow>(
            `SELECT ${CONTACT_COLUMNS} FROM campaign_contacts WHERE campaign_id = $1 AND id = $2`,
            [campaign.id, req.params.contactId],
          )
        : { rows: [] };
      if (!rows[0]) throw HttpProblem.notFound(`no contact ${req.params.contactId} in this campaign`);
      res.json(toContact(rows[0]));
    });

    router.get('/campaigns/:campaignId/results.csv', async (req, res) => {
      const access = spaceOf(res);
      const campaign = await found(ctx.pool, access.spaceId, req.params.campaignId);
      res.status(200).type('text/csv; charset=utf-8').attachment(`campaign-${campaign.id}-results.csv`);
      await writeResultsCsv(ctx.pool, campaign, res);
    });
    return router;
  },
  openapi(doc) {
    const tags = ['campaigns'];
    doc.component('CampaignInput', CampaignInput);
    doc.component('Campaign', Campaign);
    doc.component('CampaignContact', CampaignContact);
    doc.component('CampaignImportResult', CampaignImportResult);
    const base = '/api/v1/spaces/:spaceId/campaigns';
    doc.add('get', base, {
      operationId: 'listCampaigns',
      summary: "The space's campaigns, newest first, with their progress",
      tags,
      query: ListQuery.extend({ status: CampaignStatus.optional() }),
      responses: { 200: { description: 'A page of campaigns', schema: CampaignPage } },
    });
    doc.add('post', base, {
      operationId: 'createCampaign',
      summary:
        'Creates a draft campaign (editor): an agent, a caller-ID number, the schedule, the concurrency cap, calls per second, the retry policy and the CSV column mapping',
      tags,
      body: CampaignInput,
      responses: { 201: { description: 'The campaign, a draft', schema: Campaign } },
    });
    doc.add('get', `${base}/:campaignId`, {
      operationId: 'getCampaign',
      summary: 'A campaign with its progress (contacts per status)',
      tags,
      responses: { 200: { description: 'The campaign', schema: Campaign } },
    });
    doc.add('patch', `${base}/:campaignId`, {
      operationId: 'updateCampaign',
      summary: 'Changes a campaign that has not finished (editor); a running one uses the change from its next call',
      tags,
      body: CampaignInput,
      mergePatch: true,
      responses: { 200: { description: 'The campaign', schema: Campaign } },
    });
    doc.add('delete', `${base}/:campaignId`, {
      operationId: 'deleteCampaign',
      summary: 'Deletes a draft, completed or cancelled campaign and its contacts (editor); the calls stay',
      tags,
      responses: { 204: { description: 'Deleted' } },
    });
    const actions = {
      start: ['startCampaign', 'Starts a draft campaign that has contacts (editor): the dialler begins calling'],
      pause: ['pauseCampaign', 'Pauses a running campaign (editor): calls in progress finish, no new ones start'],
      resume: ['resumeCampaign', 'Resumes a paused campaign (editor)'],
      cancel: [
        'cancelCampaign',
        'Cancels a campaign (editor): contacts still waiting are cancelled, calls in progress finish',
      ],
    } as const;
    for (const [action, [operationId, summary]] of Object.entries(actions)) {
      doc.add('post', `${base}/:campaignId/${action}`, {
        operationId,
        summary: `${summary}. 409 from any other state`,
        tags,
        responses: { 200: { description: 'The campaign', schema: Campaign } },
      });
    }
    doc.add('post', `${base}/:campaignId/contacts`, {
      operationId: 'importCampaignContacts',
      summary:
        "Adds contacts from a CSV (editor; draft or paused campaigns): the header names the columns, mapped by the campaign's `columns` to the number and the variables. Each bad row is reported with its line and why; up to 100,000 contacts per campaign",
      tags,
      body: CampaignContactsImport,
      bodyMediaTypes: ['application/json'],
      responses: { 200: { description: 'What was imported and what was refused', schema: CampaignImportResult } },
    });
    doc.add('get', `${base}/:campaignId/contacts`, {
      operationId: 'listCampaignContacts',
      summary: "A campaign's contacts in CSV line order, with their status, tries, last outcome and calls",
      tags,
      query: ListQuery.extend({ status: CampaignContactStatus.optional() }),
      responses: { 200: { description: 'A page of contacts', schema: ContactPage } },
    });
    doc.add('get', `${base}/:campaignId/contacts/:contactId`, {
      operationId: 'getCampaignContact',
      summary: 'One contact of a campaign',
      tags,
      responses: { 200: { description: 'The contact', schema: CampaignContact } },
    });
    doc.add('get', `${base}/:campaignId/results.csv`, {
      operationId: 'exportCampaignResults',
      summary:
        'The results as CSV (text/csv): line, number, status, attempts, last outcome, last reason, call ids, then the variables',
      tags,
      responses: { 200: { description: 'The results, text/csv' } },
    });
  },
};
