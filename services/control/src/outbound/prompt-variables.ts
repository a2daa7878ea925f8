import type { CallVariables } from '@speaknode/contracts';

/** `{{ name }}`: the placeholder form in an agent's prompt and greeting. */
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
