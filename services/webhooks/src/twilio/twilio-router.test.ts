import type { PhoneNumberLookup } from '@speaknode/contracts';
import { checkStreamToken } from '@speaknode/contracts/node';
import { createTestDatabase, type TestDatabase } from '@speaknode/runtime/testing';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeControl } from '../testing/fake-control.ts';
import { startTestReceiver, type TestReceiver, until } from '../testing/harness.ts';
import type { RecordingBus } from '../testing/memory-bus.ts';

const STREAM_SECRET = 'stream-secret-shared-with-the-bridge-0123';
const PUBLIC = 'https://hooks.example.com';
const ACCOUNT_TOKEN = 'account-a-auth-token-0123456789';
const INSTALL_TOKEN = 'install-wide-auth-token-987654';
const streamNumber: PhoneNumberLookup = {
  phoneNumberId: '5d2f7a86-8d8c-4a7e-9a57-3f1f2b6c9a01',
  spaceId: '0b6b4f8e-6a43-4b5e-8a8a-2c7c1f0d9e02',
  agentId: '7c1e9d3a-2b4f-4e6d-9a8b-1f2e3d4c5b03',
  provider: 'twilio',
  number: '+14155550100',
  mode: 'stream',
  accountSecret: ACCOUNT_TOKEN,
  accountSettings: { accountSid: 'ACaaaa' },
};
const sipNumber: PhoneNumberLookup = {
  ...streamNumber,
  phoneNumberId: '5d2f7a86-8d8c-4a7e-9a57-3f1f2b6c9a04',
  number: '+14155550101',
  mode: 'sip',
};

/** Signs like Twilio does, with the twilio package's own helper. */
function signedForm(token: string, url: string, params: Record<string, string>) {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(token, url, params),
    },
    body: new URLSearchParams(params).toString(),
  };
}

function incomingCall(callSid: string, to: string) {
  return {
    CallSid: callSid,
    AccountSid: 'ACaaaa',
    From: '+14155559999',
    To: to,
    CallStatus: 'ringing',
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
    Caller: "+1 415 555 9999 O'Brien & Sons", // characters that must survive signing and XML
  };
}

