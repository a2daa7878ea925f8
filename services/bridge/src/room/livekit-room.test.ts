import { dispose } from '@livekit/rtc-node';
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness } from '../testing/harness.ts';
import { TwilioTestClient } from '../testing/twilio-client.ts';
import { LiveKitRoomConnector } from './livekit-room.ts';

// The real rtc-node client (native FFI binary) against a LiveKit address nobody listens on: no
// server is needed to check that a failed join is reported and ends the leg cleanly.
const DOWN = 'ws://127.0.0.1:9';

afterAll(async () => {
  await dispose();
});

describe('LiveKitRoomConnector (rtc-node) without a server', () => {
  it('rejects a join to a server that is down with a message naming the room and the URL', async () => {
    await expect(
      new LiveKitRoomConnector().connect(
        { serverUrl: DOWN, token: 'token', identity: 'phone-x', roomName: 'call-x', attributes: {} },
        {
          onAgentAudio() {},
          onAgentState() {},
          onAgentLeft() {},
          onAgentInterrupted() {},
          onAgentDtmf() {},
          onDisconnected() {},
        },
      ),
    ).rejects.toThrow(/^could not join room call-x at ws:\/\/127\.0\.0\.1:9: .*(refused|connect)/i);
  }, 30_000);

  it('closes the Twilio socket 1011 when the real adapter cannot reach LiveKit', async () => {
    const harness = await startHarness({ connector: new LiveKitRoomConnector(), livekitUrl: DOWN });
    try {
      const client = new TwilioTestClient(`${harness.ws}/twilio`);
      await client.opened;
      client.connected();
      client.start({ callId: harness.control.addCall() });
      expect(await client.closed).toEqual({ code: 1011, reason: "could not join the call's room" });
      expect(harness.metrics.value('bridge_legs_ended_total', { provider: 'twilio', outcome: 'join_failed' })).toBe(1);
      client.close();
    } finally {
      await harness.close();
    }
  }, 30_000);
});
