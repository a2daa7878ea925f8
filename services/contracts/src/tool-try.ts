/**
 * The console's **Try it** of an HTTP tool: `POST /api/v1/spaces/{spaceId}/tools/{toolId}/try`
 * with sample arguments. Control sends the saved tool, its credential and the space's tool host
 * allow-list to the agent worker (`POST /v1/tool-runs`, control's AGENT_API_TOKEN), which runs it
 * once through the same executor a conversation uses: the same template filling, address policy
 * (private addresses refused unless allow-listed, every redirect checked), timeout and response cap.
 * The answer shows the request as sent and what came back, with the credential's secret redacted.
 */
import { z } from 'zod';
import { Id } from './domain/common.ts';
import { HttpToolInput } from './domain/tool.ts';
import { InlineCredential } from './text-session.ts';

const ToolArguments = z
  .record(z.string().max(200), z.unknown())
  .default({})
  .describe("the sample arguments, as the model would pass them (the tool's parameter schema)");

export const ToolTryInput = z.object({ arguments: ToolArguments }).strict();
export type ToolTryInput = z.infer<typeof ToolTryInput>;

/** What control sends the worker. */
export const WorkerToolRun = z
  .object({
    tool: HttpToolInput.extend({ id: Id.optional() }),
    arguments: ToolArguments,
    credentials: z.record(z.string().min(1).max(200), InlineCredential).default({}),
    toolHostAllowList: z.array(z.string().min(1).max(255)).max(100).default([]),
  })
  .strict();
export type WorkerToolRun = z.infer<typeof WorkerToolRun>;

export const ToolTryResult = z.object({
  /** The request as it was (or would have been) sent; null when the arguments could not fill it. */
  request: z
    .object({
      method: z.string(),
      url: z.string(),
      headers: z.record(z.string(), z.string()),
      body: z.string().nullable(),
    })
    .nullable(),
  /** What the tool answered, as the model would read it; null when it failed. */
  response: z
    .object({
      status: z.number().int(),
      durationMs: z.number(),
      output: z.unknown(),
    })
    .nullable(),
  /** Why it failed, in the sentence the model would be told; null when it succeeded. */
  error: z
    .object({
      kind: z.enum([
        'bad_arguments',
        'credential',
        'refused',
        'timeout',
        'too_large',
        'http_status',
        'bad_response',
        'network',
      ]),
      message: z.string(),
      status: z.number().int().nullable(),
    })
    .nullable(),
});
export type ToolTryResult = z.infer<typeof ToolTryResult>;
