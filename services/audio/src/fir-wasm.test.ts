import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { compileFirWat, FIR_WASM_PATH } from '../scripts/fir-wat.ts';

it('fir.wasm is what fir.wat compiles to (run `npm run build:wasm` after editing fir.wat)', async () => {
  expect(Buffer.from(readFileSync(FIR_WASM_PATH)).equals(Buffer.from(await compileFirWat()))).toBe(true);
});
