/**
 * The platform's own added latency per voice turn, with zero-latency fake providers: the real
 * `Conversation` (our tools, transcript recorder, telemetry, resilience handlers) on the real
 * `AgentSession` voice pipeline, where STT, LLM and TTS answer instantly. Two intervals:
 *
 *   transcript → LLM request: the fake STT emits the final transcript and end of speech; the clock
 *     stops when the session calls the LLM's `chat()`.
 *   first LLM token → TTS request: the fake LLM emits its first token; the clock stops when the
 *     first text reaches the TTS stream.
 *
 * Baseline (same run): the same intervals with a bare `AgentSession` (no Conversation wiring), so
 * the share our code adds is visible on a noisy machine. Last line: one JSON object.
 *
 *   npm run bench -w @speaknode/agent           (TURNS=200 by default)
 */
import { voice } from '@livekit/agents';
import { Conversation } from '../src/conversation/conversation.ts';
import { ensureFrameworkLogger } from '../src/framework.ts';
import { setupTelemetry } from '../src/telemetry/telemetry.ts';
import { CALL_ID, runtimeConfig } from '../src/testing/fixtures.ts';
import {
  InstantAudioOutput,
  InstantLLM,
  InstantSTT,
  InstantTTS,
  marks,
  SilentAudioInput,
} from '../src/testing/instant-providers.ts';

const TURNS = Number(process.env.TURNS ?? 200);
const WARMUP = 10;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

async function measure(kind: 'speaknode' | 'bare'): Promise<{ transcriptToLlm: number[]; tokenToTts: number[] }> {
  const sttInstance = new InstantSTT();
  const llmInstance = new InstantLLM();
  const ttsInstance = new InstantTTS();
  const turnHandling = {
    turnDetection: 'stt' as const,
    endpointing: { minDelay: 0, maxDelay: 0 },
    interruption: { enabled: false, mode: 'vad' as const },
    preemptiveGeneration: { enabled: false },
  };
  let session: voice.AgentSession;
  let conversation: Conversation | undefined;
  if (kind === 'speaknode') {
    const config = runtimeConfig('http://127.0.0.1:1/v1');
    config.agent.turn = { detection: 'stt', minEndpointingDelayMs: 0, maxEndpointingDelayMs: 0 };
    config.agent.interruption = { enabled: false, minDurationMs: 0, minWords: 0, falseInterruptionResumeMs: 0 };
    conversation = new Conversation({
      runtime: config,
      callId: CALL_ID,
      mode: 'voice',
      llm: llmInstance,
      stt: sttInstance,
      tts: ttsInstance,
      log: () => {},
    });
    session = conversation.session;
  } else {
    session = new voice.AgentSession({ llm: llmInstance, stt: sttInstance, tts: ttsInstance, vad: null, turnHandling });
  }
  const audioIn = new SilentAudioInput();
  session.input.audio = audioIn;
  session.output.audio = new InstantAudioOutput();
  if (conversation) await conversation.start();
  else await session.start({ agent: new voice.Agent({ instructions: 'bench' }), record: false });

  const transcriptToLlm: number[] = [];
  const tokenToTts: number[] = [];
  const deadline = Date.now() + 10_000;
  while (sttInstance.streams.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const speech = sttInstance.streams.at(-1);
  if (!speech) throw new Error('the session never opened an STT stream');

  for (let turn = 0; turn < TURNS + WARMUP; turn++) {
    marks.current = {};
    const replied = new Promise<void>((resolve) => {
      const onState = (ev: voice.AgentStateChangedEvent) => {
        if (ev.oldState === 'speaking' && ev.newState === 'listening') {
          session.off(voice.AgentSessionEventTypes.AgentStateChanged, onState);
          resolve();
        }
      };
      session.on(voice.AgentSessionEventTypes.AgentStateChanged, onState);
    });
    speech.say(`what time do you open, turn ${turn}?`);
    await Promise.race([
      replied,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`turn ${turn} got no reply`)), 10_000)),
    ]);
    const m = marks.current;
    if (turn >= WARMUP && m.transcript && m.llmRequest && m.firstToken && m.ttsRequest) {
      transcriptToLlm.push(m.llmRequest - m.transcript);
      tokenToTts.push(m.ttsRequest - m.firstToken);
    }
  }
  audioIn.stop();
  if (conversation) await conversation.end('caller_hangup');
  else await session.close();
  return { transcriptToLlm, tokenToTts };
}

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: round(quantile(sorted, 0.5)), p99: round(quantile(sorted, 0.99)), n: sorted.length };
}

ensureFrameworkLogger('error');
setupTelemetry({});
const bare = await measure('bare');
const ours = await measure('speaknode');
const result = {
  benchmark: 'agent turn latency added by the platform (zero-latency fake STT/LLM/TTS, ms)',
  turns: ours.transcriptToLlm.length,
  transcriptToLlmRequestMs: summary(ours.transcriptToLlm),
  firstTokenToTtsRequestMs: summary(ours.tokenToTts),
  baselineBareAgentSession: {
    transcriptToLlmRequestMs: summary(bare.transcriptToLlm),
    firstTokenToTtsRequestMs: summary(bare.tokenToTts),
  },
  targetP50Ms: 5,
};
console.log(
  `transcript → LLM request: p50 ${result.transcriptToLlmRequestMs.p50} ms, p99 ${result.transcriptToLlmRequestMs.p99} ms (bare session p50 ${result.baselineBareAgentSession.transcriptToLlmRequestMs.p50} ms)`,
);
console.log(
  `first LLM token → TTS request: p50 ${result.firstTokenToTtsRequestMs.p50} ms, p99 ${result.firstTokenToTtsRequestMs.p99} ms (bare session p50 ${result.baselineBareAgentSession.firstTokenToTtsRequestMs.p50} ms)`,
);
console.log(JSON.stringify(result));
process.exit(0);
