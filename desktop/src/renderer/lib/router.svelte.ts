/**
 * Hash routes (`#/agents/<id>`): they work the same from control's /console/ and from Electron's
 * app:// origin, and a reload keeps the page.
 */
export interface Route {
  page: string;
  params: string[];
}

export function parseRoute(hash: string): Route {
  const [page = 'spaces', ...params] = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return { page, params };
}

export const router = $state<{ route: Route }>({ route: parseRoute(globalThis.location?.hash ?? '') });

globalThis.addEventListener?.('hashchange', () => {
  router.route = parseRoute(globalThis.location.hash);
});

export function navigate(path: string): void {
  globalThis.location.hash = `#/${path.replace(/^\//, '')}`;
}
