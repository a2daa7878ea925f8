import { describe, expect, it } from 'vitest';
import { callIdForProviderCall } from './call-ids.ts';
import { Id } from './common.ts';

describe('callIdForProviderCall', () => {
  it('derives a stable UUID per provider call, different per provider', () => {
    const twilio = callIdForProviderCall('twilio', 'CA0123456789abcdef0123456789abcdef');
    expect(twilio).toBe('7bcca1e6-cf41-8518-a050-c0b0248ed020');
    expect(Id.safeParse(twilio).success).toBe(true);
    expect(callIdForProviderCall('twilio', 'CA0123456789abcdef0123456789abcdef')).toBe(twilio);
    expect(callIdForProviderCall('voximplant', 'CA0123456789abcdef0123456789abcdef')).not.toBe(twilio);
    expect(callIdForProviderCall('twilio', 'CA0123456789abcdef0123456789abcdee')).not.toBe(twilio);
  });
});
