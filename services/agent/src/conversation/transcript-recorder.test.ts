import type { TranscriptAppend } from '@speaknode/contracts';
import { describe, expect, it } from 'vitest';
import { TranscriptRecorder, usageOf } from './transcript-recorder.ts';

class FlakySink {
  calls: TranscriptAppend[] = [];
  failuresLeft: number;
  constructor(failures: number) {
    this.failuresLeft = failures;
  }
  async appendTranscript(_callId: string, append: TranscriptAppend) {
    this.calls.push(append);
    if (this.failuresLeft-- > 0) throw new Error('control is restarting');
  }
}

function push(recorder: TranscriptRecorder, speaker: 'user' | 'agent', text: string) {
  // The recorder's own entry point for framework messages is private; drive it like the session does.
  (recorder as unknown as { push(turn: unknown): void }).push({
    speaker,
    text,
    startedAt: new Date().toISOString(),
    interrupted: false,
    toolCalls: [],
  });
}

describe('TranscriptRecorder', () => {
  it('retries a failed post with the same sequence, keeping turns in order', async () => {
    const sink = new FlakySink(2);
    const recorder = new TranscriptRecorder('call', sink, () => {}, [1, 1, 1]);
    push(recorder, 'user', 'hello');
    push(recorder, 'agent', 'hi there'); // queued while the first post is pending: sent together
    await recorder.drain();
    push(recorder, 'user', 'bye');
    await recorder.drain();
    expect(sink.calls.map((c) => c.sequence)).toEqual([0, 0, 0, 2]);
    expect(sink.calls[2]?.turns.map((t) => t.text)).toEqual(['hello', 'hi there']);
    expect(sink.calls[3]?.turns.map((t) => t.text)).toEqual(['bye']);
    expect(recorder.errors).toEqual([]);
  });

  it('gives up after its retries, says which turns were lost, and carries on', async () => {
    const sink = new FlakySink(3);
    const logged: string[] = [];
    const recorder = new TranscriptRecorder('call-9', sink, (m) => logged.push(m), [1, 1]);
    push(recorder, 'user', 'lost');
    await recorder.drain();
    push(recorder, 'agent', 'kept');
    await recorder.drain();
    expect(logged).toEqual(['transcript turns 0…0 of call call-9 were not saved: control is restarting']);
    expect(sink.calls.at(-1)).toMatchObject({ sequence: 1, turns: [{ text: 'kept' }] });
  });

  it('sums usage over models', () => {
    expect(
      usageOf(
        [
          { type: 'llm_usage', inputTokens: 10, outputTokens: 5 },
          { type: 'llm_usage', inputTokens: 1, outputTokens: 2 },
          { type: 'tts_usage', charactersCount: 42 },
          { type: 'stt_usage', audioDurationMs: 1500 },
        ],
        3,
        12.5,
      ),
    ).toEqual({
      callSeconds: 12.5,
      sttSeconds: 1.5,
      ttsCharacters: 42,
      llmPromptTokens: 11,
      llmCompletionTokens: 7,
      toolCalls: 3,
    });
  });
});
