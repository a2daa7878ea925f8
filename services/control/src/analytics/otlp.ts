/**
 * OTLP/HTTP trace requests in, normalised spans out. Protobuf is decoded with the protobufjs
 * classes that OpenTelemetry generates from the official opentelemetry-proto files
 * (`@opentelemetry/otlp-transformer`); JSON follows the OTLP/JSON mapping (hex ids, int64 as
 * strings or numbers). Both give the same `OtlpSpan`s; anything missing stays undefined.
 */
import { createRequire } from 'node:module';
import { HttpProblem } from '@speaknode/runtime/problem';

type ProtoMessage = {
  decode(data: Uint8Array): unknown;
  toObject(message: unknown, options: Record<string, unknown>): unknown;
  encode(message: unknown): { finish(): Uint8Array };
  fromObject(object: unknown): unknown;
};
const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: ProtoMessage; ExportTraceServiceResponse: ProtoMessage } };
      };
    };
  };
};
const { ExportTraceServiceRequest, ExportTraceServiceResponse } = root.opentelemetry.proto.collector.trace.v1;

export type AttributeValue = string | number | boolean;

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** Milliseconds since the epoch (OTLP carries nanoseconds). */
  startMs?: number;
  endMs?: number;
  attributes: Record<string, AttributeValue>;
}

/** The most spans one request may carry; the SDK's batch processor sends 512 at most. */
export const MAX_SPANS_PER_REQUEST = 10_000;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string')
    return /^[0-9a-f]+$/i.test(value) && value.length > 0 ? value.toLowerCase() : undefined;
  if (value instanceof Uint8Array) return value.length > 0 ? Buffer.from(value).toString('hex') : undefined;
  return undefined;
}

function nanosToMs(value: unknown): number | undefined {
  let nanos: bigint | undefined;
  try {
    if (typeof value === 'string' && /^\d+$/.test(value)) nanos = BigInt(value);
    else if (typeof value === 'number' && Number.isFinite(value) && value >= 0) nanos = BigInt(Math.trunc(value));
  } catch {
    return undefined;
  }
  if (nanos === undefined || nanos === 0n) return undefined;
  return Number(nanos / 1000n) / 1000;
}

function attributeValueOf(value: unknown): AttributeValue | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (typeof value.doubleValue === 'number') return value.doubleValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Spans out of a request object (the protobuf message as a plain object, or parsed JSON). */
function spansOf(request: unknown): OtlpSpan[] {
  if (!isObject(request) || (request.resourceSpans !== undefined && !Array.isArray(request.resourceSpans))) {
    throw HttpProblem.badRequest('not an OTLP ExportTraceServiceRequest: resourceSpans must be a list');
  }
  const spans: OtlpSpan[] = [];
  for (const resource of list(request.resourceSpans)) {
    if (!isObject(resource)) continue;
    for (const scope of list(resource.scopeSpans ?? resource.instrumentationLibrarySpans)) {
      if (!isObject(scope)) continue;
      for (const span of list(scope.spans)) {
        if (spans.length >= MAX_SPANS_PER_REQUEST) {
          throw new HttpProblem(413, 'Too many spans', `at most ${MAX_SPANS_PER_REQUEST} spans per request`);
        }
        if (!isObject(span)) continue;
        const traceId = idOf(span.traceId);
        const spanId = idOf(span.spanId);
        if (!traceId || !spanId) continue;
        const attributes: Record<string, AttributeValue> = {};
        for (const attribute of list(span.attributes)) {
          if (!isObject(attribute) || typeof attribute.key !== 'string') continue;
          const value = attributeValueOf(attribute.value);
          if (value !== undefined) attributes[attribute.key] = value;
        }
        spans.push({
          traceId,
          spanId,
          parentSpanId: idOf(span.parentSpanId),
          name: typeof span.name === 'string' ? span.name : '',
          startMs: nanosToMs(span.startTimeUnixNano),
          endMs: nanosToMs(span.endTimeUnixNano),
          attributes,
        });
      }
    }
  }
  return spans;
}

export type OtlpEncoding = 'protobuf' | 'json';

export function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

export function decodeProtobuf(body: Uint8Array): OtlpSpan[] {
  let message: unknown;
  try {
    message = ExportTraceServiceRequest.decode(body);
  } catch (error) {
    throw HttpProblem.badRequest(`malformed OTLP protobuf: ${(error as Error).message}`);
  }
  return spansOf(ExportTraceServiceRequest.toObject(message, { longs: String, arrays: true }));
}

export function decodeJson(body: unknown): OtlpSpan[] {
  return spansOf(body);
}

/** ExportTraceServiceResponse, with partial success when spans were refused. */
export function encodeResponse(
  encoding: OtlpEncoding,
  rejectedSpans: number,
  errorMessage: string,
): { contentType: string; body: Buffer | string } {
  const partialSuccess = rejectedSpans > 0 || errorMessage ? { rejectedSpans, errorMessage } : undefined;
  if (encoding === 'json') {
    return {
      contentType: 'application/json',
      body: JSON.stringify(
        partialSuccess ? { partialSuccess: { ...partialSuccess, rejectedSpans: String(rejectedSpans) } } : {},
      ),
    };
  }
  const message = ExportTraceServiceResponse.fromObject(partialSuccess ? { partialSuccess } : {});
  return {
    contentType: 'application/x-protobuf',
    body: Buffer.from(ExportTraceServiceResponse.encode(message).finish()),
  };
}

export function decodeResponse(body: Uint8Array): { rejectedSpans: number; errorMessage: string } {
  const object = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(body), { longs: Number }) as {
    partialSuccess?: { rejectedSpans?: number; errorMessage?: string };
  };
  return {
    rejectedSpans: object.partialSuccess?.rejectedSpans ?? 0,
    errorMessage: object.partialSuccess?.errorMessage ?? '',
  };
}
