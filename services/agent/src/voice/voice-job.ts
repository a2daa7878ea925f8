/**
 * One voice call, run inside the framework's per-job process: reads the dispatch metadata, loads
 * the agent's runtime configuration from control, builds the providers and the conversation, and
 * joins the room. A configuration problem (missing credential, unknown agent) ends the job with
 * the reason on the call record instead of leaving the caller in a silent room.
 */
import type { JobContext, VAD } from '@livekit/agents';
import { ParticipantKind, RoomEvent } from '@livekit/rtc-node';
import {
  AGENT_INTERRUPTED_TOPIC,
  type AgentRuntimeConfig,
  DispatchMetadata,
  fillAgentPlaceholders,
  placeholdersIn,
  SipDispatchMetadata,
} from '@speaknode/contracts';
import type { AgentWorkerConfig } from '@speaknode/contracts/node';
import { SipClient } from 'livekit-server-sdk';
import { scopedReporter } from '../control/call-scope.ts';
import type { ControlClient } from '../control/control-client.ts';
import { Conversation } from '../conversation/conversation.ts';
import { dtmfCode } from '../conversation/keypad.ts';
import { buildVoiceProviders, ProviderSetupError } from '../providers/providers.ts';

export interface VoiceJobDeps {
  config: AgentWorkerConfig;
  control: ControlClient;
  vad: VAD | undefined;
  log: (message: string, extra?: Record<string, unknown>) => void;
}

export class DispatchMetadataError extends Error {}

/** A call's dispatch (control dispatched the agent for a call), or a SIP number's dispatch rule's (no call yet). */
export function parseDispatchMetadata(raw: string): DispatchMetadata | SipDispatchMetadata {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new DispatchMetadataError('the dispatch metadata is not JSON');
  }
  const fromRule = typeof value === 'object' && value !== null && !('callId' in value) && 'phoneNumberId' in value;
  const parsed = (fromRule ? SipDispatchMetadata : DispatchMetadata).safeParse(value);
  if (!parsed.success) {
    throw new DispatchMetadataError(
      `the dispatch metadata is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** `+14155550100` → `tel:+14155550100`; SIP URIs pass through. */
export function transferTarget(destination: string): string {
  return /^\+\d+$/.test(destination) ? `tel:${destination}` : destination;
}

/**
 * The runtime configuration with the call's variables (an outbound call's, the caller's number as
 * `phone_number`) filled into the agent's `{{name}}` placeholders; control is asked only when the
 * prompt or greeting has any.
 */
export async function withCallVariables(
  runtime: AgentRuntimeConfig,
  control: Pick<ControlClient, 'callSummary'>,
  callId: string,
): Promise<AgentRuntimeConfig> {
  if (placeholdersIn(runtime.agent.prompt, runtime.agent.greeting).length === 0) return runtime;
  const { variables } = await control.callSummary(callId);
  return { ...runtime, agent: fillAgentPlaceholders(runtime.agent, variables ?? {}) };
}

/** How long the agent a dispatch rule sent waits for the SIP caller whose arrival made the room. */
export const SIP_CALLER_WAIT_MS = 15_000;

/**
 * The dispatch of a SIP number's dispatch rule names no call: join, find the SIP caller in the room
 * and ask control for its call (found or created; control checks that the number is the rule's).
 */
async function callOfSipCaller(
  ctx: JobContext,
  deps: VoiceJobDeps,
  rule: SipDispatchMetadata,
  roomName: string,
): Promise<DispatchMetadata> {
  await ctx.connect();
  const caller = await Promise.race([
    ctx.waitForParticipant(),
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no SIP caller joined within ${SIP_CALLER_WAIT_MS / 1000} s`)),
        SIP_CALLER_WAIT_MS,
      ).unref(),
    ),
  ]);
  if (caller.kind !== ParticipantKind.SIP) throw new Error(`participant ${caller.identity} is not a SIP caller`);
  const callId = await deps.control.sipCall({
    roomName,
    participantSid: caller.sid ?? caller.identity,
    attributes: caller.attributes,
    spaceId: rule.spaceId,
    agentId: rule.agentId,
  });
  return { callId, spaceId: rule.spaceId, agentId: rule.agentId, channel: 'phone' };
}

