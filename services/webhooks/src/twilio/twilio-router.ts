import {
  createEvent,
  type PhoneNumberLookup,
  Topics,
  TwilioCallback,
  TwilioCallIncoming,
  TwilioCallStatus,
} from '@speaknode/contracts';
import { callIdForProviderCall } from '@speaknode/contracts/node';
import express, { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import { bridgeStream } from '../bridge-stream.ts';
import { type EventIntake, intakeProblem } from '../event-intake.ts';
import { isFormType, MAX_BODY_BYTES, parseJsonBody } from '../request-body.ts';
import { idPart, sha256Hex } from '../stable-ids.ts';
import { type NumberDirectory, NumberLookupUnavailableError } from './number-directory.ts';
import {
  flattenParams,
  isJsonContentType,
  parseTwilioForm,
  type TwilioParams,
  verifyTwilioRequest,
} from './twilio-signature.ts';
import { connectStreamTwiml, dialSipTwiml, emptyTwiml, livekitSipUri, sayAndHangUpTwiml } from './twiml.ts';

export interface TwilioRouterOptions {
  publicBaseUrl: string;
  bridgePublicUrl: string;
  livekitSipUri: string | undefined;
  /** Single-account installs: the auth token used when a number's account has none of its own. */
  authToken: string | undefined;
  /** Signs the `streamToken` parameter the bridge requires of stream-mode calls (none when unset: trials). */
  streamSecret?: string | undefined;
  numbers: NumberDirectory;
  intake: EventIntake;
  log: (message: string) => void;
}

export const UNKNOWN_NUMBER_MESSAGE = 'Sorry, this number is not in service. Goodbye.';
export const UNAVAILABLE_MESSAGE = 'Sorry, we cannot take your call right now. Please try again later. Goodbye.';

/** Answers with a status code and a short plain-text reason: Twilio understands status codes, not problem+json. */
class TwilioReject extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

interface VerifiedTwilioRequest {
  params: Record<string, string>;
  accountSid: string;
}

/**
 * Twilio's voice webhooks: `/voice` answers TwiML for an incoming call, `/status` takes call status
 * callbacks, `/{kind}` (recording, transcription, …) any other callback. Every request is checked
 * against `X-Twilio-Signature` with the URL Twilio called (PUBLIC_BASE_URL + path and query).
 */
export function twilioRouter(options: TwilioRouterOptions): Router {
  const router = Router();
  const base = options.publicBaseUrl.replace(/\/+$/, '');
  router.use(express.raw({ type: () => true, limit: MAX_BODY_BYTES }));

  router.use((req, _res, next) => {
    if (req.method === 'POST' && !isJson(req) && !isFormType(req.header('content-type'))) {
      throw new TwilioReject(415, 'Twilio callbacks are application/x-www-form-urlencoded or application/json');
    }
    next();
  });

  const parse = (req: Request): { params: TwilioParams; flat: Record<string, string> } => {
    const raw = rawBodyOf(req);
    if (isJson(req)) {
      let body: unknown;
      try {
        body = parseJsonBody(raw, 'the JSON body');
      } catch (error) {
        throw new TwilioReject(400, (error as Error).message);
      }
      if (!body || typeof body !== 'object' || Array.isArray(body))
        throw new TwilioReject(400, 'the JSON body must be an object');
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(body)) flat[k] = typeof v === 'string' ? v : JSON.stringify(v);
      return { params: {}, flat };
    }
    const params = parseTwilioForm(raw);
    return { params, flat: flattenParams(params) };
  };

  /**
   * A JSON body's signature covers the URL and the body's hash, so the install token can check it
   * before the body is parsed; only then is a malformed or too deep body described (400). A JSON body
   * that token does not verify is parsed (depth-limited) to find its account, and is 403 if unreadable.
   * Form bodies are flat name/value pairs: parsed first, as their signature needs them.
   */
  const parseVerifyingJsonFirst = (req: Request): { parsed: ReturnType<typeof parse>; verified: boolean } => {
    if (!isJson(req)) return { parsed: parse(req), verified: false };
    if (verify(req, { params: {} }, [options.authToken])) return { parsed: parse(req), verified: true };
    try {
      return { parsed: parse(req), verified: false };
    } catch (error) {
      if (error instanceof TwilioReject && error.status === 400) {
        throw new TwilioReject(403, 'the X-Twilio-Signature header is missing or does not match');
      }
      throw error;
    }
  };

  const verify = (req: Request, parsed: { params: TwilioParams }, tokens: Array<string | undefined>): boolean => {
    const candidates = [...new Set(tokens.filter((t): t is string => !!t))];
    return verifyTwilioRequest(
      {
        signature: req.header('x-twilio-signature'),
        url: base + req.originalUrl,
        contentType: req.header('content-type'),
        rawBody: rawBodyOf(req),
        params: parsed.params,
      },
      candidates,
    );
  };

  /** Status and other callbacks: the install's token or a known account's first; the number's lookup only if those fail. */
  const verifyCallback = async (req: Request): Promise<VerifiedTwilioRequest> => {
    const { parsed, verified } = parseVerifyingJsonFirst(req);
    const accountSid = parsed.flat.AccountSid ?? '';
    if (verified || verify(req, parsed, [options.authToken, options.numbers.secretForAccount(accountSid)])) {
      return { params: parsed.flat, accountSid };
    }
    const ours = parsed.flat.Direction?.startsWith('outbound') ? parsed.flat.From : parsed.flat.To;
    if (ours && /^\+[1-9]\d{1,14}$/.test(ours)) {
      const lookup = await options.numbers.lookup('twilio', ours).catch((error: unknown) => {
        if (error instanceof NumberLookupUnavailableError) {
          throw new TwilioReject(503, 'the signature cannot be checked right now', 5);
        }
        throw error;
      });
      if (lookup?.accountSecret && verify(req, parsed, [lookup.accountSecret]))
        return { params: parsed.flat, accountSid };
    }
    throw new TwilioReject(403, 'the X-Twilio-Signature header is missing or does not match');
  };

  router.post('/voice', async (req, res) => {
    const { parsed, verified } = parseVerifyingJsonFirst(req);
    const to = parsed.flat.To ?? '';
    let lookup: PhoneNumberLookup | null = null;
    let lookupFailed = false;
    if (/^\+[1-9]\d{1,14}$/.test(to)) {
      try {
        lookup = await options.numbers.lookup('twilio', to);
      } catch (error) {
        if (!(error instanceof NumberLookupUnavailableError)) throw error;
        options.log(`twilio: ${error.message}`);
        lookupFailed = true;
      }
    }
    if (lookup && lookup.provider !== 'twilio') lookup = null;
    const tokens = [
      lookup?.accountSecret ?? undefined,
      options.numbers.secretForAccount(parsed.flat.AccountSid ?? ''),
      options.authToken,
    ];
    if (!verified && !tokens.some(Boolean)) {
      if (lookupFailed) throw new TwilioReject(503, 'the number cannot be looked up right now', 5);
      throw new TwilioReject(403, 'no auth token is known for this number, so its signature cannot be checked');
    }
    if (!verified && !verify(req, parsed, tokens))
      throw new TwilioReject(403, 'the X-Twilio-Signature header is missing or does not match');

    const callSid = parsed.flat.CallSid;
    const accountSid = parsed.flat.AccountSid;
    if (!callSid || !accountSid) throw new TwilioReject(400, 'CallSid and AccountSid are required');

    const callId = callIdForProviderCall('twilio', callSid);
    let twiml: string;
    if (lookupFailed) {
      twiml = sayAndHangUpTwiml(UNAVAILABLE_MESSAGE);
    } else if (!lookup) {
      twiml = sayAndHangUpTwiml(UNKNOWN_NUMBER_MESSAGE);
    } else if (lookup.mode === 'stream') {
      const stream = bridgeStream(options.bridgePublicUrl, 'twilio', callId, options.streamSecret);
      twiml = connectStreamTwiml(stream.url, {
        ...stream.customParameters,
        agentId: lookup.agentId,
        spaceId: lookup.spaceId,
        phoneNumberId: lookup.phoneNumberId,
        callSid,
      });
    } else if (options.livekitSipUri) {
      twiml = dialSipTwiml(livekitSipUri(options.livekitSipUri, to), {
        'X-Speaknode-Call-Id': callId,
        'X-Speaknode-Agent-Id': lookup.agentId,
      });
    } else {
      options.log(`twilio: ${to} is a sip-mode number but LIVEKIT_SIP_URI is not set; the call is turned away`);
      twiml = sayAndHangUpTwiml(UNAVAILABLE_MESSAGE);
    }

    const event = createEvent(TwilioCallIncoming, {
      id: `twilio:${idPart(callSid)}:incoming`,
      source: 'webhooks',
      subject: callSid,
      ...(lookup ? { spaceId: lookup.spaceId } : {}),
      data: {
        callSid,
        accountSid,
        from: parsed.flat.From ?? '',
        to,
        ...(lookup ? { phoneNumberId: lookup.phoneNumberId, agentId: lookup.agentId, mode: lookup.mode, callId } : {}),
        params: parsed.flat,
      },
    });
    await accept(options.intake, Topics.webhooksTwilio, event);
    res.status(200).type('text/xml').send(twiml);
  });

  router.post('/status', async (req, res) => {
    const { params, accountSid } = await verifyCallback(req);
    const callSid = params.CallSid;
    const callStatus = params.CallStatus;
    if (!callSid || !accountSid || !callStatus)
      throw new TwilioReject(400, 'CallSid, AccountSid and CallStatus are required');
    const duration = params.CallDuration === undefined ? undefined : Number(params.CallDuration);
    const event = createEvent(TwilioCallStatus, {
      id: `twilio:${idPart(callSid)}:status:${idPart(callStatus)}`,
      source: 'webhooks',
      subject: callSid,
      data: {
        callSid,
        accountSid,
        callStatus,
        ...(duration !== undefined && Number.isInteger(duration) && duration >= 0
          ? { callDurationSeconds: duration }
          : {}),
        params,
      },
    });
    await accept(options.intake, Topics.webhooksTwilio, event);
    res.status(200).type('text/xml').send(emptyTwiml());
  });

  router.post('/:kind', async (req, res) => {
    const kind = String(req.params.kind);
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(kind) || kind === 'voice' || kind === 'status') {
      throw new TwilioReject(404, `no Twilio callback named ${kind.slice(0, 64)}`);
    }
    const { params, accountSid } = await verifyCallback(req);
    const event = createEvent(TwilioCallback, {
      id: callbackEventId(kind, params),
      source: 'webhooks',
      ...(params.CallSid ? { subject: params.CallSid } : {}),
      data: {
        kind,
        ...(params.CallSid ? { callSid: params.CallSid } : {}),
        ...(accountSid ? { accountSid } : {}),
        params,
      },
    });
    await accept(options.intake, Topics.webhooksTwilio, event);
    res.status(200).type('text/xml').send(emptyTwiml());
  });

  const errors: ErrorRequestHandler = (error, _req, res: Response, _next) => {
    if (res.headersSent) return;
    const parserError = error as { type?: string; status?: number };
    if (error instanceof TwilioReject) {
      if (error.retryAfterSeconds) res.set('Retry-After', String(error.retryAfterSeconds));
      res.status(error.status).type('text/plain').send(error.message);
      return;
    }
    if (parserError.type === 'entity.too.large') {
      res.status(413).type('text/plain').send('the request body is over the 1 MiB limit');
      return;
    }
    if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      res.status(parserError.status).type('text/plain').send('the request body could not be read');
      return;
    }
    options.log(`twilio: unexpected error: ${(error as Error)?.stack ?? String(error)}`);
    res.status(500).type('text/plain').send('something went wrong on our side; it has been logged');
  };
  router.use(errors);
  return router;
}

