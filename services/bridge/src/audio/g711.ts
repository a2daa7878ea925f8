/**
 * ITU-T G.711 mu-law and A-law, bit-exact with the ITU-T G.191 reference implementation
 * (`ulaw_compress`/`ulaw_expand`, `alaw_compress`/`alaw_expand`): 16-bit linear samples in,
 * 8-bit codes out, and back. Encoding and decoding go through lookup tables built once here, so a
 * 20 ms frame costs a few hundred table reads.
 */

import type { Samples } from '@speaknode/audio';

/** Decoded value of every mu-law code, as a 16-bit linear sample. */
export const MULAW_TO_LINEAR = new Int16Array(256);
/** Decoded value of every A-law code, as a 16-bit linear sample. */
export const ALAW_TO_LINEAR = new Int16Array(256);
/** mu-law code of every 14-bit magnitude-and-sign input, indexed by `(sample >> 2) & 0x3fff`. */
const LINEAR14_TO_MULAW = new Uint8Array(16384);
/** A-law code of every 12-bit input, indexed by `(sample >> 4) & 0xfff`. */
const LINEAR12_TO_ALAW = new Uint8Array(4096);

function muLawExpand(code: number): number {
  // G.711 mu-law: complement, 3-bit segment, 4-bit step; bias of 33 (in 14-bit units) removed.
  const inverted = ~code & 0xff;
  const segment = (inverted >> 4) & 0x07;
  const step = (inverted & 0x0f) << (segment + 3);
  const magnitude = ((0x84 << segment) + step - 0x84) | 0;
  return code < 0x80 ? -magnitude : magnitude;
}

function aLawExpand(code: number): number {
  const value = (code ^ 0x55) & 0x7f;
  const segment = value >> 4;
  let mantissa = value & 0x0f;
  if (segment > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 8;
  if (segment > 1) mantissa <<= segment - 1;
  return code > 127 ? mantissa : -mantissa;
}

function muLawCompress14(value14: number): number {
  // value14: the 16-bit sample shifted right by 2 (arithmetic), in -8192..8191.
  const negative = value14 < 0;
  let magnitude = (negative ? ~value14 : value14) + 33;
  if (magnitude > 0x1fff) magnitude = 0x1fff;
  let segment = 1;
  for (let i = magnitude >> 6; i !== 0; i >>= 1) segment++;
  const code = ((8 - segment) << 4) | (0x0f - ((magnitude >> segment) & 0x0f));
  return negative ? code : code | 0x80;
}

function aLawCompress12(value12: number): number {
  // value12: the 16-bit sample shifted right by 4 (arithmetic), in -2048..2047.
  const negative = value12 < 0;
  let magnitude = negative ? ~value12 : value12;
  if (magnitude > 15) {
    let exponent = 1;
    while (magnitude > 16 + 15) {
      magnitude >>= 1;
      exponent++;
    }
    magnitude = magnitude - 16 + (exponent << 4);
  }
  if (!negative) magnitude |= 0x80;
  return magnitude ^ 0x55;
}

for (let code = 0; code < 256; code++) {
  MULAW_TO_LINEAR[code] = muLawExpand(code);
  ALAW_TO_LINEAR[code] = aLawExpand(code);
}
for (let i = 0; i < 16384; i++) LINEAR14_TO_MULAW[i] = muLawCompress14((i << 18) >> 18);
for (let i = 0; i < 4096; i++) LINEAR12_TO_ALAW[i] = aLawCompress12((i << 20) >> 20);

/** Clamp a sample to the 16-bit range and round it to an integer. */
function toInt16(sample: number): number {
  const rounded = Math.round(sample);
  return rounded > 32767 ? 32767 : Math.max(rounded, -32768);
}

/** mu-law code of one 16-bit linear sample (values outside the range are clamped first). */
export function linearToMuLaw(sample: number): number {
  return LINEAR14_TO_MULAW[(toInt16(sample) >> 2) & 0x3fff] as number;
}

/** A-law code of one 16-bit linear sample (values outside the range are clamped first). */
export function linearToALaw(sample: number): number {
  return LINEAR12_TO_ALAW[(toInt16(sample) >> 4) & 0xfff] as number;
}

/** Decode `codes` into `out` (16-bit linear values as numbers). */
export function decodeMuLaw(codes: Uint8Array, out: Samples): void {
  for (let i = 0; i < codes.length; i++) out[i] = MULAW_TO_LINEAR[codes[i] as number] as number;
}

export function decodeALaw(codes: Uint8Array, out: Samples): void {
  for (let i = 0; i < codes.length; i++) out[i] = ALAW_TO_LINEAR[codes[i] as number] as number;
}

/** Encode `length` samples of `samples` (16-bit scale, any real values) into `out`. */
export function encodeMuLaw(samples: Samples, out: Uint8Array, length = samples.length): void {
  for (let i = 0; i < length; i++) {
    let s = Math.round(samples[i] as number);
    s = s > 32767 ? 32767 : Math.max(s, -32768);
    out[i] = LINEAR14_TO_MULAW[(s >> 2) & 0x3fff] as number;
  }
}

export function encodeALaw(samples: Samples, out: Uint8Array, length = samples.length): void {
  for (let i = 0; i < length; i++) {
    let s = Math.round(samples[i] as number);
    s = s > 32767 ? 32767 : Math.max(s, -32768);
    out[i] = LINEAR12_TO_ALAW[(s >> 4) & 0xfff] as number;
  }
}
