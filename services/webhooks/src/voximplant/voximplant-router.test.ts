import { createHash } from 'node:crypto';
import { callIdForProviderCall, checkStreamToken } from '@speaknode/contracts/node';
import { createTestDatabase, type TestDatabase } from '@speaknode/runtime/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestReceiver, type TestReceiver, until } from '../testing/harness.ts';
import type { RecordingBus } from '../testing/memory-bus.ts';
import { parseVoximplantAccounts, scenarioSignature } from './voximplant-accounts.ts';

const STREAM_SECRET = 'stream-secret-shared-with-the-bridge-0123';

const account = {
  accountId: '4711',
  apiKey: 'f2a1c3e4-voximplant-api-key',
  callbackSalt: 'salty-salt-up-to-40-chars',
  scenarioSecret: 'scenario-shared-secret-0123456789',
};

/** As documented for AccountCallback: hash = md5(account_salt + account_id + api_key + callback_id). */
function md5Hash(accountId: string, callbackId: number, salt = account.callbackSalt, apiKey = account.apiKey) {
  return createHash('md5').update(`${salt}${accountId}${apiKey}${callbackId}`).digest('hex');
}

describe('VoxImplant callbacks', () => {
  let database: TestDatabase;
  let receiver: TestReceiver;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  beforeEach(async () => {
    receiver = await startTestReceiver({
      database,
      voximplantAccounts: [...parseVoximplantAccounts(JSON.stringify([account])).values()],
      streamSecret: STREAM_SECRET,
    });
  });
  afterEach(async () => {
    await receiver.close();
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${receiver.url}/voximplant`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('accepts account callbacks whose salted MD5 hash matches, one event per callback', async () => {
    const body = JSON.stringify({
      callbacks: [
        {
          type: 'min_balance',
          account_id: 4711,
          callback_id: 101,
          hash: md5Hash('4711', 101),
          balance: 4.2,
          currency: 'USD',
        },
        { type: 'js_fail', account_id: 4711, callback_id: 102, hash: md5Hash('4711', 102) },
      ],
    });
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      accepted: 2,
      ids: ['voximplant:4711:callback:101', 'voximplant:4711:callback:102'],
    });
    const bus = receiver.bus as RecordingBus;
    await until(() => bus.published.length === 2, 'both events');
    expect(bus.published[0]).toMatchObject({
      topic: 'webhooks.voximplant',
      event: {
        type: 'voximplant.callback',
        data: { accountId: '4711', event: 'min_balance', payload: { balance: 4.2 } },
      },
    });
    expect(JSON.stringify(bus.published[0]!.event.data)).not.toContain(md5Hash('4711', 101));
  });

  it('refuses account callbacks with a wrong hash or of an unknown account (403), spooling none of the batch', async () => {
    const wrongSalt = JSON.stringify({
      callbacks: [
        { type: 'min_balance', account_id: 4711, callback_id: 103, hash: md5Hash('4711', 103) },
        { type: 'min_balance', account_id: 4711, callback_id: 104, hash: md5Hash('4711', 104, 'another-salt') },
      ],
    });
    const unknown = JSON.stringify({
      callbacks: [{ type: 'js_fail', account_id: 9, callback_id: 1, hash: md5Hash('9', 1) }],
    });
    for (const body of [wrongSalt, unknown]) {
      const res = await post(body);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect(receiver.spool.stats().committed).toBe(0);
  });

  it("answers a scenario's incoming callback with where to stream the call: bridge URL, Speaknode call id, stream token", async () => {
    const body = JSON.stringify({
      accountId: '4711',
      event: 'incoming',
      callId: 'vox-call-7',
      eventId: 'ev-7',
      from: '+74955550100',
      to: '+74955550199',
    });
    const res = await post(body, { 'x-speaknode-signature': scenarioSignature(account.scenarioSecret, body) });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { stream: { url: string; customParameters: Record<string, string> } };
    const callId = callIdForProviderCall('voximplant', 'vox-call-7');
    expect(answer.stream.url).toBe('wss://media.example.com/voximplant');
    expect(answer.stream.customParameters.callId).toBe(callId);
    expect(checkStreamToken(STREAM_SECRET, callId, answer.stream.customParameters.streamToken)).toBe('valid');

    // Other events are acknowledged without one.
    const ended = JSON.stringify({ accountId: '4711', event: 'disconnected', callId: 'vox-call-7', eventId: 'ev-8' });
    const other = await post(ended, { 'x-speaknode-signature': scenarioSignature(account.scenarioSecret, ended) });
    expect(await other.json()).not.toHaveProperty('stream');
  });

  it('accepts a scenario callback signed with the account scenario secret, refuses it unsigned or altered', async () => {
    const body = JSON.stringify({
      accountId: '4711',
      event: 'call_ended',
      callId: 'vox-call-1',
      eventId: 'ev-1',
      duration: 31,
    });
    const signature = scenarioSignature(account.scenarioSecret, body);
    expect((await post(body, { 'x-speaknode-signature': signature })).status).toBe(200);
    expect((await post(body)).status).toBe(403);
    expect((await post(body.replace('31', '32'), { 'x-speaknode-signature': signature })).status).toBe(403);
    const bus = receiver.bus as RecordingBus;
    await until(() => bus.published.length === 1, 'the event');
    expect(bus.published[0]!.event).toMatchObject({
      id: 'voximplant:4711:scenario:ev-1',
      subject: 'vox-call-1',
      data: { accountId: '4711', callId: 'vox-call-1', event: 'call_ended' },
    });
  });

  it('answers 400 for a body that is not JSON or a signed body without an event', async () => {
    const notJson = await post('callbacks=1');
    expect(notJson.status).toBe(400);
    const body = JSON.stringify({ accountId: '4711' });
    const noEvent = await post(body, { 'x-speaknode-signature': scenarioSignature(account.scenarioSecret, body) });
    expect(noEvent.status).toBe(400);
  });

  it('rejects a VOXIMPLANT_ACCOUNTS value that is not a JSON array of accounts, naming the field', () => {
    expect(() => parseVoximplantAccounts('{')).toThrow(/JSON array/);
    expect(() => parseVoximplantAccounts(JSON.stringify([{ accountId: 'abc' }]))).toThrow(/0\.accountId/);
  });
});
