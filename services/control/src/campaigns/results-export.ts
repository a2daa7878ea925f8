import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { CampaignInput } from '@speaknode/contracts';
import { stringify } from 'csv-stringify';
import type pg from 'pg';
import type { CampaignRow } from './campaign-store.ts';

const PAGE = 5000;

/**
 * Writes a campaign's results as CSV to `out` (csv-stringify quotes as RFC 4180 wants), in line
 * order, read a page at a time: line, number, status, attempts, last_outcome, last_reason,
 * next_attempt_at, call_ids (space separated, first try first), then one column per variable.
 */
export async function writeResultsCsv(db: Pick<pg.Pool, 'query'>, campaign: CampaignRow, out: Writable): Promise<void> {
  const variables = Object.keys((campaign.config as CampaignInput).columns.variables);
  const csv = stringify({
    header: true,
    columns: [
      'line',
      'number',
      'status',
      'attempts',
      'last_outcome',
      'last_reason',
      'next_attempt_at',
      'call_ids',
      ...variables,
    ],
  });
  csv.pipe(out);
  let afterLine = 0;
  for (;;) {
    const { rows } = await db.query<{
      line: number;
      number: string;
      status: string;
      attempts: number;
      last_outcome: string | null;
      last_reason: string | null;
      next_attempt_at: Date | null;
      call_ids: string[] | null;
      variables: Record<string, string>;
    }>(
      `SELECT line, number, status, attempts, last_outcome, last_reason, next_attempt_at, variables,
         ARRAY(SELECT a.call_id FROM campaign_attempts a JOIN calls ON calls.id = a.call_id
               WHERE a.contact_id = campaign_contacts.id ORDER BY a.attempt) AS call_ids
       FROM campaign_contacts WHERE campaign_id = $1 AND line > $2 ORDER BY line LIMIT $3`,
      [campaign.id, afterLine, PAGE],
    );
    for (const row of rows) {
      const ok = csv.write([
        row.line,
        row.number,
        row.status,
        row.attempts,
        row.last_outcome ?? '',
        row.last_reason ?? '',
        row.next_attempt_at ? row.next_attempt_at.toISOString() : '',
        (row.call_ids ?? []).join(' '),
        ...variables.map((name) => row.variables[name] ?? ''),
      ]);
      if (!ok) await once(csv, 'drain');
    }
    if (rows.length < PAGE) break;
    afterLine = rows[rows.length - 1]!.line;
  }
  csv.end();
  await once(out, 'finish');
}
