/**
 * Regenerates the console's control API types from control's OpenAPI document:
 * `npm run generate:api -w @speaknode/desktop`. The document comes from control's own CLI (a
 * process, not an import: the console depends on control's API, not on its code). The test beside
 * this file fails when the committed file differs from what this makes.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';

const controlDir = fileURLToPath(new URL('../../services/control/', import.meta.url));
export const CONTROL_API_TYPES = fileURLToPath(new URL('../src/renderer/lib/api/control-api.gen.ts', import.meta.url));

const HEADER = `/**
 * Generated from control's OpenAPI document by desktop/scripts/generate-api.ts. Do not edit:
 * run \`npm run generate:api -w @speaknode/desktop\`.
 */
/* eslint-disable */
`;

export async function controlOpenApiDocument(): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/openapi.ts'], {
    cwd: controlDir,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

export async function generateControlApiTypes(): Promise<string> {
  const ast = await openapiTS((await controlOpenApiDocument()) as never, {
    alphabetize: false,
    defaultNonNullable: false,
  });
  return HEADER + astToString(ast);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(CONTROL_API_TYPES, await generateControlApiTypes());
  console.info(`wrote ${CONTROL_API_TYPES}`);
}
