import { describe, expect, it } from 'vitest';
import { customPeriod, minutes, periodOf } from './usage-period.ts';

describe('usage periods', () => {
  const now = new Date(2026, 2, 15, 12, 0, 0);

  it('turns presets into from/to instants', () => {
    expect(periodOf('7d', now)).toEqual({
      from: new Date(now.getTime() - 7 * 86_400_000).toISOString(),
      to: now.toISOString(),
    });
    expect(periodOf('this-month', now).from).toBe(new Date(2026, 2, 1).toISOString());
    expect(periodOf('last-month', now)).toEqual({
      from: new Date(2026, 1, 1).toISOString(),
      to: new Date(2026, 2, 1).toISOString(),
    });
    expect(periodOf('last-month', new Date(2026, 0, 10)).from).toBe(new Date(2025, 11, 1).toISOString());
  });

  it('includes the last day of a custom period and refuses malformed days', () => {
    expect(customPeriod('2026-03-01', '2026-03-01')).toEqual({
      from: new Date(2026, 2, 1).toISOString(),
      to: new Date(2026, 2, 2).toISOString(),
    });
    expect(customPeriod('', '2026-03-01')).toBeUndefined();
    expect(customPeriod('2026-3-1', '2026-03-01')).toBeUndefined();
  });

  it('shows minutes with a decimal only when they are few', () => {
    expect(minutes(90)).toBe('1.5');
    expect(minutes(3600)).toBe('60');
    expect(minutes(0)).toBe('0.0');
  });
});
