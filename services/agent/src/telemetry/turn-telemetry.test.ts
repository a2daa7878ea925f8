/**
 * The per-turn analytics spans, from a real AgentSession: voice (scripted STT → LLM → TTS → audio
 * out, a greeting, an answer, an interruption) and text (a tool that fails).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { voice } from '@livekit/agents';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import {
  AnalyticsSpanNames,
  CallAttributes,
  CallLabelAttributes,
  ProviderAttributes,
  ToolCallAttributes,
  TurnAttributes,
} from '@speaknode/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conversation } from '../conversation/conversation.ts';
import { ensureFrameworkLogger } from '../framework.ts';
import { buildLlm } from '../providers/providers.ts';
import { CALL_ID, httpTool, runtimeConfig } from '../testing/fixtures.ts';
import {
  InstantAudioOutput,
  InstantLLM,
  InstantSTT,
  InstantTTS,
  SilentAudioInput,
} from '../testing/instant-providers.ts';
import {
  lastIsToolResult,
  type OpenAICompatibleServer,
  startOpenAICompatibleServer,
} from '../testing/openai-compatible-server.ts';
import { setupTelemetry, type Telemetry } from './telemetry.ts';
import { providersOf } from './turn-telemetry.ts';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;

beforeAll(() => {
  ensureFrameworkLogger('silent');
  telemetry = setupTelemetry({ exporters: [exporter] });
});
afterAll(() => telemetry.shutdown());

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const named = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const byIndex = (a: ReadableSpan, b: ReadableSpan) =>
  Number(a.attributes[TurnAttributes.index]) - Number(b.attributes[TurnAttributes.index]);

describe('turn telemetry', () => {
  it('emits one span per agent turn with EOU, STT, LLM, TTS, response latency and interruptions', async () => {
    exporter.reset();
    const config = runtimeConfig('http://127.0.0.1:1/v1', {
      agent: {
        greeting: 'Welcome to the clinic.',
        turn: { detection: 'stt', minEndpointingDelayMs: 0, maxEndpointingDelayMs: 0 },
      },
    });
    const stt = new InstantSTT();
    const conversation = new Conversation({
      runtime: config,
      callId: CALL_ID,
      mode: 'voice',
      llm: new InstantLLM((chatCtx) =>
        (chatCtx.items.at(-1) as { textContent?: string }).textContent === 'Stop, stop.'
          ? { text: 'Sorry, go ahead.' }
          : { text: 'Let me tell you about every one of our opening hours in great detail.' },
      ),
      stt,
      tts: new InstantTTS(),
      log: () => {},
    });
    const input = new SilentAudioInput();
    conversation.session.input.audio = input;
    conversation.session.output.audio = new InstantAudioOutput(3_000);
    try {
      await conversation.start();
      await waitFor(() => stt.streams.length > 0);
      await waitFor(() => named(AnalyticsSpanNames.turn).length === 1, 15_000);
      stt.streams.at(-1)?.say('When do you open?');
      await waitFor(() => conversation.session.agentState === 'speaking');
      const speakingSince = Date.now();
      await waitFor(() => Date.now() - speakingSince >= 300);
      stt.streams.at(-1)?.say('Stop, stop.');
      await waitFor(() => named(AnalyticsSpanNames.turn).length === 3, 15_000);
      await conversation.end('caller_hangup');
    } finally {
      input.stop();
    }
    await telemetry.forceFlush();

    const turns = named(AnalyticsSpanNames.turn).sort(byIndex);
    const [greeting, answer, apology] = turns.map((t) => t.attributes);
    expect(turns.map((t) => t.attributes[TurnAttributes.source])).toEqual(['say', 'generate_reply', 'generate_reply']);
    for (const turn of turns) {
      expect(turn.attributes[CallLabelAttributes.callId]).toBe(CALL_ID);
      expect(turn.attributes[CallLabelAttributes.sessionId]).toBe(CALL_ID);
      expect(turn.attributes[CallLabelAttributes.spaceId]).toBe(config.spaceId);
      expect(turn.attributes[ProviderAttributes.ttsProvider]).toBe(config.agent.tts.provider);
    }
    // The greeting: TTS only, nobody to respond to.
    expect(greeting?.[TurnAttributes.ttsTtfbMs]).toBeGreaterThanOrEqual(0);
    expect(greeting?.[TurnAttributes.ttsCharacters]).toBe('Welcome to the clinic.'.length);
    expect(greeting?.[TurnAttributes.responseLatencyMs]).toBeUndefined();
    expect(greeting?.[TurnAttributes.llmTtftMs]).toBeUndefined();
    // The answer the caller cut off. (Without a VAD the framework has no end-of-speech time, so EOU
    // and response latency are left out here: the next test covers them.)
    expect(answer?.[TurnAttributes.eouDelayMs]).toBeUndefined();
    for (const key of [TurnAttributes.llmTtftMs, TurnAttributes.llmDurationMs, TurnAttributes.ttsTtfbMs]) {
      expect(answer?.[key], key).toBeGreaterThanOrEqual(0);
    }
    expect(answer?.[TurnAttributes.llmCompletionTokens]).toBeGreaterThan(0);
    expect(answer?.[TurnAttributes.sttAudioMs]).toBeGreaterThan(0);
    expect(answer?.[TurnAttributes.interrupted]).toBe(true);
    const into = Number(answer?.[TurnAttributes.interruptedAfterMs]);
    expect(into).toBeGreaterThanOrEqual(300);
    expect(into).toBeLessThan(3_000);
    expect(apology?.[TurnAttributes.interrupted]).toBe(false);
    expect(apology?.[TurnAttributes.interruptedAfterMs]).toBeUndefined();

    const [call] = named(AnalyticsSpanNames.call);
    expect(call?.attributes[CallAttributes.turns]).toBe(3);
    expect(call?.attributes[CallAttributes.mode]).toBe('voice');
    expect(call?.attributes[ProviderAttributes.llmModel]).toBe(config.agent.llm.model);
    expect(call?.attributes[ProviderAttributes.sttProvider]).toBe(config.agent.stt.provider);
  }, 40_000);

  it('takes EOU and STT delays from the EOU metrics, and response latency from end of speech to first audio', async () => {
    exporter.reset();
    const config = runtimeConfig('http://127.0.0.1:1/v1');
    const conversation = new Conversation({
      runtime: config,
      callId: CALL_ID,
      mode: 'voice',
      llm: new InstantLLM(),
      log: () => {},
    });
    const { session } = conversation;
    const S = voice.AgentSessionEventTypes;
    const stoppedAt = Date.now() - 2_000;
    session.emit(S.UserStateChanged, voice.createUserStateChangedEvent('speaking', 'listening', stoppedAt));
    const handle = voice.SpeechHandle.create();
    session.emit(
      S.SpeechCreated,
      voice.createSpeechCreatedEvent({ userInitiated: false, source: 'generate_reply', speechHandle: handle }),
    );
    session.emit(
      S.MetricsCollected,
      voice.createMetricsCollectedEvent({
        metrics: {
          type: 'eou_metrics',
          timestamp: Date.now(),
          endOfUtteranceDelayMs: 420,
          transcriptionDelayMs: 180,
          onUserTurnCompletedDelayMs: 0,
          lastSpeakingTimeMs: stoppedAt,
          speechId: handle.id,
        },
      }),
    );
    session.emit(S.AgentStateChanged, voice.createAgentStateChangedEvent('thinking', 'speaking', stoppedAt + 910));
    handle._markDone();
    await waitFor(() => named(AnalyticsSpanNames.turn).length === 1);
    const [turn] = named(AnalyticsSpanNames.turn);
    expect(turn?.attributes[TurnAttributes.eouDelayMs]).toBe(420);
    expect(turn?.attributes[TurnAttributes.sttDurationMs]).toBe(180);
    expect(turn?.attributes[TurnAttributes.responseLatencyMs]).toBe(910);
    // The span starts when the caller stopped speaking.
    expect(turn?.startTime[0]).toBe(Math.floor(stoppedAt / 1000));
  });

  describe('tools', () => {
    let llmServer: OpenAICompatibleServer;
    let toolServer: Server;
    let toolUrl: string;
    beforeAll(async () => {
      llmServer = await startOpenAICompatibleServer((req) =>
        lastIsToolResult(req)
          ? { text: 'The booking system is down, sorry.' }
          : { toolCalls: [{ name: 'lookup_appointment', arguments: { patientId: 'p-1' } }] },
      );
      toolServer = createServer((_req, res) => {
        res.statusCode = 500;
        res.end('broken');
      });
      await new Promise<void>((r) => toolServer.listen(0, '127.0.0.1', r));
      toolUrl = `http://127.0.0.1:${(toolServer.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await llmServer.close();
      toolServer.closeAllConnections();
      await new Promise<void>((r) => toolServer.close(() => r()));
    });

    it('records each tool call with its name, duration and error, inside its turn', async () => {
      exporter.reset();
      const config = runtimeConfig(llmServer.url, {
        tools: [httpTool(`${toolUrl}/appointments/{patientId}`)],
        toolHostAllowList: ['127.0.0.1'],
      });
      const conversation = new Conversation({
        runtime: config,
        callId: CALL_ID,
        mode: 'text',
        llm: buildLlm(config.agent.llm, config.credentials),
        log: () => {},
      });
      await conversation.start();
      await conversation.inContext(() => conversation.session.run({ userInput: 'When is my visit?' }).wait());
      await conversation.end('agent_hangup');
      await telemetry.forceFlush();

      const tools = named(AnalyticsSpanNames.toolCall);
      expect(tools).toHaveLength(1);
      expect(tools[0]?.attributes[ToolCallAttributes.name]).toBe('lookup_appointment');
      expect(tools[0]?.attributes[ToolCallAttributes.error]).toBe(true);
      expect(Number(tools[0]?.attributes[ToolCallAttributes.durationMs])).toBeGreaterThanOrEqual(0);
      const turns = named(AnalyticsSpanNames.turn);
      const withTool = turns.find((t) => t.attributes[TurnAttributes.toolCalls] === 1);
      expect(withTool?.attributes[TurnAttributes.toolErrors]).toBe(1);
      expect(tools[0]?.parentSpanContext?.spanId).toBe(withTool?.spanContext().spanId);
      expect(turns.every((t) => t.attributes[TurnAttributes.ttsTtfbMs] === undefined)).toBe(true);
      const [call] = named(AnalyticsSpanNames.call);
      expect(call?.attributes[CallAttributes.mode]).toBe('text');
      expect(call?.attributes[ProviderAttributes.sttProvider]).toBeUndefined();
    });
  });

  it('names an LLM endpoint by its host and api.openai.com as openai', () => {
    const { agent } = runtimeConfig('http://vllm.internal:8000/v1');
    expect(providersOf(agent, 'text').llm).toEqual({ provider: 'vllm.internal:8000', model: agent.llm.model });
    expect(providersOf({ ...agent, llm: { ...agent.llm, baseUrl: undefined } }, 'voice').llm?.provider).toBe('openai');
  });
});
