/**
 * The agent builder's embed snippet. Control serves the widget at `/widget/v1/` and says in
 * `/widget/v1/manifest.json` which content-hashed name the current element has and its SRI hash;
 * the snippet points at that name (cached as immutable, so the hash holds as long as the snippet
 * is on a site) with `integrity` and `crossorigin`. Without a manifest (the widget not built on
 * this control) it falls back to the stable `speaknode-agent.js`, without integrity.
 */

export const WIDGET_PATH = '/widget/v1/';

/** What the snippet takes from control's widget manifest. */
export interface WidgetScript {
  /** `speaknode-agent.<hash>.js` */
  versionedEntry: string;
  /** `sha384-<base64>` */
  integrity: string;
}

const FILE_NAME = /^[A-Za-z0-9._-]+\.js$/;
const INTEGRITY = /^sha384-[A-Za-z0-9+/]+=*$/;

/** Reads the manifest; undefined when control has no built widget or answers something else. */
export async function loadWidgetScript(
  controlUrl: string,
  fetchImpl: typeof fetch = fetch,
): Promise<WidgetScript | undefined> {
  try {
    const res = await fetchImpl(`${controlUrl}${WIDGET_PATH}manifest.json`, { cache: 'no-cache' });
    if (!res.ok) return undefined;
    const manifest = (await res.json()) as Partial<WidgetScript> | null;
    const { versionedEntry, integrity } = manifest ?? {};
    if (typeof versionedEntry !== 'string' || !FILE_NAME.test(versionedEntry)) return undefined;
    if (typeof integrity !== 'string' || !INTEGRITY.test(integrity)) return undefined;
    return { versionedEntry, integrity };
  } catch {
    return undefined;
  }
}

/** The snippet for a site that shows this agent (its publishable key is public by design). */
export function embedSnippet(controlUrl: string, publishableKey: string, script?: WidgetScript): string {
  const tag = script
    ? `<script type="module" src="${controlUrl}${WIDGET_PATH}${script.versionedEntry}" integrity="${script.integrity}" crossorigin="anonymous"></script>`
    : `<script type="module" src="${controlUrl}${WIDGET_PATH}speaknode-agent.js"></script>`;
  return `${tag}\n<speaknode-agent agent-key="${publishableKey}" api-base="${controlUrl}"></speaknode-agent>`;
}
