import type { DispatchMetadata, SipDispatchMetadata } from '@speaknode/contracts';
import {
  AgentDispatchClient,
  EgressClient,
  EncodedFileOutput,
  EncodedFileType,
  RoomAgentDispatch,
  RoomConfiguration,
  RoomServiceClient,
  S3Upload,
  SipClient,
} from 'livekit-server-sdk';
import { AGENT_NAME, type LivekitCredentials } from './participant-token.ts';

/** A SIP-mode number as LiveKit SIP must know it: one inbound trunk and one dispatch rule each. */
export interface SipNumber {
  phoneNumberId: string;
  spaceId: string;
  agentId: string;
  /** E.164 */
  number: string;
}

export interface SipSyncResult {
  created: string[];
  updated: string[];
  deleted: string[];
}

/** Where LiveKit egress writes recordings: an S3 bucket (MinIO in the stack) or a path on the egress host. */
export type RecordingTarget =
  | { kind: 's3'; endpoint: string; bucket: string; accessKey: string; secretKey: string; region?: string }
  | { kind: 'file'; directory: string };

/** Names of LiveKit SIP objects this control plane owns; anything else on the server is left alone. */
const OWNED_PREFIX = 'speaknode:';
/** SIP callers land in rooms named `sip-<phoneNumberId>-<caller>_<random>` (individual dispatch rule). */
export const SIP_ROOM_PREFIX = 'sip-';

/** The SIP header the webhook receiver sets on `<Dial><Sip>`, and the participant attribute our trunks map it to. */
export const CALL_ID_HEADER = 'X-Speaknode-Call-Id';
export const CALL_ID_ATTRIBUTE = 'speaknode.callId';

export function sipRoomPrefix(phoneNumberId: string): string {
  return `${SIP_ROOM_PREFIX}${phoneNumberId}-`;
}

/**
 * A thin adapter over livekit-server-sdk's Twirp clients: rooms, agent dispatch, SIP trunks and
 * dispatch rules, egress. Every operation is idempotent so that a retried bus event or a repeated
 * sync changes nothing the second time.
 */
export class LivekitGateway {
  private readonly rooms: RoomServiceClient;
  private readonly dispatches: AgentDispatchClient;
  private readonly sip: SipClient;
  private readonly egress: EgressClient;

  constructor(
    readonly url: string,
    credentials: LivekitCredentials,
    options: { requestTimeoutSeconds?: number } = {},
  ) {
    // Our LiveKit is on-prem: no cloud region failover, and a short timeout so an outage fails fast.
    const clientOptions = { requestTimeout: options.requestTimeoutSeconds ?? 5, failover: false };
    this.rooms = new RoomServiceClient(url, credentials.apiKey, credentials.apiSecret, clientOptions);
    this.dispatches = new AgentDispatchClient(url, credentials.apiKey, credentials.apiSecret, clientOptions);
    this.sip = new SipClient(url, credentials.apiKey, credentials.apiSecret, clientOptions);
    this.egress = new EgressClient(url, credentials.apiKey, credentials.apiSecret, clientOptions);
  }

  /**
   * CreateRoom returns the existing room when it is already there. With `dispatch`, the room's
   * configuration dispatches the agent worker when the room starts (no separate dispatch call).
   */
  async ensureRoom(
    roomName: string,
    options: { emptyTimeoutSeconds?: number; metadata?: string; dispatch?: DispatchMetadata } = {},
  ) {
    return this.rooms.createRoom({
      name: roomName,
      emptyTimeout: options.emptyTimeoutSeconds ?? 120,
      departureTimeout: 20,
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
      ...(options.dispatch
        ? { agents: [new RoomAgentDispatch({ agentName: AGENT_NAME, metadata: JSON.stringify(options.dispatch) })] }
        : {}),
    });
  }

  async deleteRoom(roomName: string): Promise<void> {
    await this.rooms.deleteRoom(roomName);
  }

  /**
   * Dispatches the agent worker into `roomName` unless a dispatch for this call is already there.
   * `roomIsNew`: the caller made the room for a call created just now, so there is nothing to look for.
   */
  async ensureAgentDispatch(
    roomName: string,
    metadata: DispatchMetadata,
    options: { roomIsNew?: boolean } = {},
  ): Promise<{ id: string; created: boolean }> {
    const existing = options.roomIsNew ? [] : await this.dispatches.listDispatch(roomName);
    for (const dispatch of existing) {
      if (dispatch.agentName !== AGENT_NAME) continue;
      try {
        if ((JSON.parse(dispatch.metadata) as { callId?: string }).callId === metadata.callId) {
          return { id: dispatch.id, created: false };
        }
      } catch {
        // not one of ours
      }
    }
    const created = await this.dispatches.createDispatch(roomName, AGENT_NAME, { metadata: JSON.stringify(metadata) });
    return { id: created.id, created: true };
  }

