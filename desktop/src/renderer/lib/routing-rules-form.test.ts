import { describe, expect, it } from 'vitest';
import { fromForm, parseValue, type RoutingRule, shownPaths, showValue, toForm } from './routing-rules-form.ts';

describe('routing rules as form fields', () => {
  const rules: RoutingRule[] = [
    {
      name: 'completed calls',
      topic: 'webhooks.inbound',
      filters: [
        { path: 'type', equals: 'call.completed' },
        { path: 'data.attempt', equals: 2 },
        { path: 'data.code', equals: '42' },
        { path: 'data.region', in: ['eu', 'us', 7] },
        { path: 'data.test', exists: false },
        { path: 'data.id', exists: true },
      ],
      transform: { idPath: 'id', subjectPath: 'data.call.id', pick: { callId: 'data.call.id', who: 'data.user' } },
    },
    { name: 'default', topic: 'webhooks.twilio', filters: [], transform: {} },
  ];

  it('round-trips every kind of filter and transform', () => {
    const form = toForm(rules);
    expect(form[0]!.filters.map((f) => [f.test, f.value])).toEqual([
      ['equals', 'call.completed'],
      ['equals', '2'],
      ['equals', '"42"'],
      ['in', 'eu\nus\n7'],
      ['absent', ''],
      ['exists', ''],
    ]);
    expect(form[0]!.pick).toEqual([
      { name: 'callId', path: 'data.call.id' },
      { name: 'who', path: 'data.user' },
    ]);
    expect(fromForm(form)).toEqual(rules);
  });

  it('reads values as JSON when they are JSON and as text otherwise', () => {
    expect(parseValue('42')).toBe(42);
    expect(parseValue(' true ')).toBe(true);
    expect(parseValue('null')).toBeNull();
    expect(parseValue('"42"')).toBe('42');
    expect(parseValue('{"a":1}')).toEqual({ a: 1 });
    expect(parseValue('call.completed')).toBe('call.completed');
    expect(parseValue('{not json')).toBe('{not json');
    for (const value of ['x', '42', 'true', ' padded ', '', { a: [1] }, 3.5, false, null]) {
      expect(parseValue(showValue(value))).toEqual(value);
    }
  });

  it('leaves empty optional fields out and skips empty picked rows and blank lines', () => {
    const form = toForm([{ name: 'r', topic: 'webhooks.inbound', filters: [], transform: {} }]);
    form[0]!.pick.push({ name: '', path: '' });
    form[0]!.filters.push({ path: ' type ', test: 'in', value: 'a\n\n b \n' });
    expect(fromForm(form)).toEqual([
      { name: 'r', topic: 'webhooks.inbound', filters: [{ path: 'type', in: ['a', 'b'] }], transform: {} },
    ]);
  });

  it('names the API error paths its fields show', () => {
    const paths = shownPaths(toForm(rules));
    expect(paths.has('rules.0.filters.5.path')).toBe(true);
    expect(paths.has('rules.0.filters.5')).toBe(true);
    expect(paths.has('rules.1.transform.idPath')).toBe(true);
    expect(paths.has('rules.0.filters.6')).toBe(false);
    expect(paths.has('rules')).toBe(false);
  });
});
