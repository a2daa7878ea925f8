/** `npm run manifest -w @speaknode/models -- <models folder>`: writes <folder>/manifest.json. */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE } from '../catalog/manifest.ts';
import { scanModelsFolder } from '../catalog/scan-folder.ts';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: npm run manifest -w @speaknode/models -- <models folder>\n');
  process.exit(64);
}
const manifest = await scanModelsFolder(resolve(dir));
writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
for (const model of manifest.models) process.stdout.write(`${model.kind}\t${model.id}\t${model.path}\n`);
process.stdout.write(`${Object.keys(manifest.files).length} files hashed into ${join(dir, MANIFEST_FILE)}\n`);
