import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { voice } from '@livekit/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFrameworkLogger } from '../framework.ts';
import { buildLlm } from '../providers/providers.ts';
import { CALL_ID, httpTool, runtimeConfig } from '../testing/fixtures.ts';
import {
  lastIsToolResult,
  lastUserText,
  type OpenAICompatibleServer,
  startOpenAICompatibleServer,
} from '../testing/openai-compatible-server.ts';
import { type CallReporter, Conversation } from './conversation.ts';

let llmServer: OpenAICompatibleServer;
let toolServer: Server;
let toolUrl: string;
const toolHits: string[] = [];

beforeAll(async () => {
  ensureFrameworkLogger('silent');
  llmServer = await startOpenAICompatibleServer(() => ({ text: 'Hello.' }));
  toolServer = createServer((req, res) => {
    toolHits.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ patientId: req.url?.split('/').pop(), next: '2026-12-01T09:00' }));
  });
  await new Promise<void>((r) => toolServer.listen(0, '127.0.0.1', r));
  toolUrl = `http://127.0.0.1:${(toolServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await llmServer.close();
  toolServer.closeAllConnections();
  await new Promise<void>((r) => toolServer.close(() => r()));
});

class RecordingReporter implements CallReporter {
  updates: unknown[] = [];
  transcripts: Array<{ sequence: number; turns: Array<{ speaker: string; text: string; toolCalls: unknown[] }> }> = [];
  usages: unknown[] = [];
  async callUpdate(_callId: string, update: unknown) {
    this.updates.push(update);
  }
  async appendTranscript(_callId: string, append: never) {
    this.transcripts.push(append);
  }
  async reportUsage(_callId: string, usage: unknown) {
    this.usages.push(usage);
  }
}

function textConversation(config: ReturnType<typeof runtimeConfig>, reporter?: CallReporter) {
  return new Conversation({
    runtime: config,
    callId: CALL_ID,
    reporter,
    mode: 'text',
    llm: buildLlm(config.agent.llm, config.credentials),
    log: () => {},
  });
}

describe('a conversation against a local OpenAI-compatible server', () => {
  it('answers through the real openai plugin, with the agent prompt and the credential', async () => {
    llmServer.setScript((req) => ({ text: `You said: ${lastUserText(req)}` }));
    const before = llmServer.requests.length;
    const conversation = textConversation(runtimeConfig(llmServer.url));
    await conversation.start();
    const result = await conversation.session.run({ userInput: 'I need a cleaning' }).wait();
    result.expect.nextEvent().isMessage({ role: 'assistant' });
    result.expect.noMoreEvents();
    const message = result.events[0] as voice.testing.ChatMessageEvent;
    expect(message.item.textContent).toBe('You said: I need a cleaning');
    const request = llmServer.requests[before];
    expect(request?.model).toBe('test-model');
    expect(request?.stream).toBe(true);
    expect(JSON.stringify(request?.messages[0])).toContain('front desk of a dental clinic');
    expect(llmServer.authorizations[before]).toBe('Bearer sk-test-key');
    await conversation.end('agent_hangup');
  });

  it('calls an HTTP tool from streamed tool-call deltas and feeds the result back', async () => {
    llmServer.setScript((req) =>
      lastIsToolResult(req)
        ? { text: `Your next visit: ${JSON.stringify(req.messages.at(-1)?.content)}` }
        : { toolCalls: [{ name: 'lookup_appointment', arguments: { patientId: 'p-17' } }] },
    );
    const reporter = new RecordingReporter();
    const config = runtimeConfig(llmServer.url, {
      tools: [httpTool(`${toolUrl}/appointments/{patientId}`)],
      toolHostAllowList: ['127.0.0.1'],
    });
    const conversation = textConversation(config, reporter);
    await conversation.start();
    const result = await conversation.session.run({ userInput: 'When is my appointment?' }).wait();
    result.expect.nextEvent().isFunctionCall({ name: 'lookup_appointment', args: { patientId: 'p-17' } });
    result.expect.nextEvent().isFunctionCallOutput();
    result.expect.nextEvent().isMessage({ role: 'assistant' });
    result.expect.noMoreEvents();
    expect(toolHits).toContain('/appointments/p-17');
    const toolRequest = llmServer.requests.at(-2);
    expect(toolRequest?.tools?.map((t) => t.function.name).sort()).toEqual(['end_call', 'lookup_appointment']);

    const outcome = await conversation.end('agent_hangup');
    expect(outcome.usage.toolCalls).toBe(1);
    expect(outcome.usage.llmPromptTokens).toBeGreaterThan(0);
    const turns = reporter.transcripts.flatMap((t) => t.turns);
    expect(turns.map((t) => t.speaker)).toEqual(['user', 'agent']);
    expect(turns[1]?.toolCalls).toMatchObject([{ name: 'lookup_appointment', isError: false }]);
    expect(reporter.transcripts.map((t) => t.sequence)).toEqual([0, 1]);
    expect(reporter.updates).toEqual([{ status: 'in_progress' }, { status: 'ended', endReason: 'agent_hangup' }]);
    expect(reporter.usages).toHaveLength(1);
  });

  it('tells the model when the tool host is refused (loopback without an allow-list entry)', async () => {
    llmServer.setScript((req) =>
      lastIsToolResult(req)
        ? { text: 'I could not reach the booking system.' }
        : { toolCalls: [{ name: 'lookup_appointment', arguments: { patientId: 'p-18' } }] },
    );
    const hitsBefore = toolHits.length;
    const conversation = textConversation(
      runtimeConfig(llmServer.url, { tools: [httpTool(`${toolUrl}/appointments/{patientId}`)] }),
    );
    await conversation.start();
    const result = await conversation.session.run({ userInput: 'When is my appointment?' }).wait();
    result.expect.nextEvent().isFunctionCall({ name: 'lookup_appointment' });
    const output = result.expect.nextEvent().isFunctionCallOutput().event().item;
    expect(output.isError).toBe(true);
    expect(output.output).toContain('a loopback address');
    expect(toolHits.length).toBe(hitsBefore);
    await conversation.end('agent_hangup');
  });

  it('ends the call when the model calls end_call', async () => {
    llmServer.setScript((req) =>
      lastIsToolResult(req)
        ? { text: 'Goodbye!' }
        : { toolCalls: [{ name: 'end_call', arguments: { reason: 'done' } }] },
    );
    const conversation = textConversation(runtimeConfig(llmServer.url));
    await conversation.start();
    await conversation.session.run({ userInput: 'That is all, bye' }).wait();
    expect(conversation.endRequestedReason).toBe('done');
    await conversation.end('agent_hangup');
  });

  it('apologises and retries once when the LLM times out in a voice call, then answers', async () => {
    llmServer.setScript((_req, index) =>
      index === hangIndex ? { hang: true } : { text: 'Sorry for the wait, we open at nine.' },
    );
    const hangIndex = llmServer.requests.length;
    const config = runtimeConfig(llmServer.url);
    const conversation = new Conversation({
      runtime: config,
      callId: CALL_ID,
      mode: 'voice',
      llm: buildLlm(config.agent.llm, config.credentials),
      connOptions: { llmConnOptions: { maxRetry: 0, timeoutMs: 300, retryIntervalMs: 0 } },
      log: () => {},
    });
    const spoken: string[] = [];
    conversation.session.on(voice.AgentSessionEventTypes.SpeechCreated, (ev) => spoken.push(ev.source));
    await conversation.start();
    conversation.session.generateReply({ userInput: 'When do you open?' });
    await waitFor(() =>
      conversation.session.history.items.some(
        (i) =>
          i.type === 'message' && i.role === 'assistant' && i.textContent === 'Sorry for the wait, we open at nine.',
      ),
    );
    expect(spoken.filter((s) => s === 'say')).toHaveLength(1); // the apology
    expect(llmServer.requests.length - hangIndex).toBe(2); // the timed-out request and the retry
    expect(conversation.isEnded).toBe(false);
    await conversation.end('caller_hangup');
  });

  it('ends a voice call with a failure reason when the LLM keeps failing', async () => {
    llmServer.setScript(() => ({ status: 500 }));
    const reporter = new RecordingReporter();
    const config = runtimeConfig(llmServer.url);
    const conversation = new Conversation({
      runtime: config,
      callId: CALL_ID,
      reporter,
      mode: 'voice',
      llm: buildLlm(config.agent.llm, config.credentials),
      connOptions: { llmConnOptions: { maxRetry: 0, timeoutMs: 1_000, retryIntervalMs: 0 } },
      log: () => {},
    });
    await conversation.start();
    conversation.session.generateReply({ userInput: 'Hello?' });
    const outcome = await conversation.ended;
    expect(outcome.endReason).toBe('provider_error');
    expect(outcome.failureReason).toContain('LLM provider failed repeatedly');
    expect(reporter.updates.at(-1)).toMatchObject({ status: 'failed', endReason: 'provider_error' });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
