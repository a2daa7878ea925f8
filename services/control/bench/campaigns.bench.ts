/**
 * Campaigns: (1) importing a 100,000-row CSV through `POST …/campaigns/{id}/contacts` (text/csv,
 * streamed into csv-parse, every number checked by libphonenumber), target ≤ 10 s; (2) the
 * dialler's dials per second with 10,000 due contacts (20 campaigns on 10 numbers), target ≥ 200/s:
 * once placing through control's real outbound path (call record, LiveKit room and dispatch on
 * control's Twirp fake, Twilio's REST API on the local fake through the `twilio` package), and
 * once with a placer that only records the call (the scheduler alone). Uses DATABASE_URL when set,
 * else embedded PGlite. Last line: one JSON object.
 */
import { performance } from 'node:perf_hooks';
import type { OutboundCallInput } from '@speaknode/contracts';
import { type CallPlacer, CampaignDialler } from '../src/campaigns/dialler.ts';
import { FakeClock, spaceForCampaigns, startCampaignWorld } from '../src/campaigns/testing/campaign-setup.ts';
import { roomNameForCall } from '../src/livekit/participant-token.ts';
import { OutboundCalls } from '../src/outbound/outbound-calls.ts';

const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const DUE = Number(process.env.BENCH_DUE_CONTACTS ?? 10_000);
const CAMPAIGNS = 20;
const NUMBERS = 10;

/** Valid numbers: UK geographic 020 7xxx xxxx ranges (libphonenumber accepts 0207 0000000–0207 9999999). */
const number = (i: number) => `+44207${String(10_000_000 + i).slice(1)}`;

const world = await startCampaignWorld();
const log = (line: string) => process.stderr.write(`${line}\n`);
try {
  const space = await spaceForCampaigns(
    world,
    'Bench',
    Array.from({ length: NUMBERS }, (_, i) => `+1415555${String(6000 + i)}`),
  );
  const schedule = {
    timeZone: 'UTC',
    days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    startTime: '00:00',
    endTime: '24:00',
  };
  const create = (i: number) =>
    space.ok('POST', `${space.base}/campaigns`, {
      name: `bench ${i}`,
      agentId: space.agentId,
      phoneNumberId: space.numberIds[i % NUMBERS],
      schedule,
      maxConcurrentCalls: 500,
      callsPerSecond: 1000,
      columns: { number: 'phone', variables: { first_name: 'name' } },
    });
  const importCsv = async (campaignId: string, from: number, rows: number) => {
    const lines = ['phone,name,notes'];
    for (let i = 0; i < rows; i++) lines.push(`${number(from + i)},Person ${from + i},"row ${i}, imported"`);
    const started = performance.now();
    const res = await fetch(`${world.t.url}${space.base}/campaigns/${campaignId}/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.owner}`, 'content-type': 'text/csv' },
      body: lines.join('\n'),
    });
    const body = (await res.json()) as { imported: number; errorCount: number };
    if (res.status !== 200 || body.imported !== rows)
      throw new Error(`import: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    return (performance.now() - started) / 1000;
  };

  const big = await create(0);
  const importSeconds = await importCsv(big.id, 0, IMPORT_ROWS);
  log(
    `import: ${IMPORT_ROWS} rows in ${importSeconds.toFixed(2)} s (${Math.round(IMPORT_ROWS / importSeconds)} rows/s)`,
  );

  const pool = world.t.control.ctx.pool;
  const runDialler = async (placer: CallPlacer, offset: number) => {
    const ids: string[] = [];
    for (let c = 0; c < CAMPAIGNS; c++) {
      const campaign = await create(c);
      await importCsv(campaign.id, offset + c * (DUE / CAMPAIGNS), DUE / CAMPAIGNS);
      ids.push(campaign.id);
    }
    for (const id of ids) await space.ok('POST', `${space.base}/campaigns/${id}/start`);
    const clock = new FakeClock(Date.parse('2026-01-07T10:00:00Z'));
    const dialler = new CampaignDialler(
      pool,
      placer,
      { nudge: () => {}, log: world.t.control.ctx.log },
      {
        clock,
        dialsPerTick: 500,
      },
    );
    const started = performance.now();
    let dialled = 0;
    while (dialled < DUE) {
      const { dialled: n } = await dialler.tick();
      if (n === 0) throw new Error(`the dialler stopped after ${dialled} dials`);
      dialled += n;
      clock.advance(1000);
    }
    const seconds = (performance.now() - started) / 1000;
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM campaign_attempts WHERE campaign_id = ANY($1::uuid[])`,
      [ids],
    );
    if (rows[0]!.n !== DUE) throw new Error(`expected ${DUE} tries, found ${rows[0]!.n}`);
    for (const id of ids) await space.ok('POST', `${space.base}/campaigns/${id}/cancel`);
    return DUE / seconds;
  };

  const recordOnly: CallPlacer = {
    async place(spaceId: string, input: OutboundCallInput, options: { callId: string }) {
      await world.t.control.ctx.callInserter.insert({
        id: options.callId,
        spaceId,
        agentId: input.agentId,
        channel: 'phone',
        transport: 'voice',
        status: 'ringing',
        roomName: roomNameForCall(options.callId),
        provider: 'twilio',
        toNumber: input.to,
        direction: 'outbound',
      });
    },
  };
  const schedulerDialsPerSecond = await runDialler(recordOnly, 200_000);
  log(`dialler, recording calls only: ${schedulerDialsPerSecond.toFixed(0)} dials/s`);
  const providerDialsPerSecond = await runDialler(new OutboundCalls(world.t.control.ctx), 400_000);
  log(`dialler through the outbound path and the provider fakes: ${providerDialsPerSecond.toFixed(0)} dials/s`);
  if (world.tw.calls.length < DUE) throw new Error(`the Twilio fake saw ${world.tw.calls.length} calls`);

  console.log(
    JSON.stringify({
      database: process.env.DATABASE_URL ? 'postgresql' : 'pglite',
      importRows: IMPORT_ROWS,
      importSeconds: Number(importSeconds.toFixed(2)),
      importTargetSeconds: 10,
      dueContacts: DUE,
      dialsPerSecondThroughProviders: Math.round(providerDialsPerSecond),
      dialsPerSecondScheduler: Math.round(schedulerDialsPerSecond),
      dialsTargetPerSecond: 200,
    }),
  );
} finally {
  await world.close();
}
process.exit(0);
