import type { OutboundCallInput } from '@speaknode/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomNameForCall } from '../livekit/participant-token.ts';
import { OutboundCalls } from '../outbound/outbound-calls.ts';
import { type CallPlacer, CampaignDialler } from './dialler.ts';
import { withinSchedule } from './schedule.ts';
import {
  type CampaignWorld,
  callIdOfTwiml,
  FakeClock,
  spaceForCampaigns,
  startCampaignWorld,
  twilioStatus,
  ukNumbers,
} from './testing/campaign-setup.ts';

const CONTACTS = 1000;
const CAP = 25;
const CPS = 10;
const LEASE_MS = 120_000;
const DELAYS = { busy: 5, no_answer: 10, failed: 15 };
const SCHEDULE = {
  timeZone: 'Europe/London',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  startTime: '09:00',
  endTime: '18:00',
};

/**
 * What the callee at contact `i` does on each try that rings: answers, is busy, does not answer, or
 * Twilio fails the call. Indexes chosen so that every retry path is taken.
 */
function script(i: number, attempt: number): 'completed' | 'busy' | 'no-answer' | 'failed' {
  switch (i % 10) {
    case 0:
      return attempt === 1 ? 'busy' : 'completed';
    case 1:
      return 'no-answer';
    case 2:
      return attempt < 3 ? 'failed' : 'completed';
    case 3:
      return 'busy';
    default:
      return 'completed';
  }
}

let world: CampaignWorld;
let clock: FakeClock;

beforeAll(async () => {
  world = await startCampaignWorld();
  // Friday 2 January 2026, 17:57 in London: three minutes of calling, then the weekend.
  clock = new FakeClock(Date.parse('2026-01-02T17:57:00Z'));
});
afterAll(async () => {
  await world?.close();
});

const diallerOf = (placer: CallPlacer) =>
  new CampaignDialler(
    world.t.control.ctx.pool,
    placer,
    { nudge: () => world.t.control.ctx.relay.nudge(), log: world.t.control.ctx.log },
    { clock, leaseMs: LEASE_MS, dialsPerTick: 200 },
  );

