import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundCalls } from '../outbound/outbound-calls.ts';
import { CampaignDialler } from './dialler.ts';
import {
  type CampaignWorld,
  FakeClock,
  spaceForCampaigns,
  startCampaignWorld,
  twilioStatus,
  ukNumbers,
} from './testing/campaign-setup.ts';

let world: CampaignWorld;
let mine: Awaited<ReturnType<typeof spaceForCampaigns>>;
let theirs: Awaited<ReturnType<typeof spaceForCampaigns>>;
// Wednesday 7 January 2026, 10:00 UTC.
const clock = new FakeClock(Date.parse('2026-01-07T10:00:00Z'));

beforeAll(async () => {
  world = await startCampaignWorld();
  mine = await spaceForCampaigns(world, 'Mine', ['+14155550401', '+14155550402']);
  theirs = await spaceForCampaigns(world, 'Theirs', ['+14155550501']);
});
afterAll(async () => {
  await world?.close();
});

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  world.t.request(method, `${mine.base}${path}`, {
    token: world.owner,
    ...(typeof body === 'string' ? { rawBody: body, headers: { 'content-type': 'text/csv', ...headers } } : { body }),
  });

async function campaign(extra: Record<string, unknown> = {}) {
  const res = await api('POST', '/campaigns', {
    name: 'Test',
    agentId: mine.agentId,
    phoneNumberId: mine.numberIds[0],
    schedule: { timeZone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri'], startTime: '08:00', endTime: '20:00' },
    columns: { number: 'phone', variables: { first_name: 'name' } },
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const dialler = (dialsPerTick = 200) =>
  new CampaignDialler(
    world.t.control.ctx.pool,
    new OutboundCalls(world.t.control.ctx),
    { nudge: () => {}, log: world.t.control.ctx.log },
    { clock, dialsPerTick },
  );

describe('campaigns API', () => {
  it('creates a draft with defaults, refuses unknown fields and references outside the space, and merges a PATCH', async () => {
    const created = await campaign();
    expect(created).toMatchObject({
      status: 'draft',
      maxConcurrentCalls: 5,
      callsPerSecond: 1,
      retry: { maxAttempts: 3, delayMinutes: { busy: 30, no_answer: 60, failed: 120 } },
      progress: { total: 0 },
    });
    const unknown = await api('POST', '/campaigns', { ...created, id: undefined, extra: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toContainEqual(expect.objectContaining({ path: 'extra' }));
    const foreign = await api('POST', '/campaigns', {
      name: 'x',
      agentId: mine.agentId,
      phoneNumberId: theirs.numberIds[0],
      columns: { number: 'phone' },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors).toEqual([expect.objectContaining({ path: 'phoneNumberId' })]);
    const badZone = await api('POST', '/campaigns', {
      name: 'x',
      agentId: mine.agentId,
      phoneNumberId: mine.numberIds[0],
      columns: { number: 'phone' },
      schedule: { timeZone: 'Mars/Olympus', startTime: '18:00', endTime: '09:00' },
    });
    expect(badZone.status).toBe(400);
    expect(badZone.body.errors).toContainEqual(expect.objectContaining({ path: 'schedule.timeZone' }));
    const patched = await api('PATCH', `/campaigns/${created.id}`, { retry: { delayMinutes: { busy: 7 } } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.retry).toEqual({ maxAttempts: 3, delayMinutes: { busy: 7, no_answer: 60, failed: 120 } });
    expect(patched.body.schedule).toEqual(created.schedule);
    const nested = await api('PATCH', `/campaigns/${created.id}`, { retry: { delayMinutes: { typo: 1 } } });
    expect(nested.status).toBe(400);
    expect(nested.body.errors).toContainEqual(expect.objectContaining({ path: 'retry.delayMinutes.typo' }));
  });

  it('imports a CSV, reporting each bad row with its line and why, and exports the results', async () => {
    const c = await campaign();
    const csv = [
      'name,phone,notes',
      'Ann,+442079460100,ok',
      'Bob,not a number,bad',
      ',+442079460101,no name',
      'Cy,+442079460100,repeat',
      '',
      '"Dee, Jr.",+44 20 7946 0102,"quoted, with comma"',
      'Eve,442079460103,no plus',
    ].join('\r\n');
    const res = await api('POST', `/campaigns/${c.id}/contacts`, csv);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.imported).toBe(2);
    expect(res.body.errorCount).toBe(4);
    expect(res.body.errors.map((e: { line: number }) => e.line)).toEqual([3, 4, 5, 8]);
    expect(res.body.errors[0].reason).toContain('not a valid phone number');
    expect(res.body.errors[1].reason).toContain('{{first_name}}');
    expect(res.body.errors[2].reason).toContain('already on line 2');
    const contacts = await api('GET', `/campaigns/${c.id}/contacts?limit=1`);
    expect(contacts.body.items).toEqual([
      expect.objectContaining({
        line: 2,
        number: '+442079460100',
        variables: { first_name: 'Ann' },
        status: 'pending',
      }),
    ]);
    const next = await api('GET', `/campaigns/${c.id}/contacts?cursor=${contacts.body.nextCursor}`);
    expect(next.body.items).toEqual([
      expect.objectContaining({ line: 7, number: '+442079460102', variables: { first_name: 'Dee, Jr.' } }),
    ]);
    expect(next.body.nextCursor).toBeNull();
    // The same numbers again: refused as already in the campaign.
    const again = await api('POST', `/campaigns/${c.id}/contacts`, { csv: 'phone,name\n+442079460100,Ann\n' });
    expect(again.body).toMatchObject({ imported: 0, errors: [{ line: 2 }] });
    expect(again.body.errors[0].reason).toContain('already a contact');
    const missingColumn = await api('POST', `/campaigns/${c.id}/contacts`, 'telephone,name\n+442079460104,X\n');
    expect(missingColumn.status).toBe(422);
    expect(missingColumn.body.errors).toEqual([expect.objectContaining({ path: 'columns.number' })]);
    const wrongType = await world.t.request('POST', `${mine.base}/campaigns/${c.id}/contacts`, {
      token: world.owner,
      rawBody: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);

    const exported = await fetch(`${world.t.url}${mine.base}/campaigns/${c.id}/results.csv`, {
      headers: { authorization: `Bearer ${world.owner}` },
    });
    expect(exported.headers.get('content-type')).toContain('text/csv');
    const text = await exported.text();
    expect(text.trim().split('\n')).toEqual([
      'line,number,status,attempts,last_outcome,last_reason,next_attempt_at,call_ids,first_name',
      '2,+442079460100,pending,0,,,,,Ann',
      '7,+442079460102,pending,0,,,,,"Dee, Jr."',
    ]);
  });

  it('moves draft → running ⇄ paused → cancelled and refuses other moves; a running campaign takes no contacts', async () => {
    const c = await campaign();
    expect((await api('POST', `/campaigns/${c.id}/start`)).status).toBe(409); // no contacts yet
    await api('POST', `/campaigns/${c.id}/contacts`, 'phone,name\n+442079460200,A\n+442079460201,B\n');
    expect((await api('POST', `/campaigns/${c.id}/resume`)).status).toBe(409);
    expect((await api('POST', `/campaigns/${c.id}/start`)).body.status).toBe('running');
    expect((await api('POST', `/campaigns/${c.id}/contacts`, 'phone,name\n+442079460202,C\n')).status).toBe(409);
    expect((await api('DELETE', `/campaigns/${c.id}`)).status).toBe(409);
    expect((await api('POST', `/campaigns/${c.id}/pause`)).body.status).toBe('paused');
    const cancelled = await api('POST', `/campaigns/${c.id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', progress: { cancelled: 2, pending: 0 } });
    expect((await api('POST', `/campaigns/${c.id}/start`)).status).toBe(409);
    expect((await api('PATCH', `/campaigns/${c.id}`, { name: 'again' })).status).toBe(409);
    expect((await api('DELETE', `/campaigns/${c.id}`)).status).toBe(204);
    expect((await api('GET', `/campaigns/${c.id}`)).status).toBe(404);
  });

  it("answers 404 for another space's campaign and contacts, and lets a viewer read but not write", async () => {
    const c = await campaign();
    await api('POST', `/campaigns/${c.id}/contacts`, 'phone,name\n+442079460300,A\n');
    const contact = (await api('GET', `/campaigns/${c.id}/contacts`)).body.items[0];
    for (const path of [
      `/campaigns/${c.id}`,
      `/campaigns/${c.id}/contacts`,
      `/campaigns/${c.id}/contacts/${contact.id}`,
      `/campaigns/${c.id}/results.csv`,
    ]) {
      const res = await world.t.request('GET', `${theirs.base}${path}`, { token: world.owner });
      expect(res.status, path).toBe(404);
    }
    expect(
      (await world.t.request('POST', `${theirs.base}/campaigns/${c.id}/start`, { token: world.owner })).status,
    ).toBe(404);
    const viewer = await world.t.userToken('vera');
    await api('POST', '/members', { subject: 'vera', role: 'viewer' });
    expect((await world.t.request('GET', `${mine.base}/campaigns/${c.id}`, { token: viewer })).status).toBe(200);
    expect((await world.t.request('POST', `${mine.base}/campaigns/${c.id}/start`, { token: viewer })).status).toBe(403);
  });
});

describe('the dialler on a fake clock', () => {
  it('skips do-not-call numbers, pauses and resumes, and shares a tick evenly between campaigns', async () => {
    const pool = world.t.control.ctx.pool;
    await api('POST', '/do-not-call', { number: '+442079460401' });
    const a = await campaign({ maxConcurrentCalls: 50, callsPerSecond: 100 });
    const b = await campaign({ maxConcurrentCalls: 50, callsPerSecond: 100, phoneNumberId: mine.numberIds[1] });
    const rows = (from: number) => ['phone,name', ...ukNumbers(20, from).map((n) => `${n},X`)].join('\n');
    await api('POST', `/campaigns/${a.id}/contacts`, rows(400));
    await api('POST', `/campaigns/${b.id}/contacts`, rows(500));
    await api('POST', `/campaigns/${a.id}/start`);
    await api('POST', `/campaigns/${b.id}/start`);
    const d = dialler(10);
    const first = await d.tick();
    expect(first.dialled).toBe(10);
    const perCampaign = await pool.query<{ campaign_id: string; n: number }>(
      'SELECT campaign_id, count(*)::int AS n FROM campaign_attempts WHERE campaign_id = ANY($1::uuid[]) GROUP BY 1',
      [[a.id, b.id]],
    );
    expect(Object.fromEntries(perCampaign.rows.map((r) => [r.campaign_id, r.n]))).toEqual({ [a.id]: 5, [b.id]: 5 });
    const skipped = (await api('GET', `/campaigns/${a.id}/contacts?status=skipped`)).body.items;
    expect(skipped).toEqual([
      expect.objectContaining({ number: '+442079460401', lastOutcome: 'do_not_call', attempts: 0 }),
    ]);

    // Paused: calls in progress go on, nothing new is dialled; resumed: it carries on.
    await api('POST', `/campaigns/${a.id}/pause`);
    await api('POST', `/campaigns/${b.id}/pause`);
    const placed = world.tw.calls.length;
    clock.advance(1000);
    expect((await d.tick()).dialled).toBe(0);
    expect(world.tw.calls.length).toBe(placed);
    for (const call of world.tw.calls.slice(placed - 10)) {
      await twilioStatus(world, call.sid, 'in-progress');
      await twilioStatus(world, call.sid, 'completed');
    }
    expect((await d.tick()).settled).toBe(10);
    await api('POST', `/campaigns/${a.id}/resume`);
    clock.advance(1000);
    expect((await d.tick()).dialled).toBe(10);
    const progress = (await api('GET', `/campaigns/${a.id}`)).body.progress;
    expect(progress).toMatchObject({ total: 20, completed: 5, skipped: 1, dialling: 10 });
    // A contact's calls link to the call records.
    const done = (await api('GET', `/campaigns/${a.id}/contacts?status=completed`)).body.items[0];
    const callRes = await api('GET', `/calls/${done.callIds[0]}`);
    expect(callRes.body).toMatchObject({ direction: 'outbound', toNumber: done.number, status: 'ended' });
  });
});
