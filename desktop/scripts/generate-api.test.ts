import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import {
  CONTROL_API_TYPES,
  generateControlApiTypes,
  generateWebhooksApiTypes,
  WEBHOOKS_API_TYPES,
} from './generate-api.ts';

it("the committed control API types match control's OpenAPI document (else run npm run generate:api -w @speaknode/desktop)", async () => {
  const committed = await readFile(CONTROL_API_TYPES, 'utf8');
  const fresh = await generateControlApiTypes();
  expect(
    committed === fresh,
    'desktop/src/renderer/lib/api/control-api.gen.ts is stale: run npm run generate:api -w @speaknode/desktop',
  ).toBe(true);
  expect(fresh).toContain('"/api/v1/spaces/{spaceId}/agents"');
}, 60_000);

it('the committed webhook receiver admin API types match its OpenAPI document (else run npm run generate:api -w @speaknode/desktop)', async () => {
  const committed = await readFile(WEBHOOKS_API_TYPES, 'utf8');
  const fresh = await generateWebhooksApiTypes();
  expect(
    committed === fresh,
    'desktop/src/renderer/lib/api/webhooks-api.gen.ts is stale: run npm run generate:api -w @speaknode/desktop',
  ).toBe(true);
  expect(fresh).toContain('"/admin/v1/routes/{key}/deliveries"');
}, 60_000);
