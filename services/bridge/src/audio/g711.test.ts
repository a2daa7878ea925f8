import { describe, expect, it } from 'vitest';
import {
  ALAW_TO_LINEAR,
  decodeALaw,
  decodeMuLaw,
  encodeALaw,
  encodeMuLaw,
  linearToALaw,
  linearToMuLaw,
  MULAW_TO_LINEAR,
} from './g711.ts';

// A literal transcription of the ITU-T G.191 Software Tool Library reference (g711.c), sample by
// sample, with no tables: the implementation under test must agree with it bit for bit.
function g191UlawCompress(lin: number): number {
  let absno = lin < 0 ? (~lin >> 2) + 33 : (lin >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  let i = absno >> 6;
  let segno = 1;
  while (i !== 0) {
    segno++;
    i >>= 1;
  }
  const high = 0x0008 - segno;
  const low = 0x000f - ((absno >> segno) & 0x000f);
  let out = (high << 4) | low;
  if (lin >= 0) out |= 0x0080;
  return out;
}

function g191UlawExpand(log: number): number {
  const sign = log < 0x0080 ? -1 : 1;
  let mantissa = ~log;
  const exponent = (mantissa >> 4) & 0x0007;
  const segment = exponent + 1;
  mantissa &= 0x000f;
  const step = 4 << segment;
  return sign * ((0x0080 << exponent) + step * mantissa + step / 2 - 4 * 33);
}

function g191AlawCompress(lin: number): number {
  let ix = lin < 0 ? ~lin >> 4 : lin >> 4;
  if (ix > 15) {
    let iexp = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      iexp++;
    }
    ix -= 16;
    ix += iexp << 4;
  }
  if (lin >= 0) ix |= 0x0080;
  return ix ^ 0x0055;
}

function g191AlawExpand(log: number): number {
  let ix = log ^ 0x0055;
  ix &= 0x007f;
  const iexp = ix >> 4;
  let mant = ix & 0x000f;
  if (iexp > 0) mant += 16;
  mant = (mant << 4) + 0x0008;
  if (iexp > 1) mant <<= iexp - 1;
  return log > 127 ? mant : -mant;
}

describe('G.711 mu-law', () => {
  it('decodes every code as the G.191 reference does', () => {
    for (let code = 0; code < 256; code++) expect(MULAW_TO_LINEAR[code], `code ${code}`).toBe(g191UlawExpand(code) + 0);
  });

  it('encodes every 16-bit sample as the G.191 reference does', () => {
    const mismatches: number[] = [];
    for (let s = -32768; s <= 32767; s++) if (linearToMuLaw(s) !== g191UlawCompress(s)) mismatches.push(s);
    expect(mismatches).toEqual([]);
  });

  it('matches values printed in the G.711 tables', () => {
    // Table 2a/2b of G.711: decision/reconstruction values at the ends of the segments (16-bit scale).
    expect(MULAW_TO_LINEAR[0xff]).toBe(0);
    expect(MULAW_TO_LINEAR[0x7f]).toBe(0);
    expect(MULAW_TO_LINEAR[0x80]).toBe(32124);
    expect(MULAW_TO_LINEAR[0x00]).toBe(-32124);
    expect(MULAW_TO_LINEAR[0xfe]).toBe(8);
    expect(MULAW_TO_LINEAR[0xef]).toBe(132);
    expect(linearToMuLaw(0)).toBe(0xff);
    expect(linearToMuLaw(32767)).toBe(0x80);
    expect(linearToMuLaw(-32768)).toBe(0x00);
  });

  it('re-encodes every decoded value to the same code (except negative zero)', () => {
    for (let code = 0; code < 256; code++) {
      const expected = code === 0x7f ? 0xff : code;
      expect(linearToMuLaw(MULAW_TO_LINEAR[code] as number), `code ${code}`).toBe(expected);
    }
  });

  it('round-trips a frame within the quantisation step', () => {
    const samples = new Int16Array(160);
    for (let i = 0; i < 160; i++) samples[i] = Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
    const codes = new Uint8Array(160);
    encodeMuLaw(samples, codes);
    const back = new Int16Array(160);
    decodeMuLaw(codes, back);
    for (let i = 0; i < 160; i++) {
      const s = samples[i] as number;
      // The step in the top segment is 1024 (16-bit scale); error is at most half a step.
      expect(Math.abs((back[i] as number) - s)).toBeLessThanOrEqual(Math.max(8, Math.abs(s) / 16 + 16));
    }
  });

  it('clamps values outside the 16-bit range instead of wrapping', () => {
    const codes = new Uint8Array(2);
    encodeMuLaw(new Float64Array([70000, -70000]), codes);
    expect([...codes]).toEqual([0x80, 0x00]);
  });
});

describe('G.711 A-law', () => {
  it('decodes every code as the G.191 reference does', () => {
    for (let code = 0; code < 256; code++) expect(ALAW_TO_LINEAR[code], `code ${code}`).toBe(g191AlawExpand(code));
  });

  it('encodes every 16-bit sample as the G.191 reference does', () => {
    const mismatches: number[] = [];
    for (let s = -32768; s <= 32767; s++) if (linearToALaw(s) !== g191AlawCompress(s)) mismatches.push(s);
    expect(mismatches).toEqual([]);
  });

  it('matches values printed in the G.711 tables', () => {
    // Even bits inverted (0x55): the smallest positive step decodes to 8, the largest to 32256.
    expect(ALAW_TO_LINEAR[0xd5]).toBe(8);
    expect(ALAW_TO_LINEAR[0x55]).toBe(-8);
    expect(ALAW_TO_LINEAR[0xaa]).toBe(32256);
    expect(ALAW_TO_LINEAR[0x2a]).toBe(-32256);
    expect(linearToALaw(0)).toBe(0xd5);
    expect(linearToALaw(-1)).toBe(0x55);
    expect(linearToALaw(32767)).toBe(0xaa);
  });

  it('re-encodes every decoded value to the same code', () => {
    for (let code = 0; code < 256; code++) expect(linearToALaw(ALAW_TO_LINEAR[code] as number)).toBe(code);
  });

  it('round-trips a frame through the array helpers', () => {
    const samples = new Int16Array([0, 100, -100, 1000, -1000, 30000, -30000]);
    const codes = new Uint8Array(samples.length);
    encodeALaw(samples, codes);
    const back = new Int16Array(samples.length);
    decodeALaw(codes, back);
    for (let i = 0; i < samples.length; i++) {
      expect(Math.abs((back[i] as number) - (samples[i] as number))).toBeLessThanOrEqual(
        Math.max(8, Math.abs(samples[i] as number) / 32 + 8),
      );
    }
  });
});
