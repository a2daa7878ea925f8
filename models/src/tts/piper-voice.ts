/**
 * A Piper voice: the VITS model (`<name>.onnx`) and its config (`<name>.onnx.json`). The config
 * says which espeak-ng voice phonemises its text, the id of every phoneme (`phoneme_id_map`), the
 * output sample rate and the default inference settings. Ids are built as Piper builds them:
 * `^`, then each phoneme followed by the pad `_`, then `$`; a phoneme the map lacks is skipped.
 */
import { z } from 'zod';

export const PiperVoiceConfig = z.object({
  audio: z.object({ sample_rate: z.number().int().min(8000).max(96_000), quality: z.string().optional() }),
  espeak: z.object({
    voice: z.string().regex(/^[A-Za-z0-9_+-]{1,40}$/, 'must be an espeak-ng voice name such as en-us'),
  }),
  inference: z
    .object({
      noise_scale: z.number().min(0).max(2).default(0.667),
      length_scale: z.number().min(0.1).max(5).default(1),
      noise_w: z.number().min(0).max(2).default(0.8),
    })
    .default({ noise_scale: 0.667, length_scale: 1, noise_w: 0.8 }),
  phoneme_type: z.enum(['espeak']).default('espeak'),
  phoneme_id_map: z.record(z.string(), z.array(z.number().int().min(0))),
  num_symbols: z.number().int().min(1),
  num_speakers: z.number().int().min(1).default(1),
  speaker_id_map: z.record(z.string(), z.number().int().min(0)).default({}),
  language: z.object({ code: z.string() }).partial().optional(),
  dataset: z.string().optional(),
});
export type PiperVoiceConfig = z.infer<typeof PiperVoiceConfig>;

const PAD = '_';
const BOS = '^';
const EOS = '$';

export interface PhonemeIds {
  ids: number[];
  /** Phonemes the voice does not know (skipped). */
  unknown: string[];
}

export function phonemeIds(config: PiperVoiceConfig, phonemes: string): PhonemeIds {
  const map = config.phoneme_id_map;
  const pad = map[PAD] ?? [];
  const ids: number[] = [...(map[BOS] ?? [])];
  const unknown: string[] = [];
  for (const phoneme of phonemes) {
    const id = map[phoneme];
    if (!id) {
      unknown.push(phoneme);
      continue;
    }
    ids.push(...id, ...pad);
  }
  ids.push(...(map[EOS] ?? []));
  return { ids, unknown };
}

export function parseVoiceConfig(text: string, file: string): PiperVoiceConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const result = PiperVoiceConfig.safeParse(json);
  if (!result.success) {
    throw new Error(
      `${file}: not a Piper voice config: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  for (const marker of [PAD, BOS, EOS]) {
    if (!result.data.phoneme_id_map[marker]) throw new Error(`${file}: phoneme_id_map has no "${marker}"`);
  }
  return result.data;
}
