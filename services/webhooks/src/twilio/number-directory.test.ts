import type { PhoneNumberLookup } from '@speaknode/contracts';
import { OidcVerifier, rolesOf } from '@speaknode/runtime/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeControl } from '../testing/fake-control.ts';
import { startTestIssuer } from '../testing/test-issuer.ts';
import { NumberDirectory, NumberLookupUnavailableError } from './number-directory.ts';

const AUDIENCE = 'speaknode-control';
const number: PhoneNumberLookup = {
  phoneNumberId: '5d2f7a86-8d8c-4a7e-9a57-3f1f2b6c9a01',
  spaceId: '0b6b4f8e-6a43-4b5e-8a8a-2c7c1f0d9e02',
  agentId: '7c1e9d3a-2b4f-4e6d-9a8b-1f2e3d4c5b03',
  provider: 'twilio',
  number: '+14155550100',
  mode: 'stream',
  accountSecret: 'account-auth-token-0123456789',
  accountSettings: { accountSid: 'ACaaaa' },
};

describe('NumberDirectory against the documented lookup, with client-credentials tokens', () => {
  let issuer: Awaited<ReturnType<typeof startTestIssuer>>;
  let control: Awaited<ReturnType<typeof startFakeControl>>;

  beforeAll(async () => {
    issuer = await startTestIssuer({
      audience: AUDIENCE,
      clients: [
        { clientId: 'svc-webhooks', roles: ['service:webhooks'] },
        { clientId: 'svc-agent', roles: ['service:agent'] },
      ],
    });
    const verifier = new OidcVerifier({ issuer: issuer.issuerUrl, audience: AUDIENCE });
    control = await startFakeControl({
      numbers: [number],
      // Control's side: a valid token from the issuer carrying the webhooks service role.
      authorize: async (authorization) => {
        const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
        if (!token) return false;
        try {
          return rolesOf((await verifier.verify(token)).claims).includes('service:webhooks');
        } catch {
          return false;
        }
      },
    });
  });
  afterAll(async () => {
    await control.close();
    await issuer.close();
  });

  it('looks a number up with a service token, caches it, and shares one request among concurrent callers', async () => {
    let now = 1_000_000;
    const directory = new NumberDirectory({
      controlUrl: control.url,
      tokens: issuer.tokens('svc-webhooks'),
      now: () => now,
    });
    const before = control.requests.length;
    const [a, b] = await Promise.all([
      directory.lookup('twilio', number.number),
      directory.lookup('twilio', number.number),
    ]);
    expect(a).toEqual(number);
    expect(b).toEqual(number);
    expect(control.requests.length).toBe(before + 1);
    expect(control.requests.at(-1)?.headers.authorization).toMatch(/^Bearer ey/);
    expect(directory.secretForAccount('ACaaaa')).toBe(number.accountSecret);

    now += 30_000;
    await directory.lookup('twilio', number.number);
    expect(control.requests.length).toBe(before + 1);
    now += 60_000;
    await directory.lookup('twilio', number.number);
    expect(control.requests.length).toBe(before + 2);
  });

  it('answers null for a number no space has, and remembers that briefly', async () => {
    const directory = new NumberDirectory({ controlUrl: control.url, tokens: issuer.tokens('svc-webhooks') });
    const before = control.requests.length;
    expect(await directory.lookup('twilio', '+14155550199')).toBeNull();
    expect(await directory.lookup('twilio', '+14155550199')).toBeNull();
    expect(control.requests.length).toBe(before + 1);
  });

  it('fails clearly with a token control refuses, and while control is down serves what it knew', async () => {
    const wrongRole = new NumberDirectory({ controlUrl: control.url, tokens: issuer.tokens('svc-agent') });
    await expect(wrongRole.lookup('twilio', number.number)).rejects.toThrow(/answered 401/);

    let now = 5_000_000;
    const directory = new NumberDirectory({
      controlUrl: control.url,
      tokens: issuer.tokens('svc-webhooks'),
      now: () => now,
    });
    await directory.lookup('twilio', number.number);
    control.down = true;
    try {
      now += 120_000;
      expect(await directory.lookup('twilio', number.number)).toEqual(number);
      await expect(directory.lookup('twilio', '+14155550123')).rejects.toBeInstanceOf(NumberLookupUnavailableError);
    } finally {
      control.down = false;
    }
    const unreachable = new NumberDirectory({ controlUrl: 'http://127.0.0.1:9', timeoutMs: 2_000 });
    await expect(unreachable.lookup('twilio', number.number)).rejects.toThrow(
      /number lookup failed: control at http:\/\/127\.0\.0\.1:9 did not answer/,
    );
  });
});
