import { describe, expect, it } from 'vitest';
import { describeIssues } from '../validation.ts';
import { canMoveCall } from './call.ts';
import { PhoneNumberInput } from './phone-number.ts';
import { roleAtLeast } from './role.ts';
import { HttpToolInput } from './tool.ts';
import { WebhookSubscriptionInput } from './webhook-subscription.ts';

const agentId = '0d4c3c53-3d1f-4a8e-9d43-1e1a7c0c8d21';

describe('PhoneNumberInput', () => {
  it('accepts an E.164 Twilio SIP number', () => {
    expect(PhoneNumberInput.parse({ provider: 'twilio', number: '+14155550100', mode: 'sip', agentId }).number).toBe(
      '+14155550100',
    );
  });

  it('rejects a number that is not E.164 and says what it wants', () => {
    const result = PhoneNumberInput.safeParse({ provider: 'twilio', number: '415-555-0100', mode: 'sip', agentId });
    expect(describeIssues(result.error!)).toEqual([
      { path: 'number', message: 'must be an E.164 phone number such as +14155550100' },
    ]);
  });

  it('refuses VoxImplant in sip mode: it always arrives through the bridge', () => {
    const result = PhoneNumberInput.safeParse({ provider: 'voximplant', number: '+74951234567', mode: 'sip', agentId });
    expect(result.success).toBe(false);
    expect(describeIssues(result.error!)[0]?.path).toBe('mode');
  });
});

describe('HttpToolInput', () => {
  it('rejects a function name an LLM cannot call and a timeout over the cap', () => {
    const result = HttpToolInput.safeParse({
      name: 'look up order',
      description: 'Finds an order',
      urlTemplate: 'https://shop.example.com/orders/{orderId}',
      timeoutMs: 120_000,
    });
    expect(
      describeIssues(result.error!)
        .map((i) => i.path)
        .sort(),
    ).toEqual(['name', 'timeoutMs']);
  });

  it('rejects a parameters schema that is not an object schema', () => {
    const result = HttpToolInput.safeParse({
      name: 'lookup',
      description: 'x',
      urlTemplate: 'https://a.example/',
      parameters: { type: 'string' },
    });
    expect(describeIssues(result.error!)[0]?.path).toBe('parameters.type');
  });

  it('refuses non-http URL templates', () => {
    const result = HttpToolInput.safeParse({ name: 'x', description: 'x', urlTemplate: 'file:///etc/passwd' });
    expect(describeIssues(result.error!)[0]).toEqual({
      path: 'urlTemplate',
      message: 'must start with http:// or https://',
    });
  });
});

describe('WebhookSubscriptionInput', () => {
  it('rejects unknown event types', () => {
    const result = WebhookSubscriptionInput.safeParse({
      url: 'https://hooks.example.com/x',
      eventTypes: ['call.exploded'],
    });
    expect(describeIssues(result.error!)[0]?.path).toBe('eventTypes.0');
  });
});

describe('call lifecycle', () => {
  it('moves forward only', () => {
    expect(canMoveCall('created', 'ringing')).toBe(true);
    expect(canMoveCall('ringing', 'in_progress')).toBe(true);
    expect(canMoveCall('in_progress', 'ended')).toBe(true);
    expect(canMoveCall('in_progress', 'ringing')).toBe(false);
    expect(canMoveCall('ended', 'in_progress')).toBe(false);
    expect(canMoveCall('failed', 'ended')).toBe(false);
  });
});

describe('roles', () => {
  it('orders viewer < editor < admin < owner', () => {
    expect(roleAtLeast('owner', 'admin')).toBe(true);
    expect(roleAtLeast('editor', 'editor')).toBe(true);
    expect(roleAtLeast('editor', 'admin')).toBe(false);
    expect(roleAtLeast('viewer', 'editor')).toBe(false);
  });
});
