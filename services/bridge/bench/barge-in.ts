/**
 * Barge-in with the real agent session: one Twilio call through a real bridge socket into the agent
 * service's `Conversation` (Silero VAD) in the in-memory room; the caller talks over the agent
 * `count` times and each time the time from the first audible frame of their speech to Twilio's
 * `clear` is taken, with the peak of the first frame the bridge sent after each clear.
 */
import * as silero from '@livekit/agents-plugin-silero';
import { ensureFrameworkLogger } from '@speaknode/agent/framework';
import { MULAW_TO_LINEAR } from '../src/audio/g711.ts';
import { ConversationAgent } from '../src/testing/conversation-agent.ts';
import { startHarness, until } from '../src/testing/harness.ts';
import { PacedCaller } from '../src/testing/paced-caller.ts';
import { rms, speech } from '../src/testing/speech.ts';
import { TwilioTestClient } from '../src/testing/twilio-client.ts';

const LONG =
  'Our opening hours are from nine in the morning until six in the evening, from Monday to Friday, and on Saturdays from ten until two, and we are closed on public holidays.';

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) * 10) / 10;
}

export async function bargeIns(count: number) {
  ensureFrameworkLogger('silent');
  const vad = await silero.VAD.load();
  const hello = speech('Hello, I would like to book an appointment.');
  speech(LONG);
  let agent: ConversationAgent | undefined;
  const harness = await startHarness({
    agent: () => {
      agent = new ConversationAgent({ vad, reply: () => ({ text: LONG }), agent: { greeting: LONG } });
      return agent;
    },
  });
  const callId = harness.control.addCall();
  const client = new TwilioTestClient(`${harness.ws}/twilio`);
  await client.opened;
  client.connected();
  client.start({ callId });
  const caller = new PacedCaller(client);
  const latencies: number[] = [];
  const peaks: number[] = [];
  try {
    await until(() => agent, 'the agent', 10_000);
    for (let i = 0; i < count; i++) {
      // Wait for a second of the agent's voice since the last clear, then talk over it.
      const since = client.received.length;
      await until(
        () =>
          client.received
            .slice(since)
            .filter((m) => rms(Array.from(m.payload, (c) => MULAW_TO_LINEAR[c] as number)) > 300).length >= 50,
        'the agent to speak',
        30_000,
      );
      const clears = client.clears.length;
      const onset = await caller.say(hello.mulaw8k);
      await until(() => client.clears.length > clears, 'the clear', 10_000);
      latencies.push((client.clears[clears] as number) - onset);
      await until(() => caller.idle, 'the caller to finish', 10_000);
    }
    let media = 0;
    for (const sent of harness.sent) {
      if (sent.event === 'media') media++;
      else {
        const frame = client.received[media];
        if (frame) peaks.push(Math.max(...Array.from(frame.payload, (c) => Math.abs(MULAW_TO_LINEAR[c] as number))));
      }
    }
  } finally {
    caller.stop();
    client.close();
    await harness.close();
  }
  return {
    count: latencies.length,
    speechStartToClearP50Ms: quantile(latencies, 0.5),
    speechStartToClearP99Ms: quantile(latencies, 0.99),
    speechStartToClearMaxMs: Math.round(Math.max(...latencies) * 10) / 10,
    firstFrameAfterClearPeakMax: Math.max(0, ...peaks),
    clears: peaks.length,
  };
}
