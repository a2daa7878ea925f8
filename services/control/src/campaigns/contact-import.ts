import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AgentInput,
  type CallVariables,
  type CampaignImportResult,
  type CampaignInput,
  MAX_CAMPAIGN_CONTACTS,
  PHONE_NUMBER_VARIABLE,
  placeholdersIn,
} from '@speaknode/contracts';
import { inTransaction } from '@speaknode/runtime/db';
import { HttpProblem } from '@speaknode/runtime/problem';
import { type CsvError, parse } from 'csv-parse';
import type pg from 'pg';
import { dialableE164 } from '../outbound/called-number.ts';
import { findCampaign } from './campaign-store.ts';

/** How many refused rows an import answer lists (all are counted). */
const REPORTED_ERRORS = 1000;
const INSERT_BATCH = 2000;
/** Longest cell kept; a longer one is a bad row. */
const MAX_CELL = 2000;

interface ParsedContact {
  line: number;
  number: string;
  variables: CallVariables;
}

function unprocessable(detail: string, path: string): HttpProblem {
  return new HttpProblem(422, 'Unprocessable Content', detail, { errors: [{ path, message: detail }] });
}

/**
 * Reads a CSV (streamed through csv-parse: RFC 4180 quoting, a BOM, CRLF or LF) whose first line
 * is the header, maps each row by the campaign's `columns` to a number and variables, and checks
 * it: an international number libphonenumber accepts, a value for every {{variable}} the agent
 * needs, no repeat of a number in the file or the campaign. Good rows are added in one
 * transaction after the whole file is read (so the request's upload never holds the database);
 * bad ones are reported with their line and why.
 */
export async function importContacts(
  pool: pg.Pool,
  spaceId: string,
  campaignId: string,
  source: Readable | string,
): Promise<CampaignImportResult> {
  const campaign = await findCampaign(pool, spaceId, campaignId);
  if (!campaign) throw HttpProblem.notFound('no such campaign in this space');
  assertImportable(campaign.status);
  const config = campaign.config as CampaignInput;
  const needed = await variablesTheAgentNeeds(pool, spaceId, config.agentId);

  const errors: { line: number; reason: string }[] = [];
  let errorCount = 0;
  const refuse = (line: number, reason: string) => {
    errorCount++;
    if (errors.length < REPORTED_ERRORS) errors.push({ line, reason });
  };
  const contacts: ParsedContact[] = [];
  const seen = new Map<string, number>();
  let rows = 0;

  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    trim: true,
    info: true,
    max_record_size: 1_000_000,
  });
  parser.on('skip', (error: CsvError & { lines?: number }) => {
    rows++;
    refuse(error.lines ?? 0, `not readable as CSV: ${error.message}`);
  });
  if (typeof source === 'string') parser.end(source);
  else source.pipe(parser);

  let header: string[] | undefined;
  let numberIndex = -1;
  let variableIndexes: [string, number][] = [];
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const line = info.lines;
    if (!header) {
      header = record;
      ({ numberIndex, variableIndexes } = mapColumns(config, header));
      continue;
    }
    rows++;
    const rawNumber = record[numberIndex] ?? '';
    if (!rawNumber) {
      refuse(line, `the number column "${config.columns.number}" is empty`);
      continue;
    }
    const number = dialableE164(rawNumber);
    if (!number) {
      refuse(
        line,
        `"${rawNumber.slice(0, 40)}" is not a valid phone number in international form (+ and country code)`,
      );
      continue;
    }
    const variables: CallVariables = {};
    let bad: string | undefined;
    for (const [name, index] of variableIndexes) {
      const value = record[index] ?? '';
      if (value.length > MAX_CELL) bad = `the value of ${name} is longer than ${MAX_CELL} characters`;
      else if (value !== '') variables[name] = value;
    }
    const missing = needed.filter((name) => !Object.hasOwn(variables, name));
    if (!bad && missing.length > 0) {
      bad = `the agent uses ${missing.map((m) => `{{${m}}}`).join(', ')} and this row has no value for ${missing.length === 1 ? 'it' : 'them'}`;
    }
    if (bad) {
      refuse(line, bad);
      continue;
    }
    const earlier = seen.get(number);
    if (earlier !== undefined) {
      refuse(line, `${number} is already on line ${earlier}`);
      continue;
    }
    seen.set(number, line);
    contacts.push({ line, number, variables });
  }
  if (!header) throw unprocessable('the CSV is empty: its first line must name the columns', 'csv');

  const imported = await inTransaction(pool, async (client) => {
    const locked = await findCampaign(client, spaceId, campaignId, { lock: true });
    if (!locked) throw HttpProblem.notFound('no such campaign in this space');
    assertImportable(locked.status);
    const { rows: counted } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM campaign_contacts WHERE campaign_id = $1',
      [campaignId],
    );
    const room = MAX_CAMPAIGN_CONTACTS - counted[0]!.n;
    const accepted = contacts.slice(0, Math.max(0, room));
    for (const over of contacts.slice(accepted.length)) {
      refuse(over.line, `the campaign holds at most ${MAX_CAMPAIGN_CONTACTS} contacts`);
    }
    let inserted = 0;
    for (let i = 0; i < accepted.length; i += INSERT_BATCH) {
      const batch = accepted.slice(i, i + INSERT_BATCH);
      const result = await client.query<{ line: number }>(
        `INSERT INTO campaign_contacts (id, campaign_id, space_id, line, number, variables)
         SELECT id, $1, $2, line, number, variables
         FROM unnest($3::uuid[], $4::int[], $5::text[], $6::jsonb[]) AS t (id, line, number, variables)
         ON CONFLICT (campaign_id, number) DO NOTHING RETURNING line`,
        [
          campaignId,
          spaceId,
          batch.map(() => randomUUID()),
          batch.map((c) => c.line),
          batch.map((c) => c.number),
          batch.map((c) => JSON.stringify(c.variables)),
        ],
      );
      inserted += result.rows.length;
      if (result.rows.length < batch.length) {
        const added = new Set(result.rows.map((r) => r.line));
        for (const contact of batch) {
          if (!added.has(contact.line)) refuse(contact.line, `${contact.number} is already a contact of this campaign`);
        }
      }
    }
    await client.query('UPDATE campaigns SET updated_at = now() WHERE id = $1', [campaignId]);
    return inserted;
  });
  errors.sort((a, b) => a.line - b.line);
  return { imported, errors, errorCount, total: rows };
}