export async function runVoiceJob(ctx: JobContext, deps: VoiceJobDeps): Promise<void> {
  let dispatched: DispatchMetadata | SipDispatchMetadata;
  try {
    dispatched = parseDispatchMetadata(ctx.job.metadata);
  } catch (error) {
    deps.log(`refusing job ${ctx.job.id}: ${(error as Error).message}`);
    ctx.shutdown('invalid dispatch metadata');
    return;
  }
  let metadata: DispatchMetadata;
  if ('callId' in dispatched) {
    metadata = dispatched;
  } else {
    try {
      metadata = await callOfSipCaller(ctx, deps, dispatched, ctx.job.room?.name ?? '');
    } catch (error) {
      // Nobody can be told on a call record: hang up rather than leave the caller in a silent room.
      deps.log(`no call for the SIP caller of job ${ctx.job.id}: ${(error as Error).message}`);
      await ctx.deleteRoom(ctx.job.room?.name).catch(() => {});
      ctx.shutdown('no call for the SIP caller');
      return;
    }
  }
  const { callId } = metadata;
  // Every post names the dispatch's space and agent: control refuses another space's call.
  const reporter = scopedReporter(deps.control, { spaceId: metadata.spaceId, agentId: metadata.agentId });
  // The dispatch names the room; ctx.room has no name until it is connected.
  const roomName = ctx.job.room?.name;
  const deleteRoom = () => ctx.deleteRoom(roomName).catch(() => {});
  const fail = async (failureReason: string) => {
    deps.log(`call ${callId} failed: ${failureReason}`);
    await reporter
      .callUpdate(callId, {
        status: 'failed',
        endReason: 'provider_error',
        failureReason: failureReason.slice(0, 2000),
      })
      .catch((e: Error) => deps.log(`could not report the failure of call ${callId}: ${e.message}`));
    await deleteRoom();
    ctx.shutdown(failureReason);
  };

  let runtime: AgentRuntimeConfig;
  try {
    runtime = await deps.control.agentRuntimeConfig(metadata.agentId);
  } catch (error) {
    await fail(`the agent's configuration could not be loaded: ${(error as Error).message}`);
    return;
  }
  if (runtime.spaceId !== metadata.spaceId) {
    await fail(`agent ${metadata.agentId} does not belong to space ${metadata.spaceId}`);
    return;
  }
  try {
    runtime = await withCallVariables(runtime, deps.control, callId);
  } catch (error) {
    await fail(`the call's variables for the agent's placeholders could not be loaded: ${(error as Error).message}`);
    return;
  }

  let providers: ReturnType<typeof buildVoiceProviders>;
  try {
    providers = buildVoiceProviders(runtime.agent, runtime.credentials, {
      modelsUrl: deps.config.MODELS_URL,
      ...(deps.config.MODELS_API_TOKEN ? { modelsToken: deps.config.MODELS_API_TOKEN } : {}),
      vad: deps.vad,
    });
  } catch (error) {
    await fail(
      error instanceof ProviderSetupError ? error.message : `providers could not start: ${(error as Error).message}`,
    );
    return;
  }

  const { LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET } = deps.config;
  let conversation: Conversation | undefined;
  // Transfers go through LiveKit SIP, so only phone legs that arrived over SIP can be transferred.
  const transfer =
    metadata.channel === 'phone' && LIVEKIT_URL && LIVEKIT_API_KEY && LIVEKIT_API_SECRET
      ? async (destination: string) => {
          const caller = [...ctx.room.remoteParticipants.values()].find((p) => p.kind === ParticipantKind.SIP);
          if (!caller) throw new Error('this call did not arrive over SIP, so it cannot be transferred');
          const sip = new SipClient(LIVEKIT_URL.replace(/^ws/, 'http'), LIVEKIT_API_KEY, LIVEKIT_API_SECRET);
          await sip.transferSipParticipant(
            ctx.room.name ?? roomName ?? '',
            caller.identity,
            transferTarget(destination),
            {
              playDialtone: true,
            },
          );
          // The caller now talks to someone else; the agent's part of the call is over.
          setTimeout(() => void conversation?.end('transferred'), 0).unref();
        }
      : undefined;

  conversation = new Conversation({
    runtime,
    callId,
    reporter,
    mode: 'voice',
    llm: providers.llm,
    stt: providers.stt,
    tts: providers.tts,
    vad: deps.vad,
    transfer,
    channel: metadata.channel,
    // The media bridge drops its phone provider's queued audio on this; LiveKit SIP needs nothing.
    onInterrupted: () => {
      void ctx.room.localParticipant
        ?.publishData(new TextEncoder().encode('{}'), { reliable: true, topic: AGENT_INTERRUPTED_TOPIC })
        .catch((e: Error) => deps.log(`could not publish the interruption: ${e.message}`));
    },
    // LiveKit SIP plays room DTMF to the caller's line; the media bridge forwards it to its provider.
    sendDtmf:
      metadata.channel === 'phone'
        ? async (digit) => {
            const local = ctx.room.localParticipant;
            if (!local) throw new Error('the agent is not in the room');
            await local.publishDtmf(dtmfCode(digit), digit);
          }
        : undefined,
    log: deps.log,
    onEnded: async (outcome) => {
      // Ending the call for the agent ends it for everyone: the room goes, SIP legs hang up.
      if (outcome.endReason !== 'caller_hangup') await deleteRoom();
      ctx.shutdown(outcome.endReason);
    },
  });
  const started = conversation;
  ctx.addShutdownCallback(async () => {
    await started.end('canceled');
  });
  await ctx.connect();
  ctx.room.on(RoomEvent.DtmfReceived, (_code, digit) => started.keypadPressed(digit));
  await started.start(ctx.room);
}
