import { afterEach, describe, expect, it, vi } from 'vitest';
import { dtmfCode, KeypadEntry, keypadInput } from './keypad.ts';

const settings = {
  enabled: true,
  terminator: '#',
  interDigitTimeoutMs: 2000,
  maxDigits: 4,
  sendDtmfEnabled: false,
} as const;

afterEach(() => {
  vi.useRealTimers();
});

describe('KeypadEntry', () => {
  it('ends an entry at the terminator, after the inter-digit timeout, or at the maximum length', () => {
    vi.useFakeTimers();
    const entries: string[] = [];
    const keypad = new KeypadEntry(settings, (digits) => entries.push(digits));
    for (const key of ['1', '2', '#']) keypad.press(key);
    expect(entries).toEqual(['12']);
    keypad.press('7');
    vi.advanceTimersByTime(1999);
    expect(entries).toEqual(['12']);
    vi.advanceTimersByTime(1);
    expect(entries).toEqual(['12', '7']);
    for (const key of ['1', '2', '3', '4']) keypad.press(key);
    expect(entries).toEqual(['12', '7', '1234']);
    // A lone terminator is an entry of its own; anything that is not a key is ignored.
    keypad.press('x');
    keypad.press('#');
    expect(entries).toEqual(['12', '7', '1234', '#']);
    keypad.dispose();
  });

  it('words an entry for the model and codes keys as RFC 4733 events', () => {
    expect(keypadInput('123')).toBe('[keypad] The caller pressed: 123');
    expect(['0', '9', '*', '#', 'A', 'd'].map(dtmfCode)).toEqual([0, 9, 10, 11, 12, 15]);
  });
});
