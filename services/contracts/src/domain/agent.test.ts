import { describe, expect, it } from 'vitest';
import { describeIssues } from '../validation.ts';
import { AgentInput } from './agent.ts';

const credentialId = '5b0c1f37-7f4e-4d52-9a37-0d4f1b0e9f11';
const minimal = {
  name: 'Front desk',
  prompt: 'You answer calls for a dental clinic.',
  llm: { provider: 'openai-compatible', model: 'gpt-4o-mini' },
  stt: { provider: 'speaknode-models' },
  tts: { provider: 'elevenlabs', model: 'eleven_flash_v2_5', voice: 'Rachel', credentialId },
};

describe('AgentInput', () => {
  it('fills the defaults an admin did not set', () => {
    const agent = AgentInput.parse(minimal);
    expect(agent.language).toBe('en-US');
    expect(agent.interruption).toEqual({
      enabled: true,
      minDurationMs: 200,
      minWords: 0,
      falseInterruptionResumeMs: 1500,
    });
    expect(agent.keypad).toEqual({
      enabled: true,
      terminator: '#',
      interDigitTimeoutMs: 2000,
      maxDigits: 16,
      sendDtmfEnabled: false,
    });
    expect(agent.limits.maxDurationSeconds).toBe(1800);
    expect(agent.stt).toEqual({ provider: 'speaknode-models', model: 'parakeet-tdt-0.6b-v2' });
    expect(agent.widget.allowedOrigins).toEqual([]);
  });

  it('reduces allowed origins to their origin part', () => {
    const agent = AgentInput.parse({ ...minimal, widget: { allowedOrigins: ['https://shop.example.com/path?q=1'] } });
    expect(agent.widget.allowedOrigins).toEqual(['https://shop.example.com']);
  });

  it('names every failing field of a bad payload', () => {
    const result = AgentInput.safeParse({
      ...minimal,
      prompt: '',
      language: 'English',
      llm: { provider: 'openai-compatible' },
      tts: { provider: 'elevenlabs', model: 'x', voice: 'y' },
      limits: { maxDurationSeconds: 5 },
    });
    expect(result.success).toBe(false);
    const paths = describeIssues(result.error!).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['prompt', 'language', 'llm.model', 'tts.credentialId', 'limits.maxDurationSeconds']),
    );
    const language = describeIssues(result.error!).find((i) => i.path === 'language');
    expect(language?.message).toContain('BCP 47');
  });

  it('rejects a provider it does not know, naming the field', () => {
    const result = AgentInput.safeParse({ ...minimal, stt: { provider: 'whisper-cloud' } });
    expect(result.success).toBe(false);
    expect(describeIssues(result.error!)[0]?.path).toBe('stt.provider');
  });
});
