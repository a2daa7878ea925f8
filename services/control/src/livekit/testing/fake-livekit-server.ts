import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AgentDispatch,
  CreateAgentDispatchRequest,
  CreateRoomRequest,
  CreateSIPDispatchRuleRequest,
  CreateSIPInboundTrunkRequest,
  CreateSIPParticipantRequest,
  DeleteAgentDispatchRequest,
  DeleteRoomRequest,
  DeleteSIPDispatchRuleRequest,
  DeleteSIPTrunkRequest,
  EgressInfo,
  EgressStatus,
  ListAgentDispatchRequest,
  ListAgentDispatchResponse,
  ListRoomsRequest,
  ListRoomsResponse,
  ListSIPDispatchRuleRequest,
  ListSIPDispatchRuleResponse,
  ListSIPInboundTrunkRequest,
  ListSIPInboundTrunkResponse,
  Room,
  RoomCompositeEgressRequest,
  SIPDispatchRuleInfo,
  SIPInboundTrunkInfo,
  SIPParticipantInfo,
  StopEgressRequest,
} from '@livekit/protocol';
import { type ClaimGrants, TokenVerifier } from 'livekit-server-sdk';

class TwirpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly meta?: Record<string, string>,
  ) {
    super(message);
  }
}

/** How the callee of an outbound SIP call answers: picks up, or the SIP status LiveKit reports. */
export type SipCallee = { answer: true } | { answer: false; sipStatusCode: number; sipStatus: string };

type Handler = (body: unknown, grants: ClaimGrants) => unknown | Promise<unknown>;

/**
 * A local HTTP server speaking LiveKit's server API as documented: Twirp, `POST
 * /twirp/livekit.<Service>/<Method>`, JSON bodies, `Authorization: Bearer <access token>`. Bodies are
 * decoded with @livekit/protocol's own messages without ignoring unknown fields, tokens are verified
 * with livekit-server-sdk's TokenVerifier and each method checks the grant the real server asks for.
 * State lives in memory; `down` makes every call fail like a server that is unavailable.
 */
export class FakeLivekitServer {
  readonly rooms = new Map<string, Room>();
  readonly dispatches: AgentDispatch[] = [];
  readonly trunks: SIPInboundTrunkInfo[] = [];
  readonly rules: SIPDispatchRuleInfo[] = [];
  readonly egresses: EgressInfo[] = [];
  readonly calls: { method: string; body: unknown }[] = [];
  /** Outbound SIP calls placed (CreateSIPParticipant), in order. */
  readonly sipCalls: CreateSIPParticipantRequest[] = [];
  /** Who answers an outbound SIP call to a number (default: everyone picks up). */
  sipCallee: (number: string) => SipCallee | Promise<SipCallee> = () => ({ answer: true });
  down = false;
  private server: Server | undefined;
  private readonly verifier: TokenVerifier;
  private readonly handlers: Record<string, Handler>;

