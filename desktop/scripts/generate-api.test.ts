import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { CONTROL_API_TYPES, generateControlApiTypes } from './generate-api.ts';

it("the committed control API types match control's OpenAPI document (else run npm run generate:api -w @speaknode/desktop)", async () => {
  const committed = await readFile(CONTROL_API_TYPES, 'utf8');
  const fresh = await generateControlApiTypes();
  expect(
    committed === fresh,
    'desktop/src/renderer/lib/api/control-api.gen.ts is stale: run npm run generate:api -w @speaknode/desktop',
  ).toBe(true);
  expect(fresh).toContain('"/api/v1/spaces/{spaceId}/agents"');
}, 60_000);
