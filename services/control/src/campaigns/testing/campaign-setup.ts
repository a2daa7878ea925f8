import { createEvent, TwilioCallStatus } from '@speaknode/contracts';
import { FakeLivekitServer } from '../../livekit/testing/fake-livekit-server.ts';
import { FakeTwilioServer } from '../../outbound/testing/fake-twilio-server.ts';
import { FakeVoximplantApi } from '../../outbound/testing/fake-voximplant-api.ts';
import { agentBody } from '../../testing/fixtures.ts';
import { startTestControl, type TestControl } from '../../testing/harness.ts';
import type { Clock } from '../schedule.ts';

export const LK_KEY = 'APIcampaigns';
export const LK_SECRET = 'campaigns-secret-campaigns-secret-campaigns';
export const ACCOUNT_SID = `AC${'2'.repeat(32)}`;
export const AUTH_TOKEN = 'twilio-auth-token-campaigns';

/** `n` distinct valid UK numbers (Ofcom's drama range 020 7946 0000–0999). */
export const ukNumbers = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `+44207946${String(from + i).padStart(4, '0')}`);

/** A clock the test moves. */
export class FakeClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface CampaignWorld {
  t: TestControl;
  lk: FakeLivekitServer;
  tw: FakeTwilioServer;
  vox: FakeVoximplantApi;
  owner: string;
  close(): Promise<void>;
}

/** Control with the background dialler off (tests drive their own on a fake clock), against the provider fakes. */
export async function startCampaignWorld(): Promise<CampaignWorld> {
  const lk = await new FakeLivekitServer(LK_KEY, LK_SECRET).start();
  const tw = await new FakeTwilioServer({ [ACCOUNT_SID]: AUTH_TOKEN }).start();
  const vox = await new FakeVoximplantApi({ '4711': { apiKey: 'vox-key-campaigns', ruleIds: ['42'] } }).start();
  const t = await startTestControl({
    env: {
      LIVEKIT_URL: lk.url,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      TWILIO_API_URL: tw.url,
      VOXIMPLANT_API_URL: vox.url,
      WEBHOOKS_PUBLIC_URL: 'https://hooks.example.com/',
      BRIDGE_PUBLIC_URL: 'wss://media.example.com',
    },
    start: { settings: { campaignDialMs: 0 } },
  });
  const owner = await t.userToken('cora');
  return {
    t,
    lk,
    tw,
    vox,
    owner,
    async close() {
      await t.close();
      await lk.stop();
      await tw.stop();
      await vox.stop();
    },
  };
}

/** A space with an agent that uses {{first_name}} and Twilio stream-mode numbers. */
export async function spaceForCampaigns(world: CampaignWorld, name: string, numbers: string[]) {
  const { t, owner } = world;
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await t.request(method, path, { token: owner, body });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const space = await ok('POST', '/api/v1/spaces', { name });
  const base = `/api/v1/spaces/${space.id}`;
  const key = await ok('POST', `${base}/credentials`, { name: 'LLM', kind: 'openai', secret: 'sk-test-1234567890' });
  const twilio = await ok('POST', `${base}/credentials`, {
    name: 'Twilio',
    kind: 'twilio',
    secret: AUTH_TOKEN,
    settings: { accountSid: ACCOUNT_SID },
  });
  const agent = await ok(
    'POST',
    `${base}/agents`,
    agentBody(key.id, {
      prompt: 'You call {{first_name}} to confirm the appointment.',
      greeting: 'Hi {{first_name}}!',
    }),
  );
  const numberIds: string[] = [];
  for (const number of numbers) {
    const phone = await ok('POST', `${base}/phone-numbers`, {
      provider: 'twilio',
      number,
      mode: 'stream',
      agentId: agent.id,
      credentialId: twilio.id,
    });
    numberIds.push(phone.id);
  }
  return { spaceId: space.id as string, base, agentId: agent.id as string, numberIds, ok };
}

/** Twilio's status callback for a call, as the webhook receiver publishes it, handled by control's call lifecycle. */
export function twilioStatus(world: CampaignWorld, callSid: string, callStatus: string) {
  return world.t.control.ctx.callLifecycle.handle({
    event: createEvent(TwilioCallStatus, {
      source: 'webhooks',
      subject: callSid,
      data: {
        callSid,
        accountSid: ACCOUNT_SID,
        callStatus,
        params: { CallSid: callSid, CallStatus: callStatus, Direction: 'outbound-api' },
      },
    }),
  });
}

/** The `callId` parameter of the TwiML a fake Twilio call was created with. */
export function callIdOfTwiml(twiml: string | undefined): string | undefined {
  return /<Parameter name="callId" value="([^"]+)"\/>/.exec(twiml ?? '')?.[1];
}
