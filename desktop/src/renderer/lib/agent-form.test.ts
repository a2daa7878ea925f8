import { describe, expect, it } from 'vitest';
import { agentInputOf, credentialsFor, newAgentForm } from './agent-form.ts';
import { templateParts, undeclaredPlaceholders } from './url-template.ts';

describe('the agent builder form', () => {
  it('leaves empty optional inputs out so the API applies its defaults and names what is missing', () => {
    const input = agentInputOf({ ...newAgentForm(), name: 'A', prompt: 'P', llmModel: 'm', widgetAllowedOrigins: ' https://a.example \n\n' });
    expect(input.llm).toEqual({ provider: 'openai-compatible', model: 'm', temperature: 0.7 });
    expect(input.stt).toEqual({ provider: 'speaknode-models' });
    expect(input.widget?.allowedOrigins).toEqual(['https://a.example']);
    expect('greeting' in input).toBe(false);
  });

  it('offers only the credentials of kinds a provider uses', () => {
    const creds = [
      { id: '1', kind: 'openai' },
      { id: '2', kind: 'deepgram' },
      { id: '3', kind: 'generic' },
    ] as Parameters<typeof credentialsFor>[1];
    expect(credentialsFor('openai-compatible', creds).map((c) => c.id)).toEqual(['1', '3']);
    expect(credentialsFor('deepgram', creds).map((c) => c.id)).toEqual(['2']);
    expect(credentialsFor('speaknode-models', creds)).toEqual([]);
  });
});

describe('URL templates', () => {
  it('marks placeholders and names those the parameters do not declare', () => {
    expect(templateParts('https://x/{a}/b?c={c_1}')).toEqual([
      { text: 'https://x/', placeholder: false },
      { text: '{a}', placeholder: true },
      { text: '/b?c=', placeholder: false },
      { text: '{c_1}', placeholder: true },
    ]);
    expect(undeclaredPlaceholders('https://x/{a}/{b}', { properties: { a: {} } })).toEqual(['b']);
  });
});
