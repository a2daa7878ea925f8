/**
 * The functions the model may call: each HTTP tool of the agent (its JSON Schema as is), plus the
 * built-ins `end_call` and, where the channel can transfer, `transfer_call`.
 */
import { llm } from '@livekit/agents';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ResolvedCredential } from '@speaknode/contracts';
import type { HostAllowList, Resolver } from '@speaknode/runtime/address-policy';
import { speaknodeTracer } from '../telemetry/telemetry.ts';
import { callHttpTool, HttpToolError, type RuntimeHttpTool } from './http-tool.ts';

export const END_CALL_TOOL = 'end_call';
export const TRANSFER_CALL_TOOL = 'transfer_call';

export interface ToolCallbacks {
  /** The model decided the conversation is over; the call ends after the agent's goodbye. */
  endCall(reason: string, speech: { waitForPlayout(): Promise<void> }): void;
  /** Present only where the channel can transfer (phone legs over LiveKit SIP). */
  transfer?: (destination: string) => Promise<void>;
}

export interface AgentToolsOptions {
  tools: readonly RuntimeHttpTool[];
  credentials: Readonly<Record<string, ResolvedCredential>>;
  allowList: HostAllowList;
  endCallEnabled: boolean;
  transferDestinations: readonly string[];
  callbacks: ToolCallbacks;
  resolver?: Resolver;
}

// biome-ignore lint/suspicious/noExplicitAny: function tools of differing argument types share one list
type AnyFunctionTool = llm.FunctionTool<any, any, any>;

export function buildAgentTools(options: AgentToolsOptions): AnyFunctionTool[] {
  const tools: AnyFunctionTool[] = [];
  for (const tool of options.tools) {
    tools.push(
      llm.tool({
        name: tool.name,
        description: tool.description,
        parameters: tool.parameters as never,
        execute: async (args: Record<string, unknown>, { abortSignal }) =>
          speaknodeTracer().startActiveSpan(
            async (span) => {
              span.setAttributes({
                'speaknode.tool.id': tool.id,
                'speaknode.tool.name': tool.name,
                'http.request.method': tool.method,
              });
              try {
                const result = await callHttpTool(
                  tool,
                  args ?? {},
                  { credentials: options.credentials, allowList: options.allowList, resolver: options.resolver },
                  abortSignal,
                );
                span.setAttributes({
                  'http.response.status_code': result.status,
                  'speaknode.tool.duration_ms': result.durationMs,
                });
                return result.output;
              } catch (error) {
                const message = error instanceof HttpToolError ? error.message : `${tool.name} failed unexpectedly`;
                span.setStatus({ code: SpanStatusCode.ERROR, message });
                if (error instanceof HttpToolError) {
                  span.setAttribute('speaknode.tool.error_kind', error.kind);
                  if (error.status) span.setAttribute('http.response.status_code', error.status);
                }
                // ToolError: the framework hands the message to the model instead of failing the turn.
                throw new llm.ToolError(message);
              }
            },
            { name: 'speaknode.http_tool' },
          ),
      }),
    );
  }

  if (options.endCallEnabled) {
    tools.push(
      llm.tool({
        name: END_CALL_TOOL,
        description:
          'End the conversation. Call this when the caller says goodbye or the task is complete; say a short goodbye in the same reply.',
        parameters: {
          type: 'object',
          properties: { reason: { type: 'string', description: 'why the conversation ends, in a few words' } },
        } as never,
        execute: async (args: { reason?: string }, { ctx }) => {
          options.callbacks.endCall(typeof args?.reason === 'string' ? args.reason : 'completed', ctx.speechHandle);
          return 'The call will end after your goodbye.';
        },
      }),
    );
  }

  const transfer = options.callbacks.transfer;
  if (transfer && options.transferDestinations.length > 0) {
    tools.push(
      llm.tool({
        name: TRANSFER_CALL_TOOL,
        description: 'Transfer the caller to a person or department. Tell the caller you are transferring them first.',
        parameters: {
          type: 'object',
          properties: {
            destination: {
              type: 'string',
              enum: [...options.transferDestinations],
              description: 'the phone number or SIP URI to transfer to',
            },
          },
          required: ['destination'],
        } as never,
        execute: async (args: { destination?: string }) => {
          const destination = args?.destination;
          if (!destination || !options.transferDestinations.includes(destination)) {
            throw new llm.ToolError(`transfers are only allowed to: ${options.transferDestinations.join(', ')}`);
          }
          try {
            await transfer(destination);
          } catch (error) {
            throw new llm.ToolError(`the transfer to ${destination} failed: ${(error as Error).message}`);
          }
          return `Transferred to ${destination}.`;
        },
      }),
    );
  }
  return tools;
}
