import { llm } from '@livekit/agents';
import { HostAllowList } from '@speaknode/runtime/address-policy';
import { describe, expect, it } from 'vitest';
import { buildAgentTools } from './agent-tools.ts';

const noop = () => {};
const base = {
  tools: [],
  credentials: {},
  allowList: new HostAllowList([]),
  endCallEnabled: true,
  transferDestinations: ['+14155550100', 'sip:desk@pbx.example'],
};
// The framework hands tools a run context; these built-ins only read the speech handle from it.
const options = {
  ctx: { speechHandle: { waitForPlayout: async () => {} } },
  toolCallId: 'c1',
  abortSignal: new AbortController().signal,
};

describe('built-in tools', () => {
  it('offers transfer_call only where the channel can transfer and destinations exist', () => {
    const names = (tools: ReturnType<typeof buildAgentTools>) => tools.map((t) => t.name).sort();
    expect(names(buildAgentTools({ ...base, callbacks: { endCall: noop } }))).toEqual(['end_call']);
    expect(names(buildAgentTools({ ...base, callbacks: { endCall: noop, transfer: async () => {} } }))).toEqual([
      'end_call',
      'transfer_call',
    ]);
    expect(
      names(
        buildAgentTools({ ...base, transferDestinations: [], callbacks: { endCall: noop, transfer: async () => {} } }),
      ),
    ).toEqual(['end_call']);
    expect(names(buildAgentTools({ ...base, endCallEnabled: false, callbacks: { endCall: noop } }))).toEqual([]);
  });

  it('transfers only to a configured destination and reports a failed transfer to the model', async () => {
    const transferred: string[] = [];
    let fail = false;
    const tools = buildAgentTools({
      ...base,
      callbacks: {
        endCall: noop,
        transfer: async (destination) => {
          if (fail) throw new Error('the trunk refused the REFER');
          transferred.push(destination);
        },
      },
    });
    const transfer = tools.find((t) => t.name === 'transfer_call');
    expect(transfer?.parameters).toMatchObject({
      properties: { destination: { enum: ['+14155550100', 'sip:desk@pbx.example'] } },
    });
    await expect(transfer?.execute({ destination: '+14155550100' }, options as never)).resolves.toBe(
      'Transferred to +14155550100.',
    );
    expect(transferred).toEqual(['+14155550100']);
    const refused = await transfer?.execute({ destination: '+19995550000' }, options as never).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(llm.ToolError);
    expect((refused as Error).message).toContain('only allowed to');
    fail = true;
    const failed = await transfer?.execute({ destination: '+14155550100' }, options as never).catch((e: unknown) => e);
    expect((failed as Error).message).toBe('the transfer to +14155550100 failed: the trunk refused the REFER');
  });

  it('end_call hands the reason and the speech to the conversation', async () => {
    const ended: string[] = [];
    const [endCall] = buildAgentTools({ ...base, callbacks: { endCall: (reason) => ended.push(reason) } });
    await expect(endCall?.execute({ reason: 'caller said bye' }, options as never)).resolves.toContain('end');
    expect(ended).toEqual(['caller said bye']);
  });
});
