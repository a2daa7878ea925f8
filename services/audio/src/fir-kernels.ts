import { readFileSync } from 'node:fs';

/**
 * The WebAssembly SIMD filter kernels (fir.wat) and the layout of their memory. One instance per
 * process: every resampler copies its input and filter history into the shared work areas, runs
 * the kernels and copies the result out within one synchronous call, so legs never see each
 * other's data and their state stays in ordinary (garbage-collected) typed arrays.
 */
// @types/node 20 leaves WebAssembly to TypeScript's DOM library; declare just what this file uses.
declare global {
  namespace WebAssembly {
    class Module {
      constructor(bytes: Uint8Array);
    }
    class Instance {
      constructor(module: Module, imports: object);
      readonly exports: object;
    }
    interface Memory {
      readonly buffer: ArrayBuffer;
    }
  }
}

interface FirExports {
  memory: WebAssembly.Memory;
  /** For n < count, r < rows: out[n·rows + r] = Σ_j x[n·step + skip_r + j] · c_r[j] (addresses in bytes). */
  firBank(x: number, step: number, count: number, rowsAt: number, rows: number, out: number): void;
  /** f32 → i16, rounded and saturated; writes `count` rounded up to a multiple of 8. */
  toInt16(src: number, count: number, dst: number): void;
}

const exports = new WebAssembly.Instance(
  new WebAssembly.Module(readFileSync(new URL('./fir.wasm', import.meta.url))),
  {},
).exports as unknown as FirExports;

export const firBank = exports.firBank;
export const toInt16 = exports.toInt16;
export const f32 = new Float32Array(exports.memory.buffer);
export const i16 = new Int16Array(exports.memory.buffer);

/** Inputs per stage call: callers cut longer inputs into blocks of this size. */
export const BLOCK = 1024;

// Byte addresses of the areas in the module's two 64 KiB pages.
const ROWS_BYTES = 16 * 1024;
/** Two areas a stage reads from (its history, then its input) and the next stage writes into; 4096 floats each. */
export const AREA_A = ROWS_BYTES;
export const AREA_B = AREA_A + 16 * 1024;
/** The last stage's output: 8192 floats (up to 6 × BLOCK, plus the kernels' overrun). */
export const AREA_OUT = AREA_B + 16 * 1024;
/** 16-bit samples made from AREA_OUT: 8192 of them. */
export const AREA_I16 = AREA_OUT + 32 * 1024;

let rowsEnd = 0;

/**
 * Writes a filter's rows in the kernel's layout ({skip, length, taps} with leading and trailing
 * zero taps trimmed and the length padded to a multiple of 4) and returns their address. Filters
 * are designed once per process, so the rows area only grows at start-up.
 */
export function writeRows(rows: ArrayLike<number>[]): number {
  const at = rowsEnd;
  let word = at >> 2;
  for (const taps of rows) {
    let first = 0;
    while (first < taps.length - 1 && taps[first] === 0) first++;
    let last = taps.length - 1;
    while (last > first && taps[last] === 0) last--;
    const length = Math.ceil((last - first + 1) / 4) * 4;
    if ((word + 2 + length) * 4 > ROWS_BYTES) throw new Error('filter rows do not fit the kernels’ rows area');
    new Int32Array(exports.memory.buffer, word * 4, 2).set([first * 4, length * 4]);
    for (let j = 0; j < length; j++) f32[word + 2 + j] = first + j <= last ? (taps[first + j] as number) : 0;
    word += 2 + length;
  }
  rowsEnd = word << 2;
  return at;
}
