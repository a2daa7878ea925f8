import type { AgentInput, HttpToolInput } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';

/**
 * Configurations that parse but cannot work are refused when saved (422 naming the field and what
 * would work), not found out during a caller's conversation.
 */
function unprocessable(path: string, message: string): HttpProblem {
  return new HttpProblem(422, 'Unprocessable Content', `${path}: ${message}`, { errors: [{ path, message }] });
}

/** TTS providers the agent worker has no plugin for (see services/agent/src/providers). */
const UNAVAILABLE_TTS: Record<string, string> = {
  cartesia:
    'the agent worker cannot run cartesia (its LiveKit plugin has no 1.9 release); pick openai, elevenlabs, deepgram or speaknode-models',
};

export function assertAgentRunnable(agent: AgentInput): void {
  if (!agent.llm.baseUrl && !agent.llm.credentialId) {
    throw unprocessable(
      'llm.credentialId',
      'api.openai.com needs an API key: set llm.credentialId, or llm.baseUrl for a server that takes none (vLLM, Ollama)',
    );
  }
  const unavailable = UNAVAILABLE_TTS[agent.tts.provider];
  if (unavailable) throw unprocessable('tts.provider', unavailable);
}

/** Placeholders fill the path and query only: a template cannot let the model choose where a request goes. */
export function assertToolRunnable(tool: HttpToolInput): void {
  const authority = /^https?:\/\/([^/?#]*)/.exec(tool.urlTemplate)?.[1] ?? '';
  if (authority.includes('{') || authority.includes('}')) {
    throw unprocessable(
      'urlTemplate',
      'placeholders ({name}) may fill the path and the query only, not the scheme, host or port; write the host out',
    );
  }
  try {
    new URL(tool.urlTemplate.replace(/\{[^}]*\}/g, 'x'));
  } catch {
    throw unprocessable('urlTemplate', 'is not a URL once its placeholders are filled in');
  }
}
