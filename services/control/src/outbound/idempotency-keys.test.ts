import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControl, type TestControl } from '../testing/harness.ts';
import { OutboundCallKeys } from './idempotency-keys.ts';

let t: TestControl;
let spaceId: string;
let otherSpaceId: string;

beforeAll(async () => {
  t = await startTestControl();
  const token = await t.userToken('kim');
  spaceId = (await t.request('POST', '/api/v1/spaces', { token, body: { name: 'Keys' } })).body.id;
  otherSpaceId = (await t.request('POST', '/api/v1/spaces', { token, body: { name: 'Other keys' } })).body.id;
});
afterAll(async () => {
  await t?.close();
});

describe('the dialler’s batched idempotency keys', () => {
  it('claims only the free keys of a batch, per space, and settled ones answer with their call', async () => {
    const keys = new OutboundCallKeys(t.control.ctx.pool);
    const callId = crypto.randomUUID();
    expect(await keys.claim(spaceId, 'campaign-contact:a:1', { callId })).toEqual({ kind: 'new' });
    const free = await keys.claimMany([
      { spaceId, key: 'campaign-contact:a:1', body: { callId } },
      { spaceId, key: 'campaign-contact:b:1', body: { callId: crypto.randomUUID() } },
      // The same key in another space is another key.
      { spaceId: otherSpaceId, key: 'campaign-contact:a:1', body: { callId } },
    ]);
    expect([...free].sort()).toEqual(
      [`${otherSpaceId}:campaign-contact:a:1`, `${spaceId}:campaign-contact:b:1`].sort(),
    );
    // Claimed and not settled: a repeat is told it is still being processed, never dialled again.
    await expect(keys.claim(spaceId, 'campaign-contact:a:1', { callId })).rejects.toMatchObject({ status: 409 });
    await keys.settleMany([{ spaceId, key: 'campaign-contact:a:1', callId }]);
    expect(await keys.claim(spaceId, 'campaign-contact:a:1', { callId })).toEqual({ kind: 'done', callId });
    // The other space's key is untouched by the settle.
    await expect(keys.claim(otherSpaceId, 'campaign-contact:a:1', { callId })).rejects.toMatchObject({ status: 409 });
    expect(await keys.claimMany([])).toEqual(new Set());
  });
});
