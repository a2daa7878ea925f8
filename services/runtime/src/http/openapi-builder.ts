import { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface OperationSpec {
  operationId: string;
  summary: string;
  tags: string[];
  /** `false` for public endpoints (no bearer token). */
  secured?: boolean;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** False when the body may be left out (default: required). */
  bodyRequired?: boolean;
  /** The media types the body is accepted as (default `application/json`). */
  bodyMediaTypes?: readonly string[];
  /**
   * The body is a JSON Merge Patch (RFC 7396) of `body`: accepted as `application/merge-patch+json`
   * and `application/json`, every field optional at every depth, `null` to clear.
   */
  mergePatch?: boolean;
  /** Status → description and optional response schema (application/json). */
  responses: Record<number, OperationResponse>;
}

export interface OperationResponse {
  description: string;
  schema?: z.ZodType;
  /** Also answered as Server-Sent Events (`text/event-stream`) when the client asks; says what the events are. */
  eventStream?: string;
}

type JsonSchema = Record<string, unknown>;

const MERGE_PATCH_MEDIA_TYPES = ['application/merge-patch+json', 'application/json'];

/**
 * The JSON Schema of a merge patch of documents `schema` describes: nothing required, and every
 * property may also be `null` (remove it). Applied at every depth, inside unions too.
 */
function mergePatchSchemaOf(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(mergePatchSchemaOf);
  if (typeof schema !== 'object' || schema === null) return schema;
  const { required: _required, default: _default, ...rest } = schema as JsonSchema;
  const result: JsonSchema = {};
  for (const [key, value] of Object.entries(rest)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      result.properties = Object.fromEntries(
        Object.entries(value).map(([name, property]) => [
          name,
          { anyOf: [mergePatchSchemaOf(property), { type: 'null' }] },
        ]),
      );
    } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
      result[key] = mergePatchSchemaOf(value);
    } else {
      result[key] = value;
    }
  }
  return result;
}

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/**
 * Collects operations and turns their zod schemas into an OpenAPI 3.1 document (whose schema
 * dialect is JSON Schema 2020-12, which zod emits directly). Request bodies use the input shape
 * (defaults optional), responses the output shape.
 */
export class OpenApiBuilder {
  private readonly paths: Record<string, Record<string, unknown>> = {};
  private readonly schemas: Record<string, JsonSchema> = {};
  private readonly named = new Map<z.ZodType, Map<'input' | 'output', string>>();

  constructor(
    private readonly info: { title: string; version: string; description: string },
    /** What the bearer token is, as the document's security scheme says. */
    private readonly bearerDescription = 'An OIDC access token from the configured issuer, or a space API key (sk_…)',
  ) {}

  /** Registers `schema` under `name` in components.schemas (per direction) and returns a $ref to it. */
  component(name: string, schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
    const byIo = this.named.get(schema) ?? new Map();
    this.named.set(schema, byIo);
    byIo.set(io, name);
    this.schemas[name] ??= toJsonSchema(schema, io);
    return { $ref: `#/components/schemas/${name}` };
  }

  private schemaRef(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const name = this.named.get(schema)?.get(io);
    return name ? { $ref: `#/components/schemas/${name}` } : toJsonSchema(schema, io);
  }

  /** `path` in Express syntax (`/api/v1/spaces/:spaceId`); written in OpenAPI syntax. */
  add(method: HttpMethod, path: string, spec: OperationSpec): void {
    const openApiPath = path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const pathParams = [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string', ...(m[1]!.endsWith('Id') ? { format: 'uuid' } : {}) },
    }));
    const queryParams = spec.query
      ? Object.entries(spec.query.shape).map(([name, schema]) => {
          const json = toJsonSchema(schema as z.ZodType, 'input');
          return {
            name,
            in: 'query',
            required: !(schema as z.ZodType).safeParse(undefined).success,
            schema: json,
            ...(typeof json.description === 'string' ? { description: json.description } : {}),
          };
        })
      : [];
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      const content: Record<string, unknown> = {};
      if (response.schema) content['application/json'] = { schema: this.schemaRef(response.schema, 'output') };
      if (response.eventStream) {
        content['text/event-stream'] = { schema: { type: 'string', description: response.eventStream } };
      }
      responses[status] = {
        description: response.description,
        ...(Object.keys(content).length > 0 ? { content } : {}),
      };
    }
    responses.default = {
      description: 'An error (RFC 9457 problem details)',
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
    this.paths[openApiPath] ??= {};
    this.paths[openApiPath][method] = {
      operationId: spec.operationId,
      summary: spec.summary,
      tags: spec.tags,
      ...(spec.secured === false ? { security: [] } : {}),
      ...(pathParams.length + queryParams.length > 0 ? { parameters: [...pathParams, ...queryParams] } : {}),
      ...(spec.body && spec.mergePatch
        ? {
            requestBody: {
              required: true,
              description: 'A JSON Merge Patch (RFC 7396): absent fields keep their values, objects merge, null clears',
              content: Object.fromEntries(
                MERGE_PATCH_MEDIA_TYPES.map((type) => [
                  type,
                  { schema: mergePatchSchemaOf(toJsonSchema(spec.body as z.ZodType, 'input')) },
                ]),
              ),
            },
          }
        : spec.body
          ? {
              requestBody: {
                required: spec.bodyRequired ?? true,
                content: Object.fromEntries(
                  (spec.bodyMediaTypes ?? ['application/json']).map((type) => [
                    type,
                    { schema: this.schemaRef(spec.body as z.ZodType, 'input') },
                  ]),
                ),
              },
            }
          : {}),
      responses,
    };
  }

  document(): Record<string, unknown> {
    return {
      openapi: '3.1.0',
      info: this.info,
      jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
      servers: [{ url: '/' }],
      security: [{ bearer: [] }],
      paths: this.paths,
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: this.bearerDescription,
          },
        },
        schemas: {
          Problem: {
            type: 'object',
            required: ['type', 'title', 'status'],
            properties: {
              type: { type: 'string' },
              title: { type: 'string' },
              status: { type: 'integer' },
              detail: { type: 'string' },
              errors: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['path', 'message'],
                  properties: { path: { type: 'string' }, message: { type: 'string' } },
                },
              },
            },
          },
          ...this.schemas,
        },
      },
    };
  }
}
