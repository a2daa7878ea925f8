import { z } from 'zod';
import { Id, Timestamp } from './common.ts';

export const HTTP_TOOL_MAX_TIMEOUT_MS = 30_000;
export const HTTP_TOOL_MAX_RESPONSE_BYTES = 1_048_576;

/** A JSON Schema object describing the tool's arguments, as LLM function calling expects it. */
export const ToolParametersSchema = z
  .object({ type: z.literal('object', 'the parameters schema must have type "object"') })
  .catchall(z.unknown());

export const ToolAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('bearer'), credentialId: Id }),
  z.object({ type: z.literal('basic'), credentialId: Id }),
  /** The credential's secret goes into a header of the tool's choosing, e.g. `X-Api-Key`. */
  z.object({
    type: z.literal('header'),
    header: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name'),
    credentialId: Id,
  }),
]);
export type ToolAuth = z.infer<typeof ToolAuth>;

export const HttpToolInput = z.object({
  /** The function name the LLM sees. */
  name: z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, 'must start with a letter and use only letters, digits and _ (64 at most)'),
  description: z.string().min(1, 'must not be empty').max(1024),
  parameters: ToolParametersSchema.default({ type: 'object', properties: {} }),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  /** `https://crm.example.com/customers/{customerId}`: `{name}` is filled from the arguments, URL-encoded. */
  urlTemplate: z
    .string()
    .max(2048)
    .regex(/^https?:\/\//, 'must start with http:// or https://'),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name'), z.string().max(4096))
    .default({}),
  auth: ToolAuth.default({ type: 'none' }),
  timeoutMs: z.number().int().min(100).max(HTTP_TOOL_MAX_TIMEOUT_MS).default(10_000),
  maxResponseBytes: z.number().int().min(1).max(HTTP_TOOL_MAX_RESPONSE_BYTES).default(65_536),
});
export type HttpToolInput = z.infer<typeof HttpToolInput>;

export const HttpTool = HttpToolInput.extend({
  id: Id,
  spaceId: Id,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type HttpTool = z.infer<typeof HttpTool>;
