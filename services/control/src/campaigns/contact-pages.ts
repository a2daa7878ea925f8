import type { CampaignContact, CampaignContactStatus } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import type pg from 'pg';
import { CONTACT_COLUMNS, type ContactRow, toContact } from './campaign-store.ts';

/** Contacts are listed in CSV line order; the cursor is the last line of the page, opaque to clients. */
export function encodeContactCursor(line: number): string {
  return Buffer.from(JSON.stringify(['line', line])).toString('base64url');
}

/** The line a contacts cursor names; 400 naming `cursor` for anything this API did not issue. */
export function decodeContactCursor(cursor: string): number {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      decoded[0] === 'line' &&
      Number.isSafeInteger(decoded[1]) &&
      decoded[1] >= 0
    ) {
      return decoded[1] as number;
    }
  } catch {}
  throw HttpProblem.badRequest('the cursor is not valid; pass back the nextCursor of a previous page', [
    { path: 'cursor', message: 'is not a cursor this API issued' },
  ]);
}

export async function contactPage(
  db: Pick<pg.Pool, 'query'>,
  campaignId: string,
  options: { limit: number; afterLine: number; status?: CampaignContactStatus },
): Promise<{ items: CampaignContact[]; nextCursor: string | null }> {
  const params: unknown[] = [campaignId, options.afterLine, options.limit + 1];
  let statusCondition = '';
  if (options.status) {
    params.push(options.status);
    statusCondition = `AND status = $${params.length}`;
  }
  const { rows } = await db.query<ContactRow>(
    `SELECT ${CONTACT_COLUMNS} FROM campaign_contacts
     WHERE campaign_id = $1 AND line > $2 ${statusCondition} ORDER BY line LIMIT $3`,
    params,
  );
  const more = rows.length > options.limit;
  const page = more ? rows.slice(0, options.limit) : rows;
  return {
    items: page.map(toContact),
    nextCursor: more ? encodeContactCursor(page[page.length - 1]!.line) : null,
  };
}