  constructor(
    readonly apiKey: string,
    readonly apiSecret: string,
  ) {
    this.verifier = new TokenVerifier(apiKey, apiSecret);
    this.handlers = {
      'livekit.RoomService/CreateRoom': (body, grants) => {
        need(grants.video?.roomCreate, 'roomCreate');
        const request = CreateRoomRequest.fromJson(body as never);
        if (!request.name) throw new TwirpFailure(400, 'invalid_argument', 'name is required');
        let room = this.rooms.get(request.name);
        if (!room) {
          room = new Room({
            sid: `RM_${randomUUID().slice(0, 12)}`,
            name: request.name,
            emptyTimeout: request.emptyTimeout,
            departureTimeout: request.departureTimeout,
            metadata: request.metadata,
            creationTime: BigInt(Math.floor(Date.now() / 1000)),
          });
          this.rooms.set(request.name, room);
        }
        return room.toJson();
      },
      'livekit.RoomService/ListRooms': (body, grants) => {
        need(grants.video?.roomList, 'roomList');
        const request = ListRoomsRequest.fromJson(body as never);
        const rooms = [...this.rooms.values()].filter(
          (r) => request.names.length === 0 || request.names.includes(r.name),
        );
        return new ListRoomsResponse({ rooms }).toJson();
      },
      'livekit.RoomService/DeleteRoom': (body, grants) => {
        need(grants.video?.roomCreate, 'roomCreate');
        const request = DeleteRoomRequest.fromJson(body as never);
        this.rooms.delete(request.room);
        return {};
      },
      'livekit.AgentDispatchService/CreateDispatch': (body, grants) => {
        const request = CreateAgentDispatchRequest.fromJson(body as never);
        need(grants.video?.roomAdmin && grants.video.room === request.room, `roomAdmin for room ${request.room}`);
        const dispatch = new AgentDispatch({
          id: `AD_${randomUUID().slice(0, 12)}`,
          agentName: request.agentName,
          room: request.room,
          metadata: request.metadata,
        });
        this.dispatches.push(dispatch);
        return dispatch.toJson();
      },
      'livekit.AgentDispatchService/ListDispatch': (body, grants) => {
        const request = ListAgentDispatchRequest.fromJson(body as never);
        need(grants.video?.roomAdmin && grants.video.room === request.room, `roomAdmin for room ${request.room}`);
        const agentDispatches = this.dispatches.filter(
          (d) => d.room === request.room && (!request.dispatchId || d.id === request.dispatchId),
        );
        return new ListAgentDispatchResponse({ agentDispatches }).toJson();
      },
      'livekit.AgentDispatchService/DeleteDispatch': (body, grants) => {
        const request = DeleteAgentDispatchRequest.fromJson(body as never);
        need(grants.video?.roomAdmin && grants.video.room === request.room, `roomAdmin for room ${request.room}`);
        const index = this.dispatches.findIndex((d) => d.id === request.dispatchId);
        if (index < 0) throw new TwirpFailure(404, 'not_found', 'dispatch not found');
        return this.dispatches.splice(index, 1)[0]!.toJson();
      },
      'livekit.SIP/CreateSIPInboundTrunk': (body, grants) => {
        need(grants.sip?.admin, 'sip admin');
        const request = CreateSIPInboundTrunkRequest.fromJson(body as never);
        const trunk = new SIPInboundTrunkInfo({ ...request.trunk, sipTrunkId: `ST_${randomUUID().slice(0, 12)}` });
        for (const number of trunk.numbers) {
          if (this.trunks.some((t) => t.numbers.includes(number))) {
            throw new TwirpFailure(409, 'already_exists', `number ${number} is already on another inbound trunk`);
          }
        }
        this.trunks.push(trunk);
        return trunk.toJson();
      },
      'livekit.SIP/ListSIPInboundTrunk': (body, grants) => {
        need(grants.sip?.admin, 'sip admin');
        ListSIPInboundTrunkRequest.fromJson(body as never);
        return new ListSIPInboundTrunkResponse({ items: this.trunks }).toJson();
      },
      'livekit.SIP/DeleteSIPTrunk': (body, grants) => {
        need(grants.sip?.admin, 'sip admin');
        const request = DeleteSIPTrunkRequest.fromJson(body as never);
        const index = this.trunks.findIndex((t) => t.sipTrunkId === request.sipTrunkId);
        if (index < 0) throw new TwirpFailure(404, 'not_found', 'trunk not found');
        return this.trunks.splice(index, 1)[0]!.toJson();
      },
      'livekit.SIP/CreateSIPDispatchRule': (body, grants) => {
        need(grants.sip?.admin, 'sip admin');
        const request = CreateSIPDispatchRuleRequest.fromJson(body as never);
        for (const id of request.trunkIds) {
          if (!this.trunks.some((t) => t.sipTrunkId === id))
            throw new TwirpFailure(400, 'invalid_argument', `no trunk ${id}`);
        }
        const rule = new SIPDispatchRuleInfo({
          sipDispatchRuleId: `SDR_${randomUUID().slice(0, 12)}`,
          rule: request.rule,
          trunkIds: request.trunkIds,
          name: request.name,
          metadata: request.metadata,
          attributes: request.attributes,
          hidePhoneNumber: request.hidePhoneNumber,
          ...(request.roomConfig ? { roomConfig: request.roomConfig } : {}),
        });
        this.rules.push(rule);
        return rule.toJson();
      },
      'livekit.SIP/ListSIPDispatchRule': (body, grants) => {
        need(grants.sip?.admin, 'sip admin');
        ListSIPDispatchRuleRequest.fromJson(body as never);
        return new ListSIPDispatchRuleResponse({ items: this.rules }).toJson();
      },
      'livekit.SIP/DeleteSIPDispatchRule': (body, grants) => {
        need(grants.sip?.admin, 'sip admin');
        const request = DeleteSIPDispatchRuleRequest.fromJson(body as never);
        const index = this.rules.findIndex((r) => r.sipDispatchRuleId === request.sipDispatchRuleId);
        if (index < 0) throw new TwirpFailure(404, 'not_found', 'dispatch rule not found');
        return this.rules.splice(index, 1)[0]!.toJson();
      },
      'livekit.SIP/CreateSIPParticipant': async (body, grants) => {
        need(grants.sip?.call, 'sip call');
        const request = CreateSIPParticipantRequest.fromJson(body as never);
        if (!request.sipTrunkId) throw new TwirpFailure(400, 'invalid_argument', 'sip_trunk_id is required');
        if (!request.sipCallTo) throw new TwirpFailure(400, 'invalid_argument', 'sip_call_to is required');
        if (!this.rooms.has(request.roomName)) {
          throw new TwirpFailure(404, 'not_found', `room ${request.roomName} does not exist`);
        }
        this.sipCalls.push(request);
        const callee = await this.sipCallee(request.sipCallTo);
        if (!callee.answer) {
          // What LiveKit answers when waitUntilAnswered is set and the callee does not take the call.
          throw new TwirpFailure(400, 'failed_precondition', 'call was not answered', {
            sip_status_code: String(callee.sipStatusCode),
            sip_status: callee.sipStatus,
          });
        }
        return new SIPParticipantInfo({
          participantId: `PA_${randomUUID().slice(0, 12)}`,
          participantIdentity: request.participantIdentity,
          roomName: request.roomName,
          sipCallId: `SCL_${randomUUID().slice(0, 12)}`,
        }).toJson();
      },
      'livekit.Egress/StartRoomCompositeEgress': (body, grants) => {
        need(grants.video?.roomRecord, 'roomRecord');
        const request = RoomCompositeEgressRequest.fromJson(body as never);
        if (!this.rooms.has(request.roomName)) {
          throw new TwirpFailure(404, 'not_found', `room ${request.roomName} does not exist`);
        }
        const info = new EgressInfo({
          egressId: `EG_${randomUUID().slice(0, 12)}`,
          roomName: request.roomName,
          status: EgressStatus.EGRESS_STARTING,
          request: { case: 'roomComposite', value: request },
        });
        this.egresses.push(info);
        return info.toJson();
      },
      'livekit.Egress/StopEgress': (body, grants) => {
        need(grants.video?.roomRecord, 'roomRecord');
        const request = StopEgressRequest.fromJson(body as never);
        const info = this.egresses.find((e) => e.egressId === request.egressId);
        if (!info) throw new TwirpFailure(404, 'not_found', 'egress not found');
        info.status = EgressStatus.EGRESS_COMPLETE;
        return info.toJson();
      },
    };
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('FakeLivekitServer is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await new Promise((resolve) => this.server!.once('listening', resolve));
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      if (this.down) throw new TwirpFailure(503, 'unavailable', 'server is shutting down');
      const match = /^\/twirp\/([A-Za-z.]+\/[A-Za-z]+)$/.exec(req.url ?? '');
      const handler = match ? this.handlers[match[1]!] : undefined;
      if (req.method !== 'POST' || !handler)
        throw new TwirpFailure(404, 'bad_route', `no handler for ${req.method} ${req.url}`);
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ')) throw new TwirpFailure(401, 'unauthenticated', 'missing bearer token');
      let grants: ClaimGrants;
      try {
        grants = await this.verifier.verify(auth.slice('Bearer '.length));
      } catch (error) {
        throw new TwirpFailure(401, 'unauthenticated', `invalid token: ${(error as Error).message}`);
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        throw new TwirpFailure(400, 'malformed', 'the body is not JSON');
      }
      let result: unknown;
      try {
        result = await handler(body, grants);
      } catch (error) {
        if (error instanceof TwirpFailure) throw error;
        throw new TwirpFailure(400, 'malformed', (error as Error).message);
      }
      this.calls.push({ method: match![1]!, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    } catch (error) {
      const failure =
        error instanceof TwirpFailure ? error : new TwirpFailure(500, 'internal', (error as Error).message);
      res
        .writeHead(failure.status, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ code: failure.code, msg: failure.message, ...(failure.meta ? { meta: failure.meta } : {}) }),
        );
    }
  }
}

function need(granted: unknown, what: string): void {
  if (!granted) throw new TwirpFailure(403, 'permission_denied', `the token lacks ${what}`);
}
