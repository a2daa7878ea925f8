import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeModules } from '../routes/index.ts';
import { startTestControl, type TestControl } from '../testing/harness.ts';
import { buildOpenApiDocument } from './document.ts';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
};

describe('GET /openapi.json', () => {
  let t: TestControl;
  let doc: Doc;
  beforeAll(async () => {
    t = await startTestControl();
    const res = await t.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is valid against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('the validator rejects a broken document (so the check above can fail)', async () => {
    const broken = JSON.parse(JSON.stringify(doc));
    broken.paths['/api/v1/spaces'].get.responses = 'none';
    const result = await new Validator().validate(broken);
    expect(result.valid).toBe(false);
  });

  it('covers every public route of the resource modules, with unique operation ids', () => {
    const ids = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const expected of [
      'listSpaces',
      'createSpace',
      'getSpace',
      'listMembers',
      'createAgent',
      'getAgent',
      'createTool',
      'createPhoneNumber',
      'createCredential',
      'createWebhook',
      'createApiKey',
      'listCalls',
      'getCall',
      'listAudit',
    ]) {
      expect(ids).toContain(expected);
    }
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/internal'))).toBe(false);
    const agentInput = (doc as unknown as { components: { schemas: Record<string, { required?: string[] }> } })
      .components.schemas.AgentInput;
    expect(agentInput?.required).toEqual(expect.arrayContaining(['name', 'prompt', 'llm', 'stt', 'tts']));
  });

  it('documents every route the app actually serves under /api/v1 (no undocumented route)', async () => {
    // Express does not list routes; walk each module's router stack instead.
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`)),
    );
    const served: string[] = [];
    for (const module of routeModules.filter((m) => m.mount === 'space' || m.mount === 'api')) {
      if (!module.openapi) continue;
      const router = module.router(t.control.ctx) as unknown as {
        stack: { route?: { path: string; methods: Record<string, boolean> } }[];
      };
      for (const layer of router.stack) {
        if (!layer.route) continue;
        const prefix = module.mount === 'space' ? '/api/v1/spaces/{spaceId}' : '/api/v1';
        const path = `${prefix}${layer.route.path === '/' ? '' : layer.route.path.replace(/:(\w+)/g, '{$1}')}`;
        for (const method of Object.keys(layer.route.methods)) served.push(`${method} ${path}`);
      }
    }
    expect(served.length).toBeGreaterThan(40);
    expect(
      served.filter((route) => !documented.has(route)),
      "served but missing from /openapi.json: add them in the module's openapi(doc)",
    ).toEqual([]);
  });

  it('describes the text conversations: bodies, the streamed reply and its events', () => {
    const paths = doc.paths as unknown as Record<string, Record<string, Record<string, unknown>>>;
    const testMessages = paths['/api/v1/spaces/{spaceId}/agents/{agentId}/test-sessions/{sessionId}/messages']!.post!;
    const widgetMessages = paths['/api/v1/public/agents/{publishableKey}/sessions/{sessionId}/messages']!.post!;
    for (const operation of [testMessages, widgetMessages]) {
      const ok = (operation.responses as Record<string, { content: Record<string, { schema: unknown }> }>)['200']!;
      expect(Object.keys(ok.content).sort()).toEqual(['application/json', 'text/event-stream']);
      expect(JSON.stringify(ok.content['text/event-stream'])).toMatch(/delta.*tool_call.*done.*error/);
      expect(Object.keys(operation.responses as object)).toEqual(expect.arrayContaining(['400', '404', '409', '413']));
    }
    expect(paths['/api/v1/spaces/{spaceId}/agents/{agentId}/test-sessions/{sessionId}']!.delete!.operationId).toBe(
      'endTestSession',
    );
    expect(paths['/api/v1/public/agents/{publishableKey}/sessions/{sessionId}']!.delete!.operationId).toBe(
      'endWidgetSession',
    );
    const create = paths['/api/v1/spaces/{spaceId}/agents/{agentId}/test-sessions']!.post!.requestBody as {
      required: boolean;
    };
    expect(create.required).toBe(false);
    const schemas = (doc as unknown as { components: { schemas: Record<string, unknown> } }).components.schemas;
    for (const name of ['TextReply', 'TextToolCall', 'TextStreamDelta', 'TextStreamError'])
      expect(schemas[name]).toBeDefined();
  });

  it('is generated from the same modules as the app', () => {
    expect(buildOpenApiDocument(routeModules)).toEqual(doc);
  });
});
