import { AgentInput, type AgentRuntimeConfig, HttpToolInput } from '@speaknode/contracts';

export const SPACE_ID = '11111111-1111-4111-8111-111111111111';
export const AGENT_ID = '22222222-2222-4222-8222-222222222222';
export const CALL_ID = '33333333-3333-4333-8333-333333333333';
export const LLM_CREDENTIAL_ID = '44444444-4444-4444-8444-444444444444';
export const TOOL_ID = '55555555-5555-4555-8555-555555555555';

/** A runtime configuration as control would send it, with the LLM pointed at `llmBaseUrl`. */
export function runtimeConfig(
  llmBaseUrl: string,
  overrides: { agent?: Partial<AgentInput>; tools?: AgentRuntimeConfig['tools']; toolHostAllowList?: string[] } = {},
): AgentRuntimeConfig {
  return {
    agentId: AGENT_ID,
    spaceId: SPACE_ID,
    version: '1',
    agent: AgentInput.parse({
      name: 'Front desk',
      prompt: 'You are the front desk of a dental clinic. Be brief.',
      llm: { provider: 'openai-compatible', baseUrl: llmBaseUrl, model: 'test-model', credentialId: LLM_CREDENTIAL_ID },
      stt: { provider: 'speaknode-models' },
      tts: { provider: 'openai', model: 'tts-1', voice: 'alloy', credentialId: LLM_CREDENTIAL_ID },
      ...overrides.agent,
    }),
    tools: overrides.tools ?? [],
    credentials: {
      [LLM_CREDENTIAL_ID]: { id: LLM_CREDENTIAL_ID, kind: 'openai', secret: 'sk-test-key', settings: {} },
    },
    toolHostAllowList: overrides.toolHostAllowList ?? [],
  };
}

export function httpTool(
  urlTemplate: string,
  overrides: Partial<HttpToolInput> = {},
): AgentRuntimeConfig['tools'][number] {
  return {
    id: TOOL_ID,
    ...HttpToolInput.parse({
      name: 'lookup_appointment',
      description: 'Looks up the next appointment of a patient by patient id',
      parameters: { type: 'object', properties: { patientId: { type: 'string' } }, required: ['patientId'] },
      method: 'GET',
      urlTemplate,
      timeoutMs: 2_000,
      ...overrides,
    }),
  };
}
