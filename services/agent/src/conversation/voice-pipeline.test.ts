/**
 * The voice pipeline without a room: speech in (scripted STT), LLM, TTS and audio out through the
 * real AgentSession, with Conversation's call handling on top.
 */
import type { TranscriptAppend } from '@speaknode/contracts';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureFrameworkLogger } from '../framework.ts';
import { CALL_ID, runtimeConfig } from '../testing/fixtures.ts';
import {
  InstantAudioOutput,
  InstantLLM,
  type InstantReply,
  InstantSTT,
  InstantTTS,
  SilentAudioInput,
} from '../testing/instant-providers.ts';
import { type CallReporter, Conversation, type ConversationOutcome } from './conversation.ts';

beforeAll(() => ensureFrameworkLogger('silent'));

const inputs: SilentAudioInput[] = [];
afterEach(() => {
  for (const input of inputs.splice(0)) input.stop();
});

class Reporter implements CallReporter {
  updates: unknown[] = [];
  turns: Array<{ speaker: string; text: string; interrupted: boolean; toolCalls: unknown[] }> = [];
  usage: unknown;
  async callUpdate(_id: string, update: unknown) {
    this.updates.push(update);
  }
  async appendTranscript(_id: string, append: TranscriptAppend) {
    this.turns.push(...append.turns);
  }
  async reportUsage(_id: string, usage: unknown) {
    this.usage = usage;
  }
}

async function voiceConversation(reply: InstantReply, greeting?: string, silenceTimeoutSeconds = 30, playoutMs = 0) {
  const config = runtimeConfig('http://127.0.0.1:1/v1', {
    agent: {
      greeting,
      turn: { detection: 'stt', minEndpointingDelayMs: 0, maxEndpointingDelayMs: 0 },
      limits: { maxDurationSeconds: 600, silenceTimeoutSeconds },
    },
  });
  const reporter = new Reporter();
  const ended: ConversationOutcome[] = [];
  const sttInstance = new InstantSTT();
  const conversation = new Conversation({
    runtime: config,
    callId: CALL_ID,
    reporter,
    mode: 'voice',
    llm: new InstantLLM(reply),
    stt: sttInstance,
    tts: new InstantTTS(),
    log: () => {},
    onEnded: (outcome) => {
      ended.push(outcome);
    },
  });
  const input = new SilentAudioInput();
  inputs.push(input);
  conversation.session.input.audio = input;
  conversation.session.output.audio = new InstantAudioOutput(playoutMs);
  await conversation.start();
  await waitFor(() => sttInstance.streams.length > 0);
  return { conversation, reporter, ended, speak: (text: string) => sttInstance.streams.at(-1)?.say(text) };
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a voice conversation through the session pipeline', () => {
  it('greets, hears a final transcript, answers through TTS, and reports turns and usage', async () => {
    const { conversation, reporter, speak } = await voiceConversation(
      () => ({ text: 'We open at nine.' }),
      'Welcome to the clinic.',
    );
    await waitFor(() => reporter.turns.length > 0);
    speak('When do you open?');
    await waitFor(() => reporter.turns.some((t) => t.speaker === 'agent' && t.text === 'We open at nine.'));
    const outcome = await conversation.end('caller_hangup');
    expect(reporter.turns.map((t) => [t.speaker, t.text])).toEqual([
      ['agent', 'Welcome to the clinic.'],
      ['user', 'When do you open?'],
      ['agent', 'We open at nine.'],
    ]);
    expect(outcome.usage.llmCompletionTokens).toBeGreaterThan(0);
    expect(outcome.usage.ttsCharacters).toBe('Welcome to the clinic.'.length + 'We open at nine.'.length);
    expect(outcome.usage.sttSeconds).toBe(0.5);
    expect(reporter.updates).toEqual([{ status: 'in_progress' }, { status: 'ended', endReason: 'caller_hangup' }]);
    expect(reporter.usage).toEqual(outcome.usage);
  });

  it('hangs up after the goodbye when the model calls end_call', async () => {
    const harness = await voiceConversation((chatCtx) => {
      const last = chatCtx.items.at(-1);
      return last?.type === 'function_call_output'
        ? { text: 'Goodbye, have a nice day!' }
        : { toolCalls: [{ name: 'end_call', args: { reason: 'caller said bye' } }] };
    });
    const { reporter, ended, speak } = harness;
    speak('Thanks, bye!');
    await waitFor(() => ended.length > 0);
    expect(ended[0]?.endReason).toBe('agent_hangup');
    const agentTurn = reporter.turns.find((t) => t.speaker === 'agent');
    expect(agentTurn?.text).toBe('Goodbye, have a nice day!');
    expect(agentTurn?.toolCalls).toMatchObject([{ name: 'end_call', isError: false }]);
    expect(reporter.updates.at(-1)).toEqual({ status: 'ended', endReason: 'agent_hangup' });
  });

  it('says goodbye and ends the call after the silence timeout', async () => {
    const { reporter, ended } = await voiceConversation(() => ({ text: 'unused' }), 'Hello?', 5);
    await waitFor(() => ended.length > 0, 15_000);
    expect(ended[0]?.endReason).toBe('silence_timeout');
    expect(reporter.turns.map((t) => t.text)).toEqual([
      'Hello?',
      'It seems you have stepped away, so I will end the call now. Goodbye.',
    ]);
    expect(reporter.updates.at(-1)).toEqual({ status: 'ended', endReason: 'silence_timeout' });
  }, 20_000);

  it('records an agent turn the caller interrupted', async () => {
    const { conversation, reporter, speak } = await voiceConversation(
      (chatCtx) =>
        chatCtx.items.at(-1)?.type === 'message' &&
        (chatCtx.items.at(-1) as { textContent?: string }).textContent === 'Stop, stop.'
          ? { text: 'Sorry, go ahead.' }
          : { text: 'Let me tell you about every one of our opening hours in great detail.' },
      undefined,
      30,
      3_000,
    );
    speak('When do you open?');
    await waitFor(() => conversation.session.agentState === 'speaking');
    await new Promise((r) => setTimeout(r, 300));
    speak('Stop, stop.');
    await waitFor(() => reporter.turns.some((t) => t.text === 'Sorry, go ahead.'));
    await conversation.end('caller_hangup');
    const agentTurns = reporter.turns.filter((t) => t.speaker === 'agent');
    expect(agentTurns.map((t) => t.interrupted)).toEqual([true, false]);
    expect(agentTurns[0]?.text.startsWith('Let me tell you')).toBe(true);
    expect(agentTurns[1]?.text).toBe('Sorry, go ahead.');
    // The framework commits the cut-off reply when it handles the interruption, i.e. after the
    // caller's interrupting words: turns are posted in the order the conversation recorded them.
    expect(reporter.turns.map((t) => t.speaker)).toEqual(['user', 'user', 'agent', 'agent']);
  }, 20_000);
});
