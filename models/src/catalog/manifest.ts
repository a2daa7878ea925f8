/**
 * The models folder and its manifest (`manifest.json`): which models it holds and the SHA-256 of
 * every file the host may load. Verified before anything loads: a listed file that is missing or
 * whose checksum differs stops the host with a message naming it, and a model file that is not
 * listed is never loaded. The appliance's offline bundle carries the folder as is.
 *
 * {
 *   "schemaVersion": 1,
 *   "models": [
 *     { "id": "parakeet-tdt-0.6b-v2", "kind": "parakeet-tdt", "path": "parakeet-tdt-0.6b-v2", "languages": ["en"] },
 *     { "id": "en_US-lessac-medium", "kind": "piper", "path": "piper/en_US-lessac-medium.onnx" }
 *   ],
 *   "files": { "parakeet-tdt-0.6b-v2/vocab.txt": "<sha256 hex>", … }
 * }
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { z } from 'zod';

export const MANIFEST_FILE = 'manifest.json';

const RelativePath = z
  .string()
  .min(1)
  .max(500)
  .refine(
    (p) => !isAbsolute(p) && !normalize(p).split(/[\\/]/).includes('..') && !p.includes('\0'),
    'must be a path inside the models folder',
  );
const ModelId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be letters, digits, . _ - (at most 100)');
const Language = z
  .string()
  .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or en-US');

export const ManifestEntry = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('parakeet-tdt'),
    id: ModelId,
    path: RelativePath,
    languages: z.array(Language).min(1).max(200),
  }),
  z.object({
    kind: z.literal('piper'),
    id: ModelId,
    path: RelativePath,
    languages: z.array(Language).max(10).optional(),
  }),
]);
export type ManifestEntry = z.infer<typeof ManifestEntry>;

export const Manifest = z.object({
  schemaVersion: z.literal(1),
  models: z.array(ManifestEntry).max(100),
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase SHA-256 hex digest')),
});
export type Manifest = z.infer<typeof Manifest>;

/** Something wrong with the models folder that must stop the host. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

export type FolderState =
  | { state: 'absent'; reason: string }
  | { state: 'verified'; manifest: Manifest; dir: string; verified: ReadonlySet<string> };

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function readManifest(dir: string): Manifest | undefined {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ManifestError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) {
    throw new ManifestError(
      `${file} is not a models manifest: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  for (const path of Object.keys(parsed.data.files)) {
    if (!RelativePath.safeParse(path).success)
      throw new ManifestError(`${file}: files entry ${JSON.stringify(path)} must be a path inside the models folder`);
  }
  const ids = new Set<string>();
  for (const model of parsed.data.models) {
    if (ids.has(model.id)) throw new ManifestError(`${file}: model id ${model.id} appears twice`);
    ids.add(model.id);
  }
  return parsed.data;
}

/** Reads and checks the folder; throws ManifestError naming the first missing or corrupt file. */
export async function verifyModelsFolder(dir: string): Promise<FolderState> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return { state: 'absent', reason: `there is no models folder at ${dir} (set MODELS_DIR)` };
  }
  const manifest = readManifest(dir);
  if (!manifest) {
    return {
      state: 'absent',
      reason: `${join(dir, MANIFEST_FILE)} does not exist; put the model files there and run npm run manifest -w @speaknode/models -- ${dir}`,
    };
  }
  const verified = new Set<string>();
  for (const [path, expected] of Object.entries(manifest.files)) {
    const file = join(dir, path);
    if (!existsSync(file)) throw new ManifestError(`model file ${file} is listed in the manifest but missing`);
    const actual = await sha256File(file);
    if (actual !== expected) {
      throw new ManifestError(`model file ${file} is corrupt: its SHA-256 is ${actual}, the manifest says ${expected}`);
    }
    verified.add(normalize(file));
  }
  return { state: 'verified', manifest, dir, verified };
}

/** Throws unless every file is one the manifest listed and the host verified. */
export function requireVerified(folder: Extract<FolderState, { state: 'verified' }>, files: readonly string[]): void {
  for (const file of files) {
    if (!folder.verified.has(normalize(file))) {
      throw new ManifestError(
        `model file ${file} is not in ${join(folder.dir, MANIFEST_FILE)}; add it (npm run manifest -w @speaknode/models -- ${folder.dir})`,
      );
    }
  }
}

export function insideFolder(dir: string, path: string): string {
  const full = normalize(join(dir, path));
  if (!full.startsWith(normalize(dir) + sep) && full !== normalize(dir))
    throw new ManifestError(`${path} is outside ${dir}`);
  return full;
}
