import { createHash } from 'node:crypto';
import http from 'node:http';
import { AccessToken } from 'livekit-server-sdk';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, startTestReceiver, type TestReceiver } from './testing/harness.ts';
import type { RecordingBus } from './testing/memory-bus.ts';

const PUBLIC = 'https://hooks.example.com';
const TOKEN = 'bad-bodies-auth-token-0123456789';
const LIVEKIT = { apiKey: 'APIbadbodies', apiSecret: 'livekit-secret-for-bad-body-tests-0123456789' };
const SPACE = '0b6b4f8e-6a43-4b5e-8a8a-2c7c1f0d9e02';
/** 5,000 levels: what crashed the receiver with a 500 and a stack trace. */
const DEEP = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
const deepObject = (field: string) => `{"${field}":${DEEP}}`;

describe('bad bodies are errors, not 500s', () => {
  let receiver: TestReceiver;
  let bus: RecordingBus;
  beforeAll(async () => {
    receiver = await startTestReceiver({
      publicBaseUrl: PUBLIC,
      twilioAuthToken: TOKEN,
      livekit: LIVEKIT,
      voximplantAccounts: [{ accountId: '4711', apiKey: 'k', callbackSalt: 's', scenarioSecret: 'scenario-secret' }],
    });
    bus = receiver.bus as RecordingBus;
    await receiver.routes.create({
      key: 'open-route',
      spaceId: SPACE,
      description: '',
      enabled: true,
      auth: { type: 'none' },
      rules: [{ name: 'default', topic: 'webhooks.inbound', filters: [], transform: {} }],
    });
    await receiver.routes.create({
      key: 'bearer-route',
      spaceId: SPACE,
      description: '',
      enabled: true,
      auth: { type: 'bearer', token: 'route-token-0123456789' },
      rules: [{ name: 'default', topic: 'webhooks.inbound', filters: [], transform: {} }],
    });
  });
  afterAll(async () => {
    await receiver.close();
  });

  const post = (path: string, contentType: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${receiver.url}${path}`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });

  it('JSON nested 5,000 deep: 400 once the signature is checked, 403 or 401 without it', async () => {
    const body = deepObject('CallSid');
    const path = `/twilio/status?bodySHA256=${twilio.getExpectedBodyHash(body)}`;
    const signed = await post(path, 'application/json', body, {
      'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, PUBLIC + path, {}),
    });
    expect(signed.status).toBe(400);
    expect(await signed.text()).toMatch(/nested more than 64 levels/);
    const unsigned = await post(path, 'application/json', body, {
      'x-twilio-signature': twilio.getExpectedTwilioSignature('someone-else', PUBLIC + path, {}),
    });
    expect(unsigned.status).toBe(403);

    const livekitToken = new AccessToken(LIVEKIT.apiKey, LIVEKIT.apiSecret);
    livekitToken.sha256 = createHash('sha256').update(DEEP).digest('base64');
    const livekit = await post('/livekit', 'application/webhook+json', DEEP, {
      authorization: await livekitToken.toJwt(),
    });
    expect(livekit.status).toBe(400);
    expect((await readJson(livekit)).detail).toMatch(/nested more than 64 levels/);
    expect((await post('/livekit', 'application/webhook+json', DEEP, { authorization: 'x.y.z' })).status).toBe(403);

    const voximplant = await post('/voximplant', 'application/json', deepObject('callbacks'));
    expect(voximplant.status).toBe(400);
    expect(voximplant.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const inbound = await post('/in/open-route', 'application/json', deepObject('a'));
    expect(inbound.status).toBe(400);
    expect((await readJson(inbound)).detail).toMatch(/nested more than 64 levels/);
    // The route's credential is checked before the body is read.
    expect((await post('/in/bearer-route', 'application/json', deepObject('a'))).status).toBe(401);
    expect(bus.published).toEqual([]);
  });

  it('a declared Content-Length over the limit: 413 at once, before the body is sent', async () => {
    for (const path of ['/twilio/status', '/in/open-route', '/voximplant', '/livekit']) {
      const answer = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
        const req = http.request(`${receiver.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(100 * 1_048_576) },
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode, body }));
        });
        req.on('error', reject);
        // Headers only: a receiver that waited for the 100 MiB would never answer.
        req.flushHeaders();
      });
      expect(answer.status, path).toBe(413);
      expect(answer.body, path).toMatch(/1 MiB|1048576 byte/);
    }
  });

  it('an unsupported Content-Type: 415', async () => {
    expect((await post('/twilio/status', 'application/xml', '<x/>')).status).toBe(415);
    expect((await post('/voximplant', 'multipart/form-data; boundary=x', '--x--')).status).toBe(415);
    expect((await post('/livekit', 'text/xml', '<x/>')).status).toBe(415);
    const binary = await post('/in/open-route', 'application/octet-stream', 'abc');
    expect(binary.status).toBe(415);
    expect(binary.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // What each endpoint does take still works.
    expect((await post('/in/open-route', 'text/plain; charset=utf-8', 'hello')).status).toBe(202);
  });
});
