import { randomUUID } from 'node:crypto';
import {
  CampaignCompleted,
  CampaignContactCompleted,
  type CampaignInput,
  type CampaignOutcome,
  type OutboundCallInput,
} from '@speaknode/contracts';
import { inTransaction } from '@speaknode/runtime/db';
import { HttpProblem } from '@speaknode/runtime/problem';
import type pg from 'pg';
import { moveCall } from '../calls/call-transitions.ts';
import type { Logger } from '../context.ts';
import { OutboundCallKeys } from '../outbound/idempotency-keys.ts';
import { writeOutboxEvent } from '../outbox/outbox.ts';
import { progressOf } from './campaign-store.ts';
import { type Clock, systemClock, withinSchedule } from './schedule.ts';

/** What places one call: `OutboundCalls` in control; the call record gets `callId`, which is the try's identity. */
export interface CallPlacer {
  place(spaceId: string, input: OutboundCallInput, options: { callId: string }): Promise<unknown>;
}

export interface DiallerOptions {
  clock?: Clock;
  /** Calls claimed per tick, all campaigns together, shared out evenly among the campaigns that have work. */
  dialsPerTick?: number;
  /**
   * A try claimed this long ago whose call record never appeared is taken over (the instance that
   * claimed it stopped before creating the call), and one whose call was created but never reached
   * the provider is ended as failed (it may or may not have rung: it is never dialled again as the same try).
   */
  leaseMs?: number;
  /** Campaigns looked at per tick (least recently served first). */
  campaignsPerTick?: number;
}

interface Claim {
  contactId: string;
  campaignId: string;
  spaceId: string;
  attempt: number;
  callId: string;
  input: OutboundCallInput;
}

interface ContactEvent {
  id: string;
  campaign_id: string;
  space_id: string;
  number: string;
  status: 'completed' | 'failed' | 'skipped';
  attempts: number;
  last_outcome: string | null;
  variables: Record<string, string>;
}

const RETRYABLE = new Set<CampaignOutcome>(['busy', 'no_answer', 'failed']);
const SETTLE_BATCH = 500;

/** What a finished call came to for the campaign. */
export function outcomeOfCall(status: string, endReason: string | null): CampaignOutcome {
  if (endReason === 'voicemail') return 'voicemail';
  if (endReason === 'busy') return 'busy';
  if (endReason === 'no_answer') return 'no_answer';
  return status === 'ended' ? 'answered' : 'failed';
}

/** The idempotency key of one try: a retry of the provider request reuses it, a new try gets its own. */
export const attemptKey = (contactId: string, attempt: number) => `campaign-contact:${contactId}:${attempt}`;

/**
 * The campaign dialler. Each `tick()`: (1) settles the tries whose calls finished (outcome, retry
 * per the policy or done), (2) claims due contacts of running campaigns inside their schedule, in
 * one transaction that locks each campaign row with `FOR UPDATE SKIP LOCKED` (so one instance at a
 * time works a campaign: its concurrency cap holds across replicas) and each number's per-second
 * count (the calls-per-second limit holds across campaigns and replicas), giving each campaign an
 * even share of the tick; every claim records the try and its call id before anything is dialled,
 * (3) places the claimed calls through the POST /calls machinery under the try's idempotency key,
 * (4) completes campaigns with nothing left. A try is dialled at most once: its call id is chosen
 * when it is claimed and a call record with that id can exist only once. None is lost: a try whose
 * call never appeared is taken over after `leaseMs`.
 */
