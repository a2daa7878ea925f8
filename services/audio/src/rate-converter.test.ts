import { describe, expect, it } from 'vitest';
import { convertRate, RateConverter } from './rate-converter.ts';

function tone(hz: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (let n = 0; n < out.length; n++) out[n] = amplitude * Math.sin((2 * Math.PI * hz * n) / rate);
  return out;
}

/** RMS of `signal` over its middle (the ends carry the filter's ramp), in dB relative to `reference`. */
function levelDb(signal: Float32Array, reference = 1): number {
  const from = Math.floor(signal.length * 0.2);
  const to = Math.floor(signal.length * 0.8);
  let sum = 0;
  for (let n = from; n < to; n++) sum += (signal[n] as number) ** 2;
  return 20 * Math.log10(Math.sqrt(sum / (to - from)) / reference);
}

describe('RateConverter', () => {
  it.each([
    [22_050, 16_000],
    [44_100, 16_000],
    [16_000, 22_050],
    [11_025, 16_000],
    [24_000, 16_000],
    [16_000, 44_100],
    [48_000, 8000],
    [8000, 48_000],
    [12_345, 16_000],
  ])('%i Hz → %i Hz keeps a 1 kHz tone within −60 dB of the exact one', (from, to) => {
    const out = convertRate(tone(1000, from, 1), from, to);
    expect(out.length).toBe(Math.round(to));
    const exact = tone(1000, to, 1);
    const error = out.map((v, n) => v - (exact[n] as number));
    expect(levelDb(error, 0.5 / Math.SQRT2)).toBeLessThan(-60);
  });

  it('removes what the lower rate cannot carry: a 10 kHz tone at 44.1 kHz is ≥ 70 dB down at 16 kHz', () => {
    const out = convertRate(tone(10_000, 44_100, 1), 44_100, 16_000);
    expect(levelDb(out, 0.5 / Math.SQRT2)).toBeLessThan(-70);
  });

  it('converts a stream cut into chunks of any size exactly as the whole signal', () => {
    const input = tone(440, 22_050, 0.5).map((v, n) => v + 0.1 * Math.sin(n * 0.37));
    const whole = convertRate(input, 22_050, 16_000);
    const converter = new RateConverter(22_050, 16_000);
    const parts: number[] = [];
    let offset = 0;
    for (const size of [1, 7, 160, 3, 1024, 441, 2, 5000]) {
      for (const v of converter.process(input.subarray(offset, offset + size))) parts.push(v);
      offset += size;
    }
    for (const v of converter.process(input.subarray(offset))) parts.push(v);
    for (const v of converter.flush()) parts.push(v);
    expect(parts.length).toBe(whole.length);
    for (let n = 0; n < whole.length; n++) expect(parts[n]).toBeCloseTo(whole[n] as number, 6);
  });

  it('returns the same array for equal rates and refuses rates out of range', () => {
    const samples = new Float32Array(10);
    expect(convertRate(samples, 16_000, 16_000)).toBe(samples);
    expect(() => new RateConverter(0, 16_000)).toThrow(/sample rate 0 is outside/);
    expect(() => new RateConverter(16_000, Number.NaN)).toThrow(/outside/);
    expect(() => new RateConverter(16_000, 10_000_000)).toThrow(/outside/);
  });
});