async function accept(
  intake: EventIntake,
  topic: typeof Topics.webhooksTwilio,
  event: Parameters<EventIntake['accept']>[1],
) {
  try {
    await intake.accept(topic, event);
  } catch (error) {
    const problem = intakeProblem(error);
    const retryAfter = problem.extra.headers?.['Retry-After'];
    throw new TwilioReject(
      problem.status,
      problem.detail ?? problem.title,
      retryAfter === undefined ? undefined : Number(retryAfter),
    );
  }
}

/** From the provider's own ids in the callback (RecordingSid, TranscriptionSid, … and their statuses); a hash of the parameters otherwise. */
export function callbackEventId(kind: string, params: Record<string, string>): string {
  const parts = Object.keys(params)
    .filter((name) => (/Sid$/.test(name) && name !== 'AccountSid') || /Status$/.test(name))
    .sort()
    .map((name) => idPart(params[name] as string));
  const sorted = Object.keys(params)
    .sort()
    .map((name) => `${name}=${params[name]}`)
    .join('&');
  const suffix = parts.length > 0 ? parts.join(':') : `h${sha256Hex(sorted).slice(0, 32)}`;
  return `twilio:${kind}:${suffix}`.slice(0, 200);
}

function rawBodyOf(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

function isJson(req: Request): boolean {
  return isJsonContentType(req.header('content-type'));
}