export class CampaignDialler {
  private readonly clock: Clock;
  private readonly dialsPerTick: number;
  private readonly leaseMs: number;
  private readonly campaignsPerTick: number;
  private readonly keys: OutboundCallKeys;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly placer: CallPlacer,
    private readonly hooks: { nudge(): void; log: Logger },
    options: DiallerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.dialsPerTick = options.dialsPerTick ?? 200;
    this.leaseMs = options.leaseMs ?? 120_000;
    this.campaignsPerTick = options.campaignsPerTick ?? 100;
    this.keys = new OutboundCallKeys(pool);
  }

  start(everyMs: number): void {
    if (this.timer || everyMs <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick()
        .catch((error) => this.hooks.log.warn('campaign dialler tick failed; tried again', { error: String(error) }))
        .finally(() => {
          this.running = undefined;
        });
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round of work; resolves when the calls it claimed were handed to their providers. */
  async tick(): Promise<{ settled: number; dialled: number }> {
    let settled = 0;
    for (;;) {
      const n = await this.settle();
      settled += n;
      if (n < SETTLE_BATCH) break;
    }
    await this.endStuckCalls();
    const claims = await this.claim();
    await this.placeAll(claims);
    await this.finishCampaigns();
    if (settled > 0 || claims.length > 0) this.hooks.nudge();
    return { settled, dialled: claims.length };
  }

  /** Tries whose call has finished: record the outcome, then retry per the policy or finish the contact. */
  private async settle(): Promise<number> {
    const now = this.clock.now();
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{
        contact_id: string;
        attempt: number;
        call_status: string;
        end_reason: string | null;
        failure_reason: string | null;
        config: CampaignInput;
        campaign_status: string;
      }>(
        `SELECT a.contact_id, a.attempt, ca.status AS call_status, ca.end_reason, ca.failure_reason,
                cp.config, cp.status AS campaign_status
         FROM campaign_attempts a
         JOIN calls ca ON ca.id = a.call_id
         JOIN campaigns cp ON cp.id = a.campaign_id
         WHERE a.outcome IS NULL AND ca.status IN ('ended', 'failed')
         ORDER BY a.claimed_at LIMIT ${SETTLE_BATCH}
         FOR UPDATE OF a SKIP LOCKED`,
      );
      if (rows.length === 0) return 0;
      const updates = rows.map((row) => {
        const outcome = outcomeOfCall(row.call_status, row.end_reason);
        const retry = RETRYABLE.has(outcome) && row.attempt < row.config.retry.maxAttempts;
        const delayMinutes = retry ? row.config.retry.delayMinutes[outcome as 'busy' | 'no_answer' | 'failed'] : 0;
        const status = retry
          ? row.campaign_status === 'cancelled'
            ? 'cancelled'
            : 'pending'
          : outcome === 'answered' || outcome === 'voicemail'
            ? 'completed'
            : 'failed';
        return {
          id: row.contact_id,
          attempt: row.attempt,
          outcome,
          status,
          reason: outcome === 'answered' ? null : (row.failure_reason ?? row.end_reason),
          nextAt: retry ? new Date(now.getTime() + delayMinutes * 60_000) : null,
        };
      });
      await client.query(
        `UPDATE campaign_attempts a SET outcome = u.outcome
         FROM unnest($1::uuid[], $2::int[], $3::text[]) AS u (contact_id, attempt, outcome)
         WHERE a.contact_id = u.contact_id AND a.attempt = u.attempt`,
        [updates.map((u) => u.id), updates.map((u) => u.attempt), updates.map((u) => u.outcome)],
      );
      const { rows: finished } = await client.query<ContactEvent>(
        `UPDATE campaign_contacts c SET status = u.status, last_outcome = u.outcome, last_reason = u.reason,
           next_attempt_at = u.next_at, dial_started_at = NULL, updated_at = now(),
           completed_at = CASE WHEN u.status IN ('completed', 'failed') THEN $7::timestamptz ELSE NULL END
         FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
           AS u (id, attempt, status, outcome, reason, next_at)
         WHERE c.id = u.id AND c.status = 'dialling' AND c.attempts = u.attempt
         RETURNING c.id, c.campaign_id, c.space_id, c.number, c.status, c.attempts, c.last_outcome, c.variables`,
        [
          updates.map((u) => u.id),
          updates.map((u) => u.attempt),
          updates.map((u) => u.status),
          updates.map((u) => u.outcome),
          updates.map((u) => u.reason?.slice(0, 2000) ?? null),
          updates.map((u) => u.nextAt),
          now,
        ],
      );
      await this.announceContacts(
        client,
        finished.filter((c) => c.status === 'completed' || c.status === 'failed'),
      );
      return rows.length;
    });
  }

  /** Calls created for a try whose instance stopped before the provider was asked (no provider id, lease over). */
  private async endStuckCalls(): Promise<void> {
    const before = new Date(this.clock.now().getTime() - this.leaseMs);
    const { rows } = await this.pool.query<{ call_id: string }>(
      `SELECT a.call_id FROM campaign_attempts a JOIN calls ca ON ca.id = a.call_id
       WHERE a.outcome IS NULL AND a.claimed_at < $1 AND ca.status = 'created' AND ca.provider_call_id IS NULL
       LIMIT 100`,
      [before],
    );
    for (const { call_id } of rows) {
      await inTransaction(this.pool, (client) =>
        moveCall(client, call_id, {
          to: 'failed',
          endReason: 'error',
          failureReason:
            'control stopped while placing this campaign call; it may not have rung, and it is not dialled again as the same try',
        }),
      );
    }
  }

  /** Due contacts of running campaigns, within their schedule, cap and number pacing; recorded as tries. */
  private async claim(): Promise<Claim[]> {
    const now = this.clock.now();
    const second = Math.floor(now.getTime() / 1000);
    const leaseOver = new Date(now.getTime() - this.leaseMs);
    return inTransaction(this.pool, async (client) => {
      const { rows: campaigns } = await client.query<{ id: string; space_id: string; config: CampaignInput }>(
        `SELECT id, space_id, config FROM campaigns WHERE status = 'running'
         ORDER BY last_dial_at NULLS FIRST, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.campaignsPerTick],
      );
      const open = campaigns.filter((c) => withinSchedule(c.config.schedule, now));
      if (open.length === 0) return [];
      const ids = open.map((c) => c.id);
      const { rows: active } = await client.query<{ campaign_id: string; n: number }>(
        `SELECT campaign_id, count(*)::int AS n FROM campaign_contacts
         WHERE campaign_id = ANY($1::uuid[]) AND status = 'dialling' GROUP BY campaign_id`,
        [ids],
      );
      const activeOf = new Map(active.map((a) => [a.campaign_id, a.n]));

      // Each number's calls this second, shared by its campaigns (the row lock orders instances).
      const numbers = [...new Set(open.map((c) => c.config.phoneNumberId))].sort();
      await client.query(
        `INSERT INTO campaign_number_pacing (phone_number_id, second) SELECT unnest($1::uuid[]), $2
         ON CONFLICT DO NOTHING`,
        [numbers, second],
      );
      const { rows: paced } = await client.query<{ phone_number_id: string; dials: number }>(
        `SELECT phone_number_id, dials FROM campaign_number_pacing
         WHERE phone_number_id = ANY($1::uuid[]) AND second = $2 ORDER BY phone_number_id FOR UPDATE`,
        [numbers, second],
      );
      const usedThisSecond = new Map(paced.map((p) => [p.phone_number_id, p.dials]));
      const cpsOf = new Map<string, number>();
      for (const c of open) {
        const cps = cpsOf.get(c.config.phoneNumberId);
        cpsOf.set(c.config.phoneNumberId, Math.min(cps ?? Number.POSITIVE_INFINITY, c.config.callsPerSecond));
      }
      const numberLeft = new Map(
        numbers.map((n) => [n, Math.max(0, (cpsOf.get(n) ?? 0) - (usedThisSecond.get(n) ?? 0))]),
      );

      // Candidates per campaign: tries to take over first, then due contacts, up to what the cap leaves.
      type Candidate = {
        id: string;
        number: string;
        variables: Record<string, string>;
        attempts: number;
        call_id: string | null;
        takeover: boolean;
        blocked: boolean;
      };
      const candidates = new Map<string, Candidate[]>();
      for (const c of open) {
        const room = Math.min(this.dialsPerTick, numberLeft.get(c.config.phoneNumberId) ?? 0);
        if (room <= 0) {
          candidates.set(c.id, []);
          continue;
        }
        const { rows: takeovers } = await client.query<Candidate>(
          `SELECT id, number, variables, attempts, call_id, true AS takeover, false AS blocked
           FROM campaign_contacts cc
           WHERE campaign_id = $1 AND status = 'dialling' AND dial_started_at < $2
             AND NOT EXISTS (SELECT 1 FROM calls WHERE calls.id = cc.call_id)
           ORDER BY line LIMIT $3 FOR UPDATE SKIP LOCKED`,
          [c.id, leaseOver, room],
        );
        const free = Math.max(0, c.config.maxConcurrentCalls - (activeOf.get(c.id) ?? 0));
        const dueLimit = Math.min(free, room - takeovers.length);
        const { rows: due } =
          dueLimit > 0
            ? await client.query<Candidate>(
                `SELECT cc.id, cc.number, cc.variables, cc.attempts, NULL::uuid AS call_id, false AS takeover,
                        (d.number IS NOT NULL) AS blocked
                 FROM campaign_contacts cc
                 LEFT JOIN do_not_call d ON d.space_id = cc.space_id AND d.number = cc.number
                 WHERE cc.campaign_id = $1 AND cc.status = 'pending'
                   AND (cc.next_attempt_at IS NULL OR cc.next_attempt_at <= $2)
                 ORDER BY cc.next_attempt_at NULLS FIRST, cc.line LIMIT $3 FOR UPDATE OF cc SKIP LOCKED`,
                [c.id, now, dueLimit],
              )
            : { rows: [] as Candidate[] };
        candidates.set(c.id, [...takeovers, ...due]);
      }

      // Do-not-call numbers are skipped: they never take a share.
      const skipped = [...candidates.values()].flat().filter((c) => c.blocked);
      if (skipped.length > 0) {
        const { rows } = await client.query<ContactEvent>(
          `UPDATE campaign_contacts SET status = 'skipped', last_outcome = 'do_not_call',
             last_reason = 'the number is on the space''s do-not-call list', completed_at = $2, updated_at = now()
           WHERE id = ANY($1::uuid[])
           RETURNING id, campaign_id, space_id, number, status, attempts, last_outcome, variables`,
          [skipped.map((s) => s.id), now],
        );
        await this.announceContacts(client, rows);
      }

      // Round robin, one call at a time, least recently served campaign first: an even share of the tick.
      const queues = open.map((c) => ({ campaign: c, queue: candidates.get(c.id)!.filter((x) => !x.blocked) }));
      const chosen: { campaign: (typeof open)[number]; contact: Candidate }[] = [];
      let budget = this.dialsPerTick;
      for (let progress = true; budget > 0 && progress; ) {
        progress = false;
        for (const q of queues) {
          if (budget <= 0) break;
          const number = q.campaign.config.phoneNumberId;
          if (q.queue.length === 0 || (numberLeft.get(number) ?? 0) <= 0) continue;
          chosen.push({ campaign: q.campaign, contact: q.queue.shift()! });
          numberLeft.set(number, numberLeft.get(number)! - 1);
          budget--;
          progress = true;
        }
      }
      if (chosen.length === 0) return [];

      const claims: Claim[] = chosen.map(({ campaign, contact }) => ({
        contactId: contact.id,
        campaignId: campaign.id,
        spaceId: campaign.space_id,
        attempt: contact.takeover ? contact.attempts : contact.attempts + 1,
        callId: contact.takeover && contact.call_id ? contact.call_id : randomUUID(),
        input: {
          agentId: campaign.config.agentId,
          from: campaign.config.phoneNumberId,
          to: contact.number,
          variables: contact.variables,
          answeringMachineDetection: campaign.config.answeringMachineDetection,
        },
      }));
      const fresh = claims.filter((_, i) => !chosen[i]!.contact.takeover);
      await client.query(
        `UPDATE campaign_contacts c SET status = 'dialling', attempts = u.attempt, call_id = u.call_id,
           dial_started_at = $3, next_attempt_at = NULL, updated_at = now()
         FROM unnest($1::uuid[], $2::uuid[], $4::int[]) AS u (id, call_id, attempt) WHERE c.id = u.id`,
        [claims.map((c) => c.contactId), claims.map((c) => c.callId), now, claims.map((c) => c.attempt)],
      );
      if (fresh.length > 0) {
        await client.query(
          `INSERT INTO campaign_attempts (contact_id, attempt, campaign_id, call_id, claimed_at)
           SELECT t.*, $5::timestamptz FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::uuid[]) AS t`,
          [
            fresh.map((c) => c.contactId),
            fresh.map((c) => c.attempt),
            fresh.map((c) => c.campaignId),
            fresh.map((c) => c.callId),
            now,
          ],
        );
      }
      const perNumber = new Map<string, number>();
      for (const { campaign } of chosen) {
        const n = campaign.config.phoneNumberId;
        perNumber.set(n, (perNumber.get(n) ?? 0) + 1);
      }
      await client.query(
        `UPDATE campaign_number_pacing p SET dials = p.dials + u.n
         FROM unnest($1::uuid[], $2::int[]) AS u (id, n) WHERE p.phone_number_id = u.id AND p.second = $3`,
        [[...perNumber.keys()], [...perNumber.values()], second],
      );
      await client.query('DELETE FROM campaign_number_pacing WHERE second < $1', [second - 60]);
      await client.query('UPDATE campaigns SET last_dial_at = $2 WHERE id = ANY($1::uuid[])', [
        [...new Set(chosen.map((c) => c.campaign.id))],
        now,
      ]);
      return claims;
    });
  }

  /**
   * Places the tick's tries at once: their idempotency keys claimed in one statement, the calls
   * placed in parallel, the keys settled in one statement. A key left unsettled (this instance
   * stopped in between) is settled by the takeover, which finds the try's call.
   */
  private async placeAll(claims: Claim[]): Promise<void> {
    if (claims.length === 0) return;
    const keyOf = (claim: Claim) => attemptKey(claim.contactId, claim.attempt);
    let free = new Set<string>();
    try {
      free = await this.keys.claimMany(
        claims.map((claim) => ({ spaceId: claim.spaceId, key: keyOf(claim), body: { callId: claim.callId } })),
      );
    } catch (error) {
      // Each try claims its own key below.
      this.hooks.log.warn('could not claim the tick’s idempotency keys at once', { error: String(error) });
    }
    const placed: Array<{ spaceId: string; key: string; callId: string }> = [];
    await Promise.all(
      claims.map(async (claim) => {
        const key = keyOf(claim);
        if (await this.placeClaim(claim, free.has(`${claim.spaceId}:${key}`))) {
          placed.push({ spaceId: claim.spaceId, key, callId: claim.callId });
        }
      }),
    );
    try {
      await this.keys.settleMany(placed);
    } catch (error) {
      this.hooks.log.warn('could not settle the tick’s idempotency keys; a takeover settles them', {
        error: String(error),
      });
    }
  }

  /**
   * Places one claimed try under its idempotency key (`keyClaimed`: claimed already, in the tick's
   * batch). A repeat of the key (a takeover of a try whose placer stopped) returns the call already
   * placed instead of dialling again. True when the call was placed and its key is still to settle.
   */
  private async placeClaim(claim: Claim, keyClaimed: boolean): Promise<boolean> {
    const key = attemptKey(claim.contactId, claim.attempt);
    const identity = { callId: claim.callId };
    try {
      let claimed: Awaited<ReturnType<OutboundCallKeys['claim']>>;
      try {
        claimed = keyClaimed ? { kind: 'new' } : await this.keys.claim(claim.spaceId, key, identity);
      } catch (error) {
        // 409: the key was claimed and never settled — its placer stopped. The try's call id says whether it got as far as a call.
        if (!(error instanceof HttpProblem) || error.status !== 409) throw error;
        if (await this.callExists(claim.callId)) {
          await this.keys.settle(claim.spaceId, key, claim.callId);
          return false;
        }
        await this.keys.release(claim.spaceId, key);
        claimed = await this.keys.claim(claim.spaceId, key, identity);
      }
      if (claimed.kind === 'done') return false;
      try {
        await this.placer.place(claim.spaceId, claim.input, { callId: claim.callId });
      } catch (error) {
        if (await this.callExists(claim.callId)) {
          // The call was created and then failed: settling reads its outcome like any other.
          await this.keys.settle(claim.spaceId, key, claim.callId);
          return false;
        }
        await this.keys.release(claim.spaceId, key);
        await this.refused(claim, error);
        return false;
      }
      return true;
    } catch (error) {
      // The try stays claimed; once its lease is over it is taken over under the same key and call id.
      this.hooks.log.warn('could not place a campaign call; taken over after the lease', {
        contactId: claim.contactId,
        error: String(error),
      });
      return false;
    }
  }

  private async callExists(callId: string): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT 1 FROM calls WHERE id = $1', [callId]);
    return rows.length > 0;
  }

  /**
   * The call was refused before it existed. A 422 (the number, the agent, a variable, the
   * do-not-call list) will not change by trying again: the contact fails. Anything else (LiveKit
   * not configured, a 503) gives the try back, to be made again later.
   */
  private async refused(claim: Claim, error: unknown): Promise<void> {
    const problem = error instanceof HttpProblem ? error : undefined;
    const reason = (problem?.detail ?? String(error)).slice(0, 2000);
    const now = this.clock.now();
    await inTransaction(this.pool, async (client) => {
      if (problem?.status === 422) {
        const dnc = /do-not-call/.test(reason);
        await client.query(`UPDATE campaign_attempts SET outcome = $3 WHERE contact_id = $1 AND attempt = $2`, [
          claim.contactId,
          claim.attempt,
          dnc ? 'do_not_call' : 'refused',
        ]);
        const { rows } = await client.query<ContactEvent>(
          `UPDATE campaign_contacts SET status = $3, last_outcome = $4, last_reason = $5, completed_at = $6,
             dial_started_at = NULL, updated_at = now()
           WHERE id = $1 AND attempts = $2 AND status = 'dialling'
           RETURNING id, campaign_id, space_id, number, status, attempts, last_outcome, variables`,
          [claim.contactId, claim.attempt, dnc ? 'skipped' : 'failed', dnc ? 'do_not_call' : 'refused', reason, now],
        );
        await this.announceContacts(client, rows);
        return;
      }
      await client.query('DELETE FROM campaign_attempts WHERE contact_id = $1 AND attempt = $2', [
        claim.contactId,
        claim.attempt,
      ]);
      await client.query(
        `UPDATE campaign_contacts SET status = 'pending', attempts = attempts - 1, call_id = NULL, last_reason = $3,
           dial_started_at = NULL, next_attempt_at = $4, updated_at = now()
         WHERE id = $1 AND attempts = $2 AND status = 'dialling'`,
        [claim.contactId, claim.attempt, reason, new Date(now.getTime() + 60_000)],
      );
    });
  }

  /** Running campaigns with no contact left to call: completed. Cancelled ones: their waiting contacts are cancelled. */
  private async finishCampaigns(): Promise<void> {
    await this.pool.query(
      `UPDATE campaign_contacts SET status = 'cancelled', next_attempt_at = NULL, updated_at = now()
       WHERE status = 'pending' AND campaign_id IN (SELECT id FROM campaigns WHERE status = 'cancelled')`,
    );
    const now = this.clock.now();
    await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ id: string; space_id: string; config: CampaignInput }>(
        `SELECT id, space_id, config FROM campaigns c WHERE status = 'running' AND NOT EXISTS
           (SELECT 1 FROM campaign_contacts cc WHERE cc.campaign_id = c.id AND cc.status IN ('pending', 'dialling'))
         FOR UPDATE SKIP LOCKED`,
      );
      if (rows.length === 0) return;
      await client.query(
        `UPDATE campaigns SET status = 'completed', completed_at = $2, updated_at = now() WHERE id = ANY($1::uuid[])`,
        [rows.map((r) => r.id), now],
      );
      const progress = await progressOf(
        client,
        rows.map((r) => r.id),
      );
      for (const row of rows) {
        await writeOutboxEvent(client, CampaignCompleted, {
          spaceId: row.space_id,
          subject: row.id,
          data: {
            campaignId: row.id,
            agentId: row.config.agentId,
            status: 'completed',
            progress: progress.get(row.id)!,
          },
        });
      }
    });
  }

  private async announceContacts(client: pg.PoolClient, contacts: ContactEvent[]): Promise<void> {
    if (contacts.length === 0) return;
    const { rows } = await client.query<{ contact_id: string; call_ids: string[] }>(
      `SELECT a.contact_id, array_agg(a.call_id ORDER BY a.attempt) AS call_ids
       FROM campaign_attempts a JOIN calls ON calls.id = a.call_id
       WHERE a.contact_id = ANY($1::uuid[]) GROUP BY a.contact_id`,
      [contacts.map((c) => c.id)],
    );
    const callsOf = new Map(rows.map((r) => [r.contact_id, r.call_ids]));
    for (const contact of contacts) {
      await writeOutboxEvent(client, CampaignContactCompleted, {
        spaceId: contact.space_id,
        subject: contact.id,
        data: {
          campaignId: contact.campaign_id,
          contactId: contact.id,
          number: contact.number,
          status: contact.status,
          attempts: contact.attempts,
          lastOutcome: contact.last_outcome,
          callIds: callsOf.get(contact.id) ?? [],
          variables: contact.variables,
        },
      });
    }
  }
}
