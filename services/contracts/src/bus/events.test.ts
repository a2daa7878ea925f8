import { describe, expect, it } from 'vitest';
import { createEvent, EventValidationError, messageKeyOf } from './envelope.ts';
import { CallEnded, parseEvent, TwilioCallStatus } from './events.ts';

const callId = '9b2f0c9e-2c55-4b1c-8f63-1f0c7d2a4e10';
const agentId = '0d4c3c53-3d1f-4a8e-9d43-1e1a7c0c8d21';

describe('bus events', () => {
  it('round-trips an event through JSON and keys it by subject', () => {
    const event = createEvent(TwilioCallStatus, {
      id: 'twilio:CA123:completed',
      source: 'webhooks',
      subject: 'CA123',
      data: { callSid: 'CA123', accountSid: 'AC1', callStatus: 'completed', callDurationSeconds: 42, params: {} },
    });
    const parsed = parseEvent(JSON.parse(JSON.stringify(event)));
    expect(parsed).toEqual(event);
    expect(parsed.schemaVersion).toBe(1);
    expect(messageKeyOf(parsed)).toBe('CA123');
  });

  it('refuses to build an event with bad data, naming the field', () => {
    expect(() =>
      createEvent(CallEnded, {
        source: 'control',
        data: {
          callId,
          agentId,
          channel: 'phone',
          status: 'exploded',
          durationSeconds: 1,
          endReason: null,
          failureReason: null,
        } as never,
      }),
    ).toThrow(/call\.ended: bad data: status/);
  });

  it('rejects a malformed envelope, an unknown type and a newer schema version', () => {
    expect(() => parseEvent({ id: 'x', type: 'call.ended' })).toThrow(EventValidationError);
    expect(() => parseEvent({ id: 'x', type: 'call.ended' })).toThrow(/time/);
    const base = { id: 'x', time: new Date().toISOString(), source: 'test', data: {}, schemaVersion: 1 };
    expect(() => parseEvent({ ...base, type: 'call.teleported' })).toThrow('unknown event type "call.teleported"');
    expect(() => parseEvent({ ...base, type: 'call.ended', schemaVersion: 9 })).toThrow(/schema version 9 is newer/);
  });

  it('rejects data that does not match the schema of its type', () => {
    const event = {
      id: 'x',
      type: 'call.ended',
      time: new Date().toISOString(),
      source: 'control',
      data: { callId: 'not-a-uuid' },
      schemaVersion: 1,
    };
    expect(() => parseEvent(event)).toThrow(/call\.ended: bad data: callId: must be a UUID/);
  });
});
