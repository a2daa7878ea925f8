/**
 * List prices for cost estimates, in USD. Analytics stores what was used (tokens, characters, audio
 * seconds) per provider and model; cost is usage × these prices at query time, so a price change
 * applies to past calls too and both analytics backends give the same figure. Self-hosted parts
 * cost nothing here. A provider or model that is not listed has no price: its usage is shown, its
 * cost is null.
 */
export type UsageUnit = 'prompt_tokens' | 'completion_tokens' | 'characters' | 'audio_seconds';

export interface UnitPrice {
  /** USD per one unit. */
  usdPerUnit: number;
}

type PriceTable = Record<string, Record<string, Partial<Record<UsageUnit, number>>>>;

const perMillion = (usd: number) => usd / 1_000_000;
const perMinute = (usd: number) => usd / 60;

/** provider → model (`*` for any model of it) → unit → USD per unit. */
export const LIST_PRICES: PriceTable = {
  openai: {
    'gpt-4o-mini': { prompt_tokens: perMillion(0.15), completion_tokens: perMillion(0.6) },
    'gpt-4o': { prompt_tokens: perMillion(2.5), completion_tokens: perMillion(10) },
    'gpt-4.1-mini': { prompt_tokens: perMillion(0.4), completion_tokens: perMillion(1.6) },
    'gpt-4o-mini-transcribe': { audio_seconds: perMinute(0.003) },
    'gpt-4o-transcribe': { audio_seconds: perMinute(0.006) },
    'whisper-1': { audio_seconds: perMinute(0.006) },
    'tts-1': { characters: perMillion(15) },
    'tts-1-hd': { characters: perMillion(30) },
    'gpt-4o-mini-tts': { characters: perMillion(12) },
  },
  deepgram: {
    'nova-3': { audio_seconds: perMinute(0.0077) },
    'nova-2': { audio_seconds: perMinute(0.0058) },
    '*': { characters: perMillion(30) },
  },
  elevenlabs: { '*': { characters: perMillion(180) } },
  cartesia: { '*': { characters: perMillion(65) } },
  'speaknode-models': { '*': { audio_seconds: 0, characters: 0 } },
};

/** USD per unit, or undefined when the provider/model has no list price. */
export function unitPrice(provider: string, model: string, unit: UsageUnit, prices: PriceTable = LIST_PRICES) {
  const byModel = prices[provider];
  if (!byModel) return undefined;
  return byModel[model]?.[unit] ?? byModel['*']?.[unit];
}
