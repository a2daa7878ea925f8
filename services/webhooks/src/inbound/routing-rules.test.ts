import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkRouteAuth } from './route-auth.ts';
import { RouteAuth, RoutingRule } from './route-definition.ts';
import { matchRule, scalarAt, transformBody, valueAt } from './routing-rules.ts';

describe('routing rules', () => {
  const rules = RoutingRule.array().parse([
    {
      name: 'paid',
      filters: [
        { path: 'data.status', equals: 'paid' },
        { path: 'data.amount', exists: true },
      ],
    },
    {
      name: 'vip',
      filters: [{ path: 'customer.tier', in: ['gold', 'platinum'] }],
      transform: { pick: { who: 'customer.id' } },
    },
    { name: 'rest' },
  ]);

  it('takes the first rule whose filters all match; filters never match a non-JSON body', () => {
    expect(matchRule(rules, { data: { status: 'paid', amount: 5 } }, true)?.name).toBe('paid');
    expect(matchRule(rules, { data: { status: 'paid' }, customer: { tier: 'gold' } }, true)?.name).toBe('vip');
    expect(matchRule(rules, { data: { status: 'open' } }, true)?.name).toBe('rest');
    expect(matchRule(rules.slice(0, 2), 'data.status=paid', false)).toBeUndefined();
    expect(
      matchRule([{ name: 'all', topic: 'webhooks.inbound', filters: [], transform: {} }], 'plain text', false)?.name,
    ).toBe('all');
  });

  it('reads dotted paths without walking into prototypes, and picks fields', () => {
    expect(valueAt({ a: [{ b: 1 }] }, 'a.0.b')).toBe(1);
    expect(valueAt({}, '__proto__.constructor')).toBeUndefined();
    expect(valueAt({ a: 1 }, 'constructor')).toBeUndefined();
    expect(scalarAt({ id: 42 }, 'id')).toBe('42');
    expect(scalarAt({ id: { x: 1 } }, 'id')).toBeUndefined();
    expect(transformBody(rules[1]!, { customer: { id: 'c1', tier: 'gold', card: '4111' } }, true)).toEqual({
      who: 'c1',
    });
  });

  it('rejects a filter with zero or two conditions, naming the problem', () => {
    expect(() => RoutingRule.parse({ name: 'x', filters: [{ path: 'a' }] })).toThrow(
      /exactly one of equals, in, exists/,
    );
    expect(() => RoutingRule.parse({ name: 'x', filters: [{ path: 'a', equals: 1, exists: true }] })).toThrow(
      /exactly one/,
    );
    expect(() => RoutingRule.parse({ name: 'x', filters: [{ path: 'a..b', equals: 1 }] })).toThrow(/dotted path/);
  });
});

describe('route auth', () => {
  const body = Buffer.from('{"event":"x"}');

  it('checks HMAC signatures in hex or base64 with the configured algorithm and prefix', () => {
    const base64Sha1 = RouteAuth.parse({
      type: 'hmac',
      header: 'X-Signature',
      secret: 's'.repeat(16),
      algorithm: 'sha1',
      encoding: 'base64',
    });
    const good = createHmac('sha1', 's'.repeat(16)).update(body).digest('base64');
    expect(checkRouteAuth(base64Sha1, { 'x-signature': good }, body)).toEqual({ ok: true });
    expect(checkRouteAuth(base64Sha1, { 'x-signature': good.toLowerCase() }, body).ok).toBe(false);
    const hexPrefixed = RouteAuth.parse({
      type: 'hmac',
      header: 'X-Hub-Signature-256',
      secret: 's'.repeat(16),
      prefix: 'sha256=',
    });
    const hex = createHmac('sha256', 's'.repeat(16)).update(body).digest('hex');
    expect(checkRouteAuth(hexPrefixed, { 'x-hub-signature-256': `sha256=${hex.toUpperCase()}` }, body)).toEqual({
      ok: true,
    });
    expect(checkRouteAuth(hexPrefixed, { 'x-hub-signature-256': hex }, body)).toMatchObject({ ok: false, status: 403 });
  });

  it('answers 401 without credentials and 403 with wrong ones for Bearer and Basic', () => {
    const bearer = RouteAuth.parse({ type: 'bearer', token: 't'.repeat(20) });
    expect(checkRouteAuth(bearer, {}, body)).toMatchObject({ ok: false, status: 401 });
    expect(checkRouteAuth(bearer, { authorization: `Bearer ${'t'.repeat(19)}` }, body)).toMatchObject({ status: 403 });
    const basic = RouteAuth.parse({ type: 'basic', username: 'u', password: 'p'.repeat(16) });
    const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    expect(checkRouteAuth(basic, { authorization: header('u', 'p'.repeat(16)) }, body)).toEqual({ ok: true });
    expect(checkRouteAuth(basic, { authorization: header('v', 'p'.repeat(16)) }, body)).toMatchObject({ status: 403 });
    expect(checkRouteAuth(basic, { authorization: 'Basic !!!' }, body)).toMatchObject({ status: 401 });
  });
});
