import { readFileSync } from 'node:fs';
import wabt from 'wabt';

export const FIR_WAT_PATH = new URL('../src/fir.wat', import.meta.url);
export const FIR_WASM_PATH = new URL('../src/fir.wasm', import.meta.url);

/** The binary `wat2wasm` makes of fir.wat (SIMD enabled, no debug names: the output is byte-stable). */
export async function compileFirWat(): Promise<Uint8Array> {
  const toolkit = await wabt();
  const module = toolkit.parseWat('fir.wat', readFileSync(FIR_WAT_PATH, 'utf8'), { simd: true });
  try {
    module.validate();
    return module.toBinary({ write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}