  /** An audio-only room recording to the object store; returns the egress id and the object key. */
  async startRecording(roomName: string, key: string, target: RecordingTarget): Promise<{ egressId: string }> {
    const output =
      target.kind === 's3'
        ? new EncodedFileOutput({
            fileType: EncodedFileType.OGG,
            filepath: key,
            output: {
              case: 's3',
              value: new S3Upload({
                endpoint: target.endpoint,
                bucket: target.bucket,
                accessKey: target.accessKey,
                secret: target.secretKey,
                region: target.region ?? 'us-east-1',
                forcePathStyle: true,
              }),
            },
          })
        : new EncodedFileOutput({
            fileType: EncodedFileType.OGG,
            filepath: `${target.directory.replace(/\/$/, '')}/${key}`,
          });
    const info = await this.egress.startRoomCompositeEgress(roomName, { file: output }, { audioOnly: true });
    return { egressId: info.egressId };
  }

  /**
   * Makes LiveKit SIP's inbound trunks and dispatch rules match the SIP-mode numbers configured in
   * control: one trunk (the number) and one individual dispatch rule (a room per caller, prefixed
   * with the number's id, whose configuration dispatches the number's agent) per number. Objects
   * not named by us are never touched.
   */
  async syncSipNumbers(numbers: SipNumber[]): Promise<SipSyncResult> {
    const result: SipSyncResult = { created: [], updated: [], deleted: [] };
    const wanted = new Map(numbers.map((n) => [`${OWNED_PREFIX}${n.phoneNumberId}`, n]));
    const trunks = (await this.sip.listSipInboundTrunk()).filter((t) => t.name.startsWith(OWNED_PREFIX));
    const rules = (await this.sip.listSipDispatchRule()).filter((r) => r.name.startsWith(OWNED_PREFIX));

    for (const [name, number] of wanted) {
      const metadata = JSON.stringify({
        phoneNumberId: number.phoneNumberId,
        spaceId: number.spaceId,
        agentId: number.agentId,
      });
      // The room LiveKit SIP creates for a caller dispatches the agent at once: no webhook round trip.
      const dispatch: SipDispatchMetadata = {
        phoneNumberId: number.phoneNumberId,
        spaceId: number.spaceId,
        agentId: number.agentId,
        channel: 'phone',
      };
      const dispatchMetadata = JSON.stringify(dispatch);
      const trunk = trunks.find((t) => t.name === name);
      const rule = rules.find((r) => r.name === name);
      const trunkCurrent =
        trunk !== undefined &&
        trunk.metadata === metadata &&
        trunk.numbers.length === 1 &&
        trunk.numbers[0] === number.number;
      const ruleCurrent =
        rule !== undefined &&
        trunkCurrent &&
        rule.metadata === metadata &&
        rule.roomConfig?.agents.length === 1 &&
        rule.roomConfig.agents[0]?.agentName === AGENT_NAME &&
        rule.roomConfig.agents[0]?.metadata === dispatchMetadata &&
        rule.trunkIds.length === 1 &&
        rule.trunkIds[0] === trunk.sipTrunkId;
      if (trunkCurrent && ruleCurrent) continue;

      if (rule) await this.sip.deleteSipDispatchRule(rule.sipDispatchRuleId);
      let trunkId = trunk?.sipTrunkId;
      if (!trunkCurrent) {
        if (trunk) await this.sip.deleteSipTrunk(trunk.sipTrunkId);
        trunkId = (
          await this.sip.createSipInboundTrunk(name, [number.number], {
            metadata,
            headersToAttributes: { [CALL_ID_HEADER]: CALL_ID_ATTRIBUTE },
          })
        ).sipTrunkId;
      }
      await this.sip.createSipDispatchRule(
        { type: 'individual', roomPrefix: sipRoomPrefix(number.phoneNumberId) },
        {
          name,
          metadata,
          trunkIds: [trunkId as string],
          attributes: { 'speaknode.phoneNumberId': number.phoneNumberId, 'speaknode.agentId': number.agentId },
          roomConfig: new RoomConfiguration({
            agents: [new RoomAgentDispatch({ agentName: AGENT_NAME, metadata: dispatchMetadata })],
          }),
        },
      );
      (trunk || rule ? result.updated : result.created).push(number.phoneNumberId);
    }

    for (const rule of rules) {
      if (!wanted.has(rule.name)) await this.sip.deleteSipDispatchRule(rule.sipDispatchRuleId);
    }
    for (const trunk of trunks) {
      if (!wanted.has(trunk.name)) {
        await this.sip.deleteSipTrunk(trunk.sipTrunkId);
        result.deleted.push(trunk.name.slice(OWNED_PREFIX.length));
      }
    }
    return result;
  }

  /** True when LiveKit answers an authenticated request. */
  async ping(): Promise<boolean> {
    try {
      await this.rooms.listRooms([]);
      return true;
    } catch {
      return false;
    }
  }
}
