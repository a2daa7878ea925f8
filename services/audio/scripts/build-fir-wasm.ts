/** `npm run build:wasm`: compiles src/fir.wat into src/fir.wasm (committed; fir-wasm.test.ts checks they agree). */
import { writeFileSync } from 'node:fs';
import { compileFirWat, FIR_WASM_PATH } from './fir-wat.ts';

const bytes = await compileFirWat();
writeFileSync(FIR_WASM_PATH, bytes);
console.log(`wrote ${FIR_WASM_PATH.pathname} (${bytes.length} bytes)`);