describe('Twilio webhooks', () => {
  let control: Awaited<ReturnType<typeof startFakeControl>>;
  let receiver: TestReceiver;
  let bus: RecordingBus;
  let database: TestDatabase;

  beforeAll(async () => {
    control = await startFakeControl({ numbers: [streamNumber, sipNumber] });
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await control.close();
    await database.drop();
  });
  beforeEach(async () => {
    control.down = false;
    receiver = await startTestReceiver({
      database,
      controlUrl: control.url,
      publicBaseUrl: PUBLIC,
      livekitSipUri: 'sip.livekit.example.com;transport=tcp',
      streamSecret: STREAM_SECRET,
    });
    bus = receiver.bus as RecordingBus;
  });
  afterEach(async () => {
    await receiver.close();
  });

  const post = (path: string, init: RequestInit) => fetch(`${receiver.url}${path}`, init);

  it('answers a stream-mode number with <Connect><Stream> to the bridge, signed over a URL with a query string', async () => {
    const path = '/twilio/voice?tenant=acme&note=a%20b';
    const res = await post(path, signedForm(ACCOUNT_TOKEN, PUBLIC + path, incomingCall('CA100', '+14155550100')));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    const twiml = await res.text();
    expect(twiml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Connect><Stream url="wss:\/\/media\.example\.com\/twilio">/,
    );
    const callId = /<Parameter name="callId" value="([0-9a-f-]{36})"\/>/.exec(twiml)?.[1];
    expect(callId).toBeDefined();
    expect(twiml).toContain(`<Parameter name="agentId" value="${streamNumber.agentId}"/>`);
    expect(twiml).toContain(`<Parameter name="spaceId" value="${streamNumber.spaceId}"/>`);
    // The bridge takes the stream only with a token signed for this call.
    const streamToken = /<Parameter name="streamToken" value="([^"]+)"\/>/.exec(twiml)?.[1];
    expect(checkStreamToken(STREAM_SECRET, callId as string, streamToken)).toBe('valid');

    await until(() => bus.published.length === 1, 'the event on the bus');
    const { topic, event } = bus.published[0]!;
    expect(topic).toBe('webhooks.twilio');
    expect(event).toMatchObject({
      id: 'twilio:CA100:incoming',
      type: 'twilio.call.incoming',
      spaceId: streamNumber.spaceId,
      subject: 'CA100',
      data: {
        callSid: 'CA100',
        to: '+14155550100',
        agentId: streamNumber.agentId,
        mode: 'stream',
        callId,
        params: { Caller: "+1 415 555 9999 O'Brien & Sons" },
      },
    });
  });

  it('dials LiveKit SIP for a sip-mode number, passing the call and agent ids as SIP headers', async () => {
    const path = '/twilio/voice';
    const res = await post(path, signedForm(ACCOUNT_TOKEN, PUBLIC + path, incomingCall('CA101', '+14155550101')));
    expect(res.status).toBe(200);
    const twiml = await res.text();
    expect(twiml).toMatch(
      /<Response><Dial><Sip>sip:\+14155550101@sip\.livekit\.example\.com;transport=tcp\?X-Speaknode-Call-Id=[0-9a-f-]{36}&amp;X-Speaknode-Agent-Id=7c1e9d3a-2b4f-4e6d-9a8b-1f2e3d4c5b03<\/Sip><\/Dial><\/Response>$/,
    );
  });

  it('turns an unknown number away politely with <Say> and <Hangup/>', async () => {
    await receiver.close();
    receiver = await startTestReceiver({
      database,
      controlUrl: control.url,
      publicBaseUrl: PUBLIC,
      twilioAuthToken: INSTALL_TOKEN,
    });
    bus = receiver.bus as RecordingBus;
    const path = '/twilio/voice';
    const res = await post(path, signedForm(INSTALL_TOKEN, PUBLIC + path, incomingCall('CA102', '+14155550199')));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry, this number is not in service. Goodbye.</Say><Hangup/></Response>',
    );
    await until(() => bus.published.length === 1, 'the event');
    expect(bus.published[0]!.event.data).not.toHaveProperty('agentId');
  });

  it('refuses a wrong, missing or replayed-elsewhere signature with 403 and plain text, and spools nothing', async () => {
    const path = '/twilio/voice';
    const params = incomingCall('CA103', '+14155550100');
    const wrongToken = await post(path, signedForm('not-the-token-000000000', PUBLIC + path, params));
    const otherUrl = await post(path, signedForm(ACCOUNT_TOKEN, 'https://evil.example.com/twilio/voice', params));
    const tampered = signedForm(ACCOUNT_TOKEN, PUBLIC + path, params);
    tampered.body = tampered.body.replace('ringing', 'completed');
    const changed = await post(path, tampered);
    const unsigned = await post(path, {
      ...signedForm(ACCOUNT_TOKEN, PUBLIC + path, params),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    for (const res of [wrongToken, otherUrl, changed, unsigned]) {
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    }
    expect(receiver.spool.stats().committed).toBe(0);
  });

  it('takes status callbacks signed with the account token it learned from the lookup, and drops a duplicate', async () => {
    const voice = '/twilio/voice';
    await post(voice, signedForm(ACCOUNT_TOKEN, PUBLIC + voice, incomingCall('CA104', '+14155550100')));
    const lookupsBefore = control.requests.length;
    const status = '/twilio/status';
    const params = {
      CallSid: 'CA104',
      AccountSid: 'ACaaaa',
      CallStatus: 'completed',
      CallDuration: '42',
      To: '+14155550100',
    };
    const first = await post(status, signedForm(ACCOUNT_TOKEN, PUBLIC + status, params));
    const retry = await post(status, signedForm(ACCOUNT_TOKEN, PUBLIC + status, params));
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(await first.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(control.requests.length).toBe(lookupsBefore);
    await until(() => bus.published.length === 2, 'both events');
    await new Promise((r) => setTimeout(r, 100));
    expect(bus.ids()).toEqual(['twilio:CA104:incoming', 'twilio:CA104:status:completed']);
    expect(bus.published[1]!.event.data).toMatchObject({ callStatus: 'completed', callDurationSeconds: 42 });
  });

  it("verifies the JSON-body variant (bodySHA256 in the URL) with the twilio package's helpers", async () => {
    await receiver.close();
    receiver = await startTestReceiver({
      database,
      controlUrl: control.url,
      publicBaseUrl: PUBLIC,
      twilioAuthToken: INSTALL_TOKEN,
    });
    bus = receiver.bus as RecordingBus;
    const body = JSON.stringify({ CallSid: 'CA105', AccountSid: 'ACaaaa', CallStatus: 'in-progress' });
    const path = `/twilio/status?bodySHA256=${twilio.getExpectedBodyHash(body)}`;
    const signature = twilio.getExpectedTwilioSignature(INSTALL_TOKEN, PUBLIC + path, {});
    expect(twilio.validateRequestWithBody(INSTALL_TOKEN, signature, PUBLIC + path, body)).toBe(true);
    const headers = { 'content-type': 'application/json', 'x-twilio-signature': signature };
    const ok = await post(path, { method: 'POST', headers, body });
    expect(ok.status).toBe(200);
    const tampered = await post(path, { method: 'POST', headers, body: body.replace('in-progress', 'completed') });
    expect(tampered.status).toBe(403);
    // The same body without bodySHA256 and a signature over the bare URL: nothing covers the body.
    const bareSignature = twilio.getExpectedTwilioSignature(INSTALL_TOKEN, `${PUBLIC}/twilio/status`, {});
    const forged = await post('/twilio/status', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twilio-signature': bareSignature },
      body: JSON.stringify({ CallSid: 'CA999', AccountSid: 'ACaaaa', CallStatus: 'completed' }),
    });
    expect(forged.status).toBe(403);
    await until(() => bus.published.length === 1, 'the event');
    expect(bus.ids()).toEqual(['twilio:CA105:status:in-progress']);
  });

  it('accepts recording callbacks with an id from the RecordingSid', async () => {
    await receiver.close();
    receiver = await startTestReceiver({
      database,
      controlUrl: control.url,
      publicBaseUrl: PUBLIC,
      twilioAuthToken: INSTALL_TOKEN,
    });
    bus = receiver.bus as RecordingBus;
    const path = '/twilio/recording';
    const params = {
      AccountSid: 'ACaaaa',
      CallSid: 'CA106',
      RecordingSid: 'RE106',
      RecordingStatus: 'completed',
      RecordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/ACaaaa/Recordings/RE106',
    };
    const res = await post(path, signedForm(INSTALL_TOKEN, PUBLIC + path, params));
    expect(res.status).toBe(200);
    await until(() => bus.published.length === 1, 'the event');
    expect(bus.published[0]!.event).toMatchObject({
      id: 'twilio:recording:CA106:RE106:completed',
      type: 'twilio.callback',
      data: { kind: 'recording', callSid: 'CA106' },
    });
  });

  it('answers 400 for a signed request without CallSid, 413 over 1 MiB, 404 for an odd callback name', async () => {
    await receiver.close();
    receiver = await startTestReceiver({
      database,
      controlUrl: control.url,
      publicBaseUrl: PUBLIC,
      twilioAuthToken: INSTALL_TOKEN,
    });
    const status = '/twilio/status';
    const noSid = await post(
      status,
      signedForm(INSTALL_TOKEN, PUBLIC + status, { AccountSid: 'ACaaaa', CallStatus: 'ringing' }),
    );
    expect(noSid.status).toBe(400);
    const big = await post(status, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `Pad=${'x'.repeat(1_048_577)}`,
    });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/^text\/plain/);
    const odd = await post('/twilio/..%2Fadmin', signedForm(INSTALL_TOKEN, `${PUBLIC}/twilio/..%2Fadmin`, {}));
    expect(odd.status).toBe(404);
    expect(receiver.spool.stats().committed).toBe(0);
  });

  it('while control is down: serves a cached number, and otherwise hangs up politely after checking the install token', async () => {
    await receiver.close();
    receiver = await startTestReceiver({
      database,
      controlUrl: control.url,
      publicBaseUrl: PUBLIC,
      twilioAuthToken: INSTALL_TOKEN,
    });
    const path = '/twilio/voice';
    const first = await post(path, signedForm(ACCOUNT_TOKEN, PUBLIC + path, incomingCall('CA107', '+14155550100')));
    expect(await first.text()).toContain('<Connect><Stream');
    control.down = true;
    // The cache still knows the number (fresh within its TTL): no request reaches control.
    const before = control.requests.length;
    const cached = await post(path, signedForm(ACCOUNT_TOKEN, PUBLIC + path, incomingCall('CA108', '+14155550100')));
    expect(await cached.text()).toContain('<Connect><Stream');
    expect(control.requests.length).toBe(before);
    const unknown = await post(path, signedForm(INSTALL_TOKEN, PUBLIC + path, incomingCall('CA109', '+14155550101')));
    expect(unknown.status).toBe(200);
    expect(await unknown.text()).toContain('<Say>Sorry, we cannot take your call right now.');
  });
});
