/**
 * The models host's HTTP and WebSocket API (README "API"). Errors are RFC 9457 problem+json;
 * WebSocket refusals are close codes with a reason. With `apiToken` set, every /v1 call needs
 * `Authorization: Bearer <token>` (health and metrics stay open to the stack's probes).
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { RateConverter } from '@speaknode/audio';
import { HttpProblem, notFoundHandler, problemErrorHandler } from '@speaknode/runtime/problem';
import express, { type NextFunction, type Request, type Response } from 'express';
import { type WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { checkRate, UnsupportedRateError } from '../audio/resample.ts';
import { encodeWav, parseWav, toPcm16, WavFormatError } from '../audio/wav.ts';
import { HostRequestError, type Log, type ModelHost } from '../catalog/model-host.ts';
import { QueueFullError } from '../inference/dynamic-batcher.ts';
import { FeatureError } from '../stt/log-mel.ts';
import { PhonemizerError } from '../tts/espeak-phonemizer.ts';
import { DEFAULT_STREAM_SETTINGS, RecognitionStream, type StreamMessage } from '../vad/stream-session.ts';
import type { HostMetrics } from './metrics.ts';

export interface ServerOptions {
  host: ModelHost;
  metrics: HostMetrics;
  log: Log;
  apiToken?: string;
  maxStreams: number;
  /** The largest WAV body accepted. */
  maxBodyBytes: number;
  maxTextCharacters: number;
}

const WAV_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'];
const LanguageTag = z
  .string()
  .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}$/, 'must be a BCP 47 language tag such as en-US');
const ModelName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be a model id');
const SampleRate = z.coerce.number().int().min(8000).max(96_000);

const TranscribeQuery = z.object({ model: ModelName.optional(), language: LanguageTag.optional() });
const StreamQuery = TranscribeQuery.extend({ sampleRate: SampleRate.default(16_000) });
const SynthesizeBody = z.object({
  text: z.string().min(1, 'must not be empty'),
  voice: ModelName,
  sampleRate: SampleRate.optional(),
  speaker: z.string().max(100).optional(),
  /** `wav` answers one file when all is done; `pcm` streams raw 16-bit little-endian mono, a chunk per sentence. */
  format: z.enum(['wav', 'pcm']).default('wav'),
});

function toProblem(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (error instanceof HostRequestError) {
    return new HttpProblem(
      error.status,
      error.title,
      error.message,
      error.retryAfterSeconds ? { headers: { 'Retry-After': String(error.retryAfterSeconds) } } : {},
    );
  }
  if (error instanceof WavFormatError) return new HttpProblem(415, 'Unsupported Media Type', error.message);
  if (error instanceof UnsupportedRateError) return new HttpProblem(422, 'Unprocessable Content', error.message);
  if (error instanceof FeatureError) return new HttpProblem(422, 'Unprocessable Content', error.message);
  if (error instanceof QueueFullError)
    return HttpProblem.unavailable(`the recogniser is at capacity (${error.message}); try again shortly`, 1);
  if (error instanceof PhonemizerError) return new HttpProblem(502, 'Bad Gateway', error.message);
  return undefined;
}

