import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { voice } from '@livekit/agents';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
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
import { CALL_ID_ATTRIBUTE, otlpTracesUrl, setupTelemetry, type Telemetry } from './telemetry.ts';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let llmServer: OpenAICompatibleServer;
let toolServer: Server;
let toolUrl: string;

beforeAll(async () => {
  ensureFrameworkLogger('silent');
  telemetry = setupTelemetry({ exporters: [exporter] });
  llmServer = await startOpenAICompatibleServer((req) =>
    lastIsToolResult(req)
      ? { text: 'Your visit is on Monday.' }
      : { toolCalls: [{ name: 'lookup_appointment', arguments: { patientId: 'p-1' } }] },
  );
  toolServer = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"day":"Monday"}');
  });
  await new Promise<void>((r) => toolServer.listen(0, '127.0.0.1', r));
  toolUrl = `http://127.0.0.1:${(toolServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await llmServer.close();
  toolServer.closeAllConnections();
  await new Promise<void>((r) => toolServer.close(() => r()));
  await telemetry.shutdown();
});

describe('telemetry', () => {
  it('records session, turn, LLM and tool spans, each carrying the call id', async () => {
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

    const spans = exporter.getFinishedSpans();
    const names = new Set(spans.map((s) => s.name));
    for (const expected of [
      'agent_session',
      'agent_turn',
      'llm_node',
      'llm_request',
      'function_tool',
      'speaknode.http_tool',
    ]) {
      expect(names, `missing span ${expected}; saw ${[...names].join(', ')}`).toContain(expected);
    }
    const unlabeled = spans.filter((s) => s.attributes[CALL_ID_ATTRIBUTE] !== CALL_ID).map((s) => s.name);
    expect(unlabeled).toEqual([]);

    const tool = spans.find((s) => s.name === 'speaknode.http_tool');
    expect(tool?.attributes['speaknode.tool.name']).toBe('lookup_appointment');
    expect(tool?.attributes['http.response.status_code']).toBe(200);
    expect(Number(tool?.attributes['speaknode.tool.duration_ms'])).toBeGreaterThan(0);
    // The HTTP tool span sits in the turn it belongs to, inside the session's trace.
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const ancestors: string[] = [];
    for (let at = tool; at?.parentSpanContext; at = byId.get(at.parentSpanContext.spanId)) {
      const parent = byId.get(at.parentSpanContext.spanId);
      if (parent) ancestors.push(parent.name);
    }
    expect(ancestors).toContain('agent_turn');
    expect(ancestors.at(-1)).toBe('agent_session');
    const session = spans.find((s) => s.name === 'agent_session');
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([session?.spanContext().traceId]));
  });

  it('labels the voice spans of a call: user turn, agent turn, LLM and TTS', async () => {
    exporter.reset();
    const config = runtimeConfig('http://127.0.0.1:1/v1', {
      agent: { turn: { detection: 'stt', minEndpointingDelayMs: 0, maxEndpointingDelayMs: 0 } },
    });
    const sttInstance = new InstantSTT();
    const conversation = new Conversation({
      runtime: config,
      callId: CALL_ID,
      mode: 'voice',
      llm: new InstantLLM(),
      stt: sttInstance,
      tts: new InstantTTS(),
      log: () => {},
    });
    const input = new SilentAudioInput();
    conversation.session.input.audio = input;
    conversation.session.output.audio = new InstantAudioOutput();
    try {
      await conversation.start();
      while (sttInstance.streams.length === 0) await new Promise((r) => setTimeout(r, 20));
      const replied = new Promise<void>((resolve) =>
        conversation.session.on(voice.AgentSessionEventTypes.ConversationItemAdded, (ev) => {
          if (ev.item.type === 'message' && ev.item.role === 'assistant') resolve();
        }),
      );
      sttInstance.streams[0]?.say('When do you open?');
      await replied;
      await conversation.end('caller_hangup');
    } finally {
      input.stop();
    }
    await telemetry.forceFlush();
    const spans = exporter.getFinishedSpans();
    const names = new Set(spans.map((s) => s.name));
    for (const expected of ['agent_session', 'user_turn', 'agent_turn', 'llm_request', 'tts_request']) {
      expect(names, `missing span ${expected}; saw ${[...names].join(', ')}`).toContain(expected);
    }
    expect(spans.filter((s) => s.attributes[CALL_ID_ATTRIBUTE] !== CALL_ID).map((s) => s.name)).toEqual([]);
    const userTurn = spans.find((s) => s.name === 'user_turn');
    expect(JSON.stringify(userTurn?.attributes)).toContain('When do you open?');
  });

  it('builds the OTLP traces URL from the collector endpoint', () => {
    expect(otlpTracesUrl('http://otel-collector:4318')).toBe('http://otel-collector:4318/v1/traces');
    expect(otlpTracesUrl('http://otel-collector:4318/v1/traces')).toBe('http://otel-collector:4318/v1/traces');
  });
});
