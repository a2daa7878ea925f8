/** Light or dark, following the system until the user picks one (kept in localStorage). */
const KEY = 'speaknode.theme';
type Theme = 'light' | 'dark';

function initial(): Theme {
  const saved = globalThis.localStorage?.getItem(KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export const theme = $state<{ current: Theme }>({ current: initial() });

export function applyTheme(next: Theme = theme.current): void {
  theme.current = next;
  globalThis.document?.documentElement.setAttribute('data-theme', next);
  globalThis.localStorage?.setItem(KEY, next);
}
