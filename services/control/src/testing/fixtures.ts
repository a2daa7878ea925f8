/** A valid agent body for tests, using one openai credential for the LLM and a self-hosted voice. */
export const agentBody = (credentialId: string, extra: Record<string, unknown> = {}) => ({
  name: 'Front desk',
  prompt: 'You answer calls for a dental clinic.',
  llm: { provider: 'openai-compatible', model: 'gpt-4o-mini', credentialId },
  stt: { provider: 'speaknode-models' },
  tts: { provider: 'speaknode-models', voice: 'en_US-lessac-medium' },
  ...extra,
});
