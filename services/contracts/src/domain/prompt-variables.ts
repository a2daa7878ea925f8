import type { CallVariables } from './outbound-call.ts';

/**
 * `{{ name }}` placeholders in an agent's prompt and greeting, filled per call: control checks an
 * outbound call has every value the agent needs when the call is created, the agent worker fills
 * them from the call summary's `variables` when the call starts.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;

/** Filled on every phone call with the other party's number: the caller's (inbound) or the called one (outbound). */
export const PHONE_NUMBER_VARIABLE = 'phone_number';

/** The distinct placeholder names in `texts`, in order of first use. */
export function placeholdersIn(...texts: (string | null | undefined)[]): string[] {
  const names = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    for (const match of text.matchAll(PLACEHOLDER)) names.add(match[1] as string);
  }
  return [...names];
}

/** The placeholders of `texts` that `variables` does not fill. */
export function missingVariables(variables: CallVariables, ...texts: (string | null | undefined)[]): string[] {
  return placeholdersIn(...texts).filter((name) => !Object.hasOwn(variables, name));
}

/** `text` with each placeholder replaced by its variable; a placeholder without one is left as written. */
export function fillPlaceholders(text: string, variables: CallVariables): string {
  return text.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(variables, name) ? variables[name]! : whole,
  );
}

/** The agent's prompt and greeting with the call's variables filled in. */
export function fillAgentPlaceholders<A extends { prompt: string; greeting?: string | undefined }>(
  agent: A,
  variables: CallVariables,
): A {
  return {
    ...agent,
    prompt: fillPlaceholders(agent.prompt, variables),
    ...(agent.greeting === undefined ? {} : { greeting: fillPlaceholders(agent.greeting, variables) }),
  };
}
