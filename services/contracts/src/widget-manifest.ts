/**
 * What the widget's build writes next to its files (`web-widget/dist/manifest.json`) and control
 * serves at `/widget/v1/manifest.json`: the file names, their Subresource Integrity hashes (the
 * console's embed snippet carries the entry's) and sizes.
 */
import { z } from 'zod';

/** Where control serves the widget; `v1` changes only with an incompatible element interface. */
export const WIDGET_PATH = '/widget/v1/';

export const WidgetFile = z.object({
  /** `sha384-<base64>`, for `<script integrity>`. */
  integrity: z.string().regex(/^sha384-[A-Za-z0-9+/]+=*$/),
  bytes: z.number().int().nonnegative(),
  gzipBytes: z.number().int().nonnegative(),
});
export type WidgetFile = z.infer<typeof WidgetFile>;

export const WidgetManifest = z.object({
  /** The @speaknode/web-widget version that was built. */
  version: z.string(),
  /** The element's module at its stable name, `speaknode-agent.js` (short cache: it changes with each release). */
  entry: z.string(),
  /**
   * The same bytes under a content-hashed name (`speaknode-agent.<hash>.js`), cached as immutable: the
   * embed snippet's `src`, so its `integrity` holds for as long as the snippet is on a page.
   */
  versionedEntry: z.string(),
  /** The entry's integrity (both names), repeated for the embed snippet. */
  integrity: z.string(),
  /** The chunk with livekit-client, loaded when a voice conversation starts. */
  voiceChunk: z.string(),
  files: z.record(z.string().regex(/^[A-Za-z0-9._-]+\.js$/), WidgetFile),
});
export type WidgetManifest = z.infer<typeof WidgetManifest>;
