/**
 * Builds a manifest for a models folder laid out as the host reads it: each Parakeet model in a
 * folder of its own (encoder-model[.int8].onnx, decoder_joint-model[.int8].onnx, vocab.txt,
 * optional config.json and encoder-model.onnx.data), each Piper voice as `<name>.onnx` beside
 * `<name>.onnx.json`, anywhere below.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { type Manifest, type ManifestEntry, sha256File } from './manifest.ts';

/** Parakeet TDT 0.6B v3's 25 European languages; v2 is English only. */
export const PARAKEET_V3_LANGUAGES = [
  'bg',
  'hr',
  'cs',
  'da',
  'nl',
  'en',
  'et',
  'fi',
  'fr',
  'de',
  'el',
  'hu',
  'it',
  'lv',
  'lt',
  'mt',
  'pl',
  'pt',
  'ro',
  'sk',
  'sl',
  'es',
  'sv',
  'ru',
  'uk',
];

const PARAKEET_FILES = [
  'encoder-model.onnx',
  'encoder-model.onnx.data',
  'encoder-model.int8.onnx',
  'decoder_joint-model.onnx',
  'decoder_joint-model.int8.onnx',
  'vocab.txt',
  'config.json',
];

function walk(dir: string, depth = 0): string[] {
  if (depth > 4) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? [path, ...walk(path, depth + 1)] : [];
  });
}

export async function scanModelsFolder(dir: string): Promise<Manifest> {
  const models: ManifestEntry[] = [];
  const files: string[] = [];
  for (const folder of [dir, ...walk(dir)]) {
    const names = readdirSync(folder);
    const hasEncoder = names.some((n) => n.startsWith('encoder-model') && n.endsWith('.onnx'));
    if (hasEncoder && names.includes('vocab.txt')) {
      const id = basename(folder);
      models.push({
        kind: 'parakeet-tdt',
        id,
        path: relative(dir, folder) || '.',
        languages: /v3/i.test(id) ? PARAKEET_V3_LANGUAGES : ['en'],
      });
      files.push(...PARAKEET_FILES.filter((n) => names.includes(n)).map((n) => join(folder, n)));
    }
    for (const name of names) {
      if (
        !name.endsWith('.onnx') ||
        !names.includes(`${name}.json`) ||
        name.startsWith('encoder-model') ||
        name.startsWith('decoder_joint')
      )
        continue;
      const file = join(folder, name);
      if (!statSync(file).isFile()) continue;
      let languages: string[] | undefined;
      try {
        const code = (JSON.parse(readFileSync(`${file}.json`, 'utf8')) as { language?: { code?: string } }).language
          ?.code;
        if (code) languages = [code.replace('_', '-')];
      } catch {
        languages = undefined;
      }
      models.push({
        kind: 'piper',
        id: name.replace(/\.onnx$/, ''),
        path: relative(dir, file),
        ...(languages ? { languages } : {}),
      });
      files.push(file, `${file}.json`);
    }
  }
  const hashes: Record<string, string> = {};
  for (const file of files) if (existsSync(file)) hashes[relative(dir, file)] = await sha256File(file);
  return { schemaVersion: 1, models, files: hashes };
}
