/**
 * Regenerates the console's API types from the OpenAPI documents of control and of the webhook
 * receiver's admin API: `npm run generate:api -w @speaknode/desktop`. Each document comes from its
 * service's own CLI (a process, not an import: the console depends on the APIs, not on their
 * code). The test beside this file fails when a committed file differs from what this makes.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';

const serviceDir = (name: string) => fileURLToPath(new URL(`../../services/${name}/`, import.meta.url));
const typesFile = (name: string) => fileURLToPath(new URL(`../src/renderer/lib/api/${name}`, import.meta.url));
export const CONTROL_API_TYPES = typesFile('control-api.gen.ts');
export const WEBHOOKS_API_TYPES = typesFile('webhooks-api.gen.ts');

const header = (whose: string) => `/**
 * Generated from ${whose} OpenAPI document by desktop/scripts/generate-api.ts. Do not edit:
 * run \`npm run generate:api -w @speaknode/desktop\`.
 */
/* eslint-disable */
`;

/** The document a service's `src/cli/openapi.ts` prints. */
async function openApiDocumentOf(service: string): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/openapi.ts'], {
    cwd: serviceDir(service),
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

export const controlOpenApiDocument = () => openApiDocumentOf('control');

async function typesOf(service: string, whose: string): Promise<string> {
  const ast = await openapiTS((await openApiDocumentOf(service)) as never, {
    alphabetize: false,
    defaultNonNullable: false,
  });
  return header(whose) + astToString(ast);
}

export const generateControlApiTypes = () => typesOf('control', "control's");
/** The receiver's admin API (inbound routes, deliveries, dead letters), which the console reaches through control's `/webhooks/…`. */
export const generateWebhooksApiTypes = () => typesOf('webhooks', "the webhook receiver's admin");

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [control, webhooks] = await Promise.all([generateControlApiTypes(), generateWebhooksApiTypes()]);
  await writeFile(CONTROL_API_TYPES, control);
  await writeFile(WEBHOOKS_API_TYPES, webhooks);
  console.info(`wrote ${CONTROL_API_TYPES} and ${WEBHOOKS_API_TYPES}`);
}