function parseQuery<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw HttpProblem.badRequest(
    `the query is not valid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
  );
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createModelsServer(options: ServerOptions) {
  const { host, metrics, log } = options;
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const { ready, problems } = host.readiness();
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not ready', problems, models: host.describe().models });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.use('/v1', (req: Request, _res: Response, next: NextFunction) => {
    if (options.apiToken && !tokenMatches(req.headers.authorization, options.apiToken)) {
      metrics.rejected.inc({ reason: 'unauthenticated' });
      next(HttpProblem.unauthorized('this models host needs Authorization: Bearer <MODELS_API_TOKEN>'));
      return;
    }
    next();
  });

  app.get('/v1/models', (_req, res) => {
    res.json(host.describe());
  });

  app.post(
    '/v1/stt/transcribe',
    (req, _res, next) => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (!WAV_TYPES.includes(type)) {
        next(
          new HttpProblem(
            415,
            'Unsupported Media Type',
            `send the utterance as audio/wav (16-bit PCM, mono); got ${type || 'no content type'}`,
          ),
        );
        return;
      }
      next();
    },
    express.raw({ type: () => true, limit: options.maxBodyBytes }),
    async (req, res, next) => {
      try {
        const query = parseQuery(TranscribeQuery, req.query);
        host.checkSpeechRequest(query.model, query.language);
        const body = req.body as Buffer;
        if (!Buffer.isBuffer(body) || body.length === 0)
          throw HttpProblem.badRequest('the request body is empty; send a WAV file');
        const audio = parseWav(body);
        const result = await host.transcribe(query.model, audio.samples, audio.sampleRate, query.language);
        const t = result.timing;
        res.setHeader(
          'Server-Timing',
          [
            `features;dur=${t.featuresMs.toFixed(2)}`,
            `encoder;dur=${t.encoderMs.toFixed(2)}`,
            `joint;dur=${t.jointMs.toFixed(2)}`,
            `decode;dur=${t.decodeMs.toFixed(2)}`,
            `queue;dur=${t.queuedMs.toFixed(2)}`,
            `total;dur=${t.totalMs.toFixed(2)}`,
            `batch;desc="${t.batch}"`,
          ].join(', '),
        );
        res.json({
          text: result.text,
          language: result.language,
          durationSeconds: round(result.durationSeconds),
          words: result.words,
        });
      } catch (error) {
        const problem = toProblem(error);
        if (problem) metrics.rejected.inc({ reason: `stt_${problem.status}` });
        next(problem ?? error);
      }
    },
  );

  app.post(
    '/v1/tts/synthesize',
    express.json({ limit: options.maxTextCharacters * 4 + 1024 }),
    async (req, res, next) => {
      let started = false;
      try {
        const parsed = SynthesizeBody.safeParse(req.body);
        if (!parsed.success) {
          throw HttpProblem.badRequest(
            `the request body is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          );
        }
        const body = parsed.data;
        if (body.text.length > options.maxTextCharacters) {
          throw new HttpProblem(
            413,
            'Content Too Large',
            `the text is ${body.text.length} characters; at most ${options.maxTextCharacters} per request`,
          );
        }
        const { sampleRate: voiceRate } = await host.prepareVoice(body.voice);
        const sampleRate = body.sampleRate ?? voiceRate;
        checkRate(sampleRate);
        const sentences = host.synthesize(body.voice, body.text, {
          ...(body.sampleRate ? { sampleRate } : {}),
          ...(body.speaker ? { speaker: body.speaker } : {}),
        });
        if (body.format === 'pcm') {
          const aborted = new AbortController();
          res.on('close', () => aborted.abort());
          for await (const sentence of sentences) {
            if (aborted.signal.aborted) break;
            if (!started) {
              res.writeHead(200, {
                'content-type': `audio/pcm;rate=${sampleRate};bits=16;channels=1;endian=little`,
                'x-sample-rate': String(sampleRate),
                'cache-control': 'no-store',
              });
              started = true;
            }
            const pcm = toPcm16(sentence.audio);
            res.write(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
          }
          if (!started)
            res.writeHead(200, {
              'content-type': `audio/pcm;rate=${sampleRate};bits=16;channels=1;endian=little`,
              'x-sample-rate': String(sampleRate),
            });
          res.end();
          return;
        }
        const parts: Int16Array[] = [];
        for await (const sentence of sentences) parts.push(toPcm16(sentence.audio));
        const all = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
        let offset = 0;
        for (const part of parts) {
          all.set(part, offset);
          offset += part.length;
        }
        res.type('audio/wav').setHeader('x-sample-rate', String(sampleRate));
        res.send(encodeWav(all, sampleRate));
      } catch (error) {
        if (started) {
          // Headers are gone: cut the chunked body so the client sees an incomplete answer, not a short one.
          log('error', `models: synthesis failed mid-stream: ${(error as Error).message}`);
          res.destroy(error as Error);
          return;
        }
        const problem = toProblem(error);
        if (problem) metrics.rejected.inc({ reason: `tts_${problem.status}` });
        next(problem ?? error);
      }
    },
  );

  app.use(notFoundHandler);
  app.use(
    problemErrorHandler((message, error) => log('error', `models: ${message}: ${(error as Error)?.stack ?? error}`)),
  );

  const server: Server = createServer(app);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  let open = 0;

  const refuse = (socket: Duplex, status: 400 | 401 | 503, detail: string) => {
    const title = { 400: 'Bad Request', 401: 'Unauthorized', 503: 'Service Unavailable' }[status];
    const body = JSON.stringify({ type: 'about:blank', title, status, detail });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/v1/stt/stream') {
      refuse(socket, 400, `no WebSocket endpoint at ${url.pathname}; use /v1/stt/stream`);
      return;
    }
    if (options.apiToken && !tokenMatches(req.headers.authorization, options.apiToken)) {
      metrics.rejected.inc({ reason: 'unauthenticated' });
      refuse(socket, 401, 'this models host needs Authorization: Bearer <MODELS_API_TOKEN>');
      return;
    }
    if (open >= options.maxStreams) {
      metrics.rejected.inc({ reason: 'stream_limit' });
      refuse(socket, 503, `this host already serves ${open} streams`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => acceptStream(ws, url.searchParams));
  });

  function acceptStream(ws: WebSocket, params: URLSearchParams) {
    let model: string;
    let sampleRate: number;
    let language: string | undefined;
    try {
      const query = StreamQuery.safeParse(Object.fromEntries(params));
      if (!query.success)
        throw new HostRequestError(
          400,
          'Bad Request',
          query.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      sampleRate = query.data.sampleRate;
      language = query.data.language;
      model = host.checkSpeechRequest(query.data.model, language);
      checkRate(sampleRate);
      if (!host.vadReady) throw new HostRequestError(503, 'Service Unavailable', 'the VAD is not loaded');
    } catch (error) {
      const status = error instanceof HostRequestError ? error.status : 400;
      // 1013: try again later (not ready); 1008: the request itself is wrong.
      ws.close(status === 503 ? 1013 : 1008, truncateReason((error as Error).message));
      return;
    }
    open++;
    metrics.streams.set(open);
    const send = (message: StreamMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const stream = new RecognitionStream(host, { ...DEFAULT_STREAM_SETTINGS, model, language }, send, (error) => {
      ws.close(1013, truncateReason(error.message));
    });
    send({ type: 'ready', model, sampleRate });
    // One converter per stream: it keeps the filter's history across frames.
    let converter = sampleRate === 16_000 ? undefined : new RateConverter(sampleRate, 16_000);
    let carry: Buffer | undefined;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        let command: { type?: unknown };
        try {
          command = JSON.parse(data.toString('utf8')) as { type?: unknown };
        } catch {
          ws.close(1003, 'text frames must be JSON commands: {"type":"flush"} or {"type":"close"}');
          return;
        }
        if (command.type === 'flush' || command.type === 'close') {
          if (converter) {
            stream.push(converter.flush());
            converter = new RateConverter(sampleRate, 16_000);
          }
          void stream.flush().then(() => {
            if (command.type === 'close') ws.close(1000, 'done');
          });
          return;
        }
        ws.close(1003, 'unknown command; send {"type":"flush"} or {"type":"close"}');
        return;
      }
      // PCM16 little-endian; an odd byte waits for the next frame.
      const bytes = carry ? Buffer.concat([carry, data]) : data;
      const whole = bytes.length - (bytes.length % 2);
      carry = whole < bytes.length ? bytes.subarray(whole) : undefined;
      const samples = new Float32Array(whole / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2) / 32768;
      try {
        stream.push(converter ? converter.process(samples) : samples);
      } catch (error) {
        ws.close(1011, truncateReason((error as Error).message));
      }
    });
    ws.on('close', () => {
      stream.close();
      open--;
      metrics.streams.set(open);
    });
    ws.on('error', () => ws.terminate());
  }

  return {
    server,
    async listen(port: number, hostname: string): Promise<number> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, hostname, () => resolve());
      });
      return (server.address() as AddressInfo).port;
    },
    async close(): Promise<void> {
      for (const client of wss.clients) client.close(1001, 'the models host is stopping');
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** WebSocket close reasons are at most 123 bytes. */
function truncateReason(reason: string): string {
  let out = reason;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}