describe('the campaign dialler: 1,000 contacts on a fake clock against the Twilio and LiveKit fakes', () => {
  it('holds the cap, the schedule, the pacing and the retry policy, with two instances, one killed and replaced, dialling no try twice and losing none', async () => {
    const pool = world.t.control.ctx.pool;
    const space = await spaceForCampaigns(world, 'Big campaign', ['+14155550301']);
    const numbers = ukNumbers(CONTACTS);
    const indexOf = new Map(numbers.map((n, i) => [n, i]));
    const campaign = await space.ok('POST', `${space.base}/campaigns`, {
      name: 'Reminders',
      agentId: space.agentId,
      phoneNumberId: space.numberIds[0],
      schedule: SCHEDULE,
      maxConcurrentCalls: CAP,
      callsPerSecond: CPS,
      retry: { maxAttempts: 3, delayMinutes: DELAYS },
      columns: { number: 'Phone', variables: { first_name: 'First name' } },
    });
    const csv = ['Phone,First name', ...numbers.map((n, i) => `${n},Person ${i}`)].join('\n');
    const imported = await world.t.request('POST', `${space.base}/campaigns/${campaign.id}/contacts`, {
      token: world.owner,
      rawBody: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body).toMatchObject({ imported: CONTACTS, errorCount: 0 });
    expect(
      (await world.t.request('POST', `${space.base}/campaigns/${campaign.id}/start`, { token: world.owner })).status,
    ).toBe(200);

    const calls = () => new OutboundCalls(world.t.control.ctx);
    let instances = [diallerOf(calls()), diallerOf(calls())];
    /** Fake Twilio calls already answered for, and how often each number rang. */
    let handled = 0;
    const rings = new Map<string, number>();
    const timeOfCall = new Map<string, number>();
    let maxActive = 0;
    let talking: { sid: string; endsAt: number }[] = [];
    let stepNo = 0;

    async function step(): Promise<number> {
      const results = await Promise.all(instances.map((d) => d.tick()));
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM campaign_attempts a JOIN calls c ON c.id = a.call_id
         WHERE a.campaign_id = $1 AND c.status NOT IN ('ended', 'failed')`,
        [campaign.id],
      );
      maxActive = Math.max(maxActive, rows[0]!.n);
      // Answered calls last a few steps (so the cap is reached); the others end at once.
      const due = talking.filter((c) => c.endsAt <= stepNo);
      talking = talking.filter((c) => c.endsAt > stepNo);
      for (const c of due) await twilioStatus(world, c.sid, 'completed');
      stepNo++;
      // The callees: each new Twilio call rings and ends as the script says.
      for (const call of world.tw.calls.slice(handled)) {
        const to = call.params.To![0]!;
        const attempt = (rings.get(to) ?? 0) + 1;
        rings.set(to, attempt);
        timeOfCall.set(call.sid, clock.ms);
        const outcome = script(indexOf.get(to)!, attempt);
        await twilioStatus(world, call.sid, 'ringing');
        if (outcome === 'completed') {
          await twilioStatus(world, call.sid, 'in-progress');
          talking.push({ sid: call.sid, endsAt: stepNo + 4 });
        } else {
          await twilioStatus(world, call.sid, outcome);
        }
      }
      handled = world.tw.calls.length;
      return results.reduce((sum, r) => sum + r.dialled + r.settled, 0) + talking.length + due.length;
    }

    const remaining = async () =>
      (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM campaign_contacts WHERE campaign_id = $1 AND status IN ('pending', 'dialling')`,
          [campaign.id],
        )
      ).rows[0]!.n;

    // Phase 1: two instances side by side.
    for (let i = 0; i < 60; i++) {
      await step();
      clock.advance(1000);
    }
    const before = world.tw.calls.length;
    expect(before).toBeGreaterThan(300);

    // Phase 2: an instance claims tries and is killed: some before the call record exists, some after it
    // was created but before Twilio was asked.
    let killed = 0;
    const dying: CallPlacer = {
      async place(spaceId: string, input: OutboundCallInput, options: { callId: string }) {
        killed++;
        if (killed % 2 === 0) {
          await world.t.control.ctx.callInserter.insert({
            id: options.callId,
            spaceId,
            agentId: input.agentId,
            channel: 'phone',
            transport: 'voice',
            status: 'created',
            roomName: roomNameForCall(options.callId),
            provider: 'twilio',
            toNumber: input.to,
            direction: 'outbound',
          });
        }
        throw new Error('killed');
      },
    };
    await diallerOf(dying).tick();
    expect(killed).toBeGreaterThan(0);
    expect(world.tw.calls.length).toBe(before);

    // Phase 3: restarted: two fresh instances carry on until every contact is done.
    instances = [diallerOf(calls()), diallerOf(calls())];
    for (let rounds = 0; (await remaining()) > 0; rounds++) {
      expect(rounds, 'the campaign should finish').toBeLessThan(20_000);
      const worked = await step();
      clock.advance(worked > 0 ? 1000 : 5 * 60_000);
    }
    await step();

    expect(maxActive).toBeLessThanOrEqual(CAP);
    expect(maxActive).toBe(CAP);

    // No try dialled twice: every Twilio call carries a distinct call id, each the id of one try.
    const twilioCallIds = world.tw.calls.map((c) => callIdOfTwiml(c.params.Twiml?.[0]));
    expect(new Set(twilioCallIds).size).toBe(twilioCallIds.length);
    const { rows: attempts } = await pool.query<{
      contact_id: string;
      number: string;
      attempt: number;
      call_id: string;
      claimed_at: Date;
      outcome: string;
      call_exists: boolean;
    }>(
      `SELECT a.contact_id, cc.number, a.attempt, a.call_id, a.claimed_at, a.outcome,
              EXISTS (SELECT 1 FROM calls WHERE calls.id = a.call_id) AS call_exists
       FROM campaign_attempts a JOIN campaign_contacts cc ON cc.id = a.contact_id
       WHERE a.campaign_id = $1 ORDER BY cc.line, a.attempt`,
      [campaign.id],
    );
    const attemptCallIds = new Set(attempts.map((a) => a.call_id));
    for (const id of twilioCallIds) expect(attemptCallIds.has(id!)).toBe(true);
    expect(attempts.every((a) => a.call_exists && a.outcome)).toBe(true);

    // Nothing outside the schedule, nothing over the number's calls per second.
    for (const a of attempts) expect(withinSchedule(SCHEDULE as never, a.claimed_at), String(a.claimed_at)).toBe(true);
    for (const at of timeOfCall.values()) expect(withinSchedule(SCHEDULE as never, new Date(at))).toBe(true);
    const perSecond = new Map<number, number>();
    for (const a of attempts) {
      const second = Math.floor(a.claimed_at.getTime() / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(CPS);
    // The weekend passed in between: tries on Friday and on Monday.
    const days = new Set(attempts.map((a) => a.claimed_at.getUTCDay()));
    expect([...days].sort()).toEqual([1, 5]);

    // Retries follow the policy: after busy / no answer / failed only, not before the delay, at most three tries.
    const byContact = new Map<string, typeof attempts>();
    for (const a of attempts) byContact.set(a.contact_id, [...(byContact.get(a.contact_id) ?? []), a]);
    expect(byContact.size).toBe(CONTACTS);
    for (const tries of byContact.values()) {
      expect(tries.length).toBeLessThanOrEqual(3);
      expect(tries.map((a) => a.attempt)).toEqual(tries.map((_, k) => k + 1));
      for (let k = 1; k < tries.length; k++) {
        const previous = tries[k - 1]!;
        expect(['busy', 'no_answer', 'failed']).toContain(previous.outcome);
        const waited = tries[k]!.claimed_at.getTime() - previous.claimed_at.getTime();
        expect(waited).toBeGreaterThanOrEqual(DELAYS[previous.outcome as keyof typeof DELAYS] * 60_000);
      }
      const last = tries.at(-1)!;
      if (tries.length < 3) expect(['answered', 'voicemail']).toContain(last.outcome);
    }

    // Every contact finished as its callee behaved (a try lost to the killed instance counts as failed).
    const { rows: contacts } = await pool.query<{
      number: string;
      status: string;
      attempts: number;
      last_outcome: string;
    }>('SELECT number, status, attempts, last_outcome FROM campaign_contacts WHERE campaign_id = $1', [campaign.id]);
    for (const contact of contacts) {
      const i = indexOf.get(contact.number)!;
      const expected = i % 10 === 1 || i % 10 === 3 ? 'failed' : 'completed';
      if (i % 10 === 2) expect(['completed', 'failed']).toContain(contact.status);
      else expect(contact.status, contact.number).toBe(expected);
    }
    const campaignNow = await space.ok('GET', `${space.base}/campaigns/${campaign.id}`);
    expect(campaignNow.status).toBe('completed');
    expect(campaignNow.progress.total).toBe(CONTACTS);
    expect(campaignNow.progress.pending + campaignNow.progress.dialling).toBe(0);

    // The webhook events: one campaign.contact.completed per contact, one campaign.completed.
    const { rows: events } = await pool.query<{ type: string; n: number }>(
      `SELECT event->>'type' AS type, count(*)::int AS n FROM outbox
       WHERE event->>'type' LIKE 'campaign.%' AND event->>'spaceId' = $1 GROUP BY 1`,
      [space.spaceId],
    );
    expect(Object.fromEntries(events.map((e) => [e.type, e.n]))).toEqual({
      'campaign.started': 1,
      'campaign.contact.completed': CONTACTS,
      'campaign.completed': 1,
    });
  }, 600_000);
});
