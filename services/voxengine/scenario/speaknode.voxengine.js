/**
 * Speaknode's VoxEngine scenario: connects each incoming VoxImplant call to its Speaknode agent.
 *
 * Upload it as the scenario of the application rule that takes your Speaknode numbers, after
 * setting the three values below (the account id and scenario secret must match an entry of the
 * webhook receiver's VOXIMPLANT_ACCOUNTS).
 *
 * 1. On an incoming call it tells the receiver (`incoming`, signed with X-Speaknode-Signature:
 *    hex HMAC-SHA256 of the body). The answer says where to stream the call: the bridge URL and
 *    the `customParameters` (Speaknode's call id and the stream token the bridge asks for).
 * 2. It answers, opens a WebSocket to the bridge, sends the caller's audio there (PCM16, 16 kHz,
 *    tag `caller`) and plays what the bridge sends back under the same tag.
 * 3. The bridge's `{"customEvent":"clear"}` (the caller interrupted the agent) empties the
 *    playback buffer; DTMF digits go to the bridge as `{"customEvent":"dtmf","digit":…}`, and the
 *    agent's key presses (`{"customEvent":"sendDtmf","digit":…}`) go onto the call with `call.sendDigits`.
 * 4. When the bridge closes the socket (the agent ended the call), the call is hung up; when the
 *    caller hangs up, the socket is closed. `connected`, `disconnected` (duration, initiator) and
 *    `failed` are reported to the receiver, which turns them into the call record's states.
 * 5. Outbound calls: control starts the scenario through the HTTP API (StartScenarios) with
 *    `script_custom_data` `{"o":1,"c":<call id>,"t":<stream token>,"to":…,"from":…}`; the scenario
 *    dials `to` from `from` (callPSTN) and, once answered, streams it to the bridge like an incoming
 *    call. Callbacks carry Speaknode's call id; `failed` carries the SIP code (486 busy, 480 no answer).
 */

const SPEAKNODE_WEBHOOK_URL = 'https://hooks.example.com/voximplant';
const SPEAKNODE_ACCOUNT_ID = '4711';
const SPEAKNODE_SCENARIO_SECRET = 'set-me-to-the-accounts-scenarioSecret';
/** The media bridge's `/voximplant` WebSocket URL (outbound calls; incoming ones get it from the receiver). */
const SPEAKNODE_BRIDGE_URL = 'wss://media.example.com/voximplant';

const TAG = 'caller';

/** POSTs a signed scenario callback; resolves to the HttpRequestResult. */
function notify(event, voxCallId, details) {
  const body = JSON.stringify(
    Object.assign(
      { accountId: SPEAKNODE_ACCOUNT_ID, event: event, callId: voxCallId, eventId: `${voxCallId}:${event}` },
      details || {},
    ),
  );
  return Net.httpRequestAsync(SPEAKNODE_WEBHOOK_URL, {
    method: 'POST',
    postData: body,
    headers: [
      'Content-Type: application/json',
      `X-Speaknode-Signature: ${Crypto.hmac_sha256(SPEAKNODE_SCENARIO_SECRET, body)}`,
    ],
  });
}

/** Where the receiver says to stream the call, or undefined when it did not say (the call is refused). */
async function streamTarget(voxCallId, from, to) {
  try {
    const result = await notify('incoming', voxCallId, { from: from, to: to });
    if (result.code !== 200) {
      Logger.write(`speaknode: the receiver answered ${result.code} to incoming`);
      return undefined;
    }
    const target = JSON.parse(result.text).stream;
    return target && typeof target.url === 'string' ? target : undefined;
  } catch (error) {
    Logger.write(`speaknode: incoming callback failed: ${error}`);
    return undefined;
  }
}

VoxEngine.addEventListener(AppEvents.CallAlerting, async (alerting) => {
  const call = alerting.call;
  const voxCallId = call.id();
  const target = await streamTarget(voxCallId, alerting.callerid, alerting.destination);
  if (!target) {
    call.hangup();
    VoxEngine.terminate();
    return;
  }
  connectToAgent(call, voxCallId, target);
  call.answer();
});

/** The outbound request control started this session with, or undefined (an incoming call's session). */
function outboundRequest() {
  let data;
  try {
    data = JSON.parse(VoxEngine.customData() || 'null');
  } catch (_) {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  if (data.o !== 1 || typeof data.c !== 'string' || typeof data.to !== 'string') return undefined;
  return data;
}

VoxEngine.addEventListener(AppEvents.Started, () => {
  const request = outboundRequest();
  if (!request) return;
  const call = VoxEngine.callPSTN(request.to, request.from);
  const customParameters = { callId: request.c };
  if (typeof request.t === 'string') customParameters.streamToken = request.t;
  connectToAgent(call, request.c, { url: SPEAKNODE_BRIDGE_URL, customParameters: customParameters });
});

/** Streams `call` to the bridge once it is connected, and reports what happens to it as `callId`. */
function connectToAgent(call, voxCallId, target) {
  let socket;
  let agentHungUp = false;
  let ended = false;
  const finish = async (event, details) => {
    ended = true;
    if (socket) socket.close();
    try {
      await notify(event, voxCallId, details);
    } catch (error) {
      Logger.write(`speaknode: ${event} callback failed: ${error}`);
    } finally {
      VoxEngine.terminate();
    }
  };

  call.addEventListener(CallEvents.Connected, () => {
    notify('connected', voxCallId).catch((error) => Logger.write(`speaknode: connected callback failed: ${error}`));
    socket = VoxEngine.createWebSocket(target.url);
    socket.addEventListener(WebSocketEvents.OPEN, () => {
      call.sendMediaTo(socket, {
        encoding: WebSocketAudioEncoding.PCM16,
        tag: TAG,
        customParameters: target.customParameters,
      });
      socket.sendMediaTo(call, { tag: TAG });
    });
    socket.addEventListener(WebSocketEvents.MESSAGE, (message) => {
      // Media messages are played by sendMediaTo; only the bridge's custom events need handling.
      let parsed;
      try {
        parsed = JSON.parse(message.text !== undefined ? message.text : message.data);
      } catch (_) {
        return;
      }
      if (parsed.customEvent === 'clear') socket.clearMediaBuffer({ tag: parsed.tag });
      else if (parsed.customEvent === 'sendDtmf' && /^[0-9*#A-D]$/.test(String(parsed.digit))) {
        // The agent pressed a key (an IVR on the line): DTMF on the call itself.
        call.sendDigits(String(parsed.digit));
      } else if (parsed.customEvent === 'error')
        Logger.write(`speaknode: bridge error ${parsed.code}: ${parsed.reason}`);
    });
    socket.addEventListener(WebSocketEvents.CLOSE, () => {
      socket = undefined;
      if (ended) return;
      agentHungUp = true;
      call.hangup();
    });
    call.handleTones(true);
    call.addEventListener(CallEvents.ToneReceived, (tone) => {
      if (socket) socket.send(JSON.stringify({ customEvent: 'dtmf', digit: String(tone.tone), tag: TAG }));
    });
  });

  call.addEventListener(CallEvents.Disconnected, (disconnected) =>
    finish('disconnected', {
      duration: disconnected.duration,
      initiator: agentHungUp ? 'agent' : 'caller',
    }),
  );
  call.addEventListener(CallEvents.Failed, (failed) => finish('failed', { reason: failed.reason, code: failed.code }));
}