function assertImportable(status: string): void {
  if (status !== 'draft' && status !== 'paused') {
    throw HttpProblem.conflict(`contacts are added to a draft or paused campaign; this one is ${status}`);
  }
}

/** The header's column of the number and of each variable; a column the mapping names and the header lacks is a 422. */
function mapColumns(config: CampaignInput, header: string[]) {
  const indexOf = (name: string) => header.indexOf(name);
  const missing: { path: string; message: string }[] = [];
  const numberIndex = indexOf(config.columns.number);
  if (numberIndex < 0)
    missing.push({ path: 'columns.number', message: `the CSV has no column "${config.columns.number}"` });
  const variableIndexes: [string, number][] = [];
  for (const [name, column] of Object.entries(config.columns.variables)) {
    const index = indexOf(column);
    if (index < 0) missing.push({ path: `columns.variables.${name}`, message: `the CSV has no column "${column}"` });
    variableIndexes.push([name, index]);
  }
  if (missing.length > 0) {
    throw new HttpProblem(
      422,
      'Unprocessable Content',
      `the campaign's column mapping names columns the CSV header lacks (it has: ${header.slice(0, 20).join(', ')})`,
      { errors: missing },
    );
  }
  return { numberIndex, variableIndexes };
}

/** The {{variables}} of the agent's prompt and greeting that a contact must give (the number fills phone_number). */
async function variablesTheAgentNeeds(pool: pg.Pool, spaceId: string, agentId: string): Promise<string[]> {
  const { rows } = await pool.query<{ config: unknown }>('SELECT config FROM agents WHERE space_id = $1 AND id = $2', [
    spaceId,
    agentId,
  ]);
  if (!rows[0]) throw unprocessable(`this space has no agent ${agentId}`, 'agentId');
  const agent = AgentInput.parse(rows[0].config);
  return placeholdersIn(agent.prompt, agent.greeting).filter((name) => name !== PHONE_NUMBER_VARIABLE);
}
