/** A valid agent body for tests, using one credential for the LLM and the TTS. */
export const agentBody = (credentialId: string, extra: Record<string, unknown> = {}) => ({
  name: 'Front desk',
  prompt: 'You answer calls for a dental clinic.',
  llm: { provider: 'openai-compatible', model: 'gpt-4o-mini', credentialId },
  stt: { provider: 'speaknode-models' },
  tts: { provider: 'elevenlabs', model: 'eleven_flash_v2_5', voice: 'Rachel', credentialId },
  ...extra,
});
