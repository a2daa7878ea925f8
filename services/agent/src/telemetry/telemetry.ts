/**
 * OpenTelemetry for conversations. The framework already opens spans for the session, each user
 * and agent turn, end-of-utterance detection, LLM and TTS requests (time to first token/byte) and
 * function tools; we add the HTTP tool span and put the call id on every span of a session, then
 * export over OTLP (the stack's collector, or control's own ingest on the embedded default) and to
 * Langfuse's OTLP endpoint when configured. The per-turn analytics spans are in turn-telemetry.ts.
 */
import { telemetry } from '@livekit/agents';
import { type Span as ApiSpan, type Context, context, createContextKey } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { CallLabelAttributes } from '@speaknode/contracts';

export const CALL_ID_ATTRIBUTE = CallLabelAttributes.callId;
export const AGENT_ID_ATTRIBUTE = CallLabelAttributes.agentId;
export const SPACE_ID_ATTRIBUTE = CallLabelAttributes.spaceId;
/** Langfuse: one session per call, one trace name for every call's trace. */
export const LANGFUSE_TRACE_NAME = 'speaknode call';

export interface CallLabels {
  callId: string;
  agentId?: string;
  spaceId?: string;
}

/** The attributes that tie a span to its call: our ids, and Langfuse's session and trace attributes. */
export function labelAttributes(labels: CallLabels): Record<string, string> {
  const attributes: Record<string, string> = {
    [CALL_ID_ATTRIBUTE]: labels.callId,
    [CallLabelAttributes.sessionId]: labels.callId,
    'langfuse.trace.name': LANGFUSE_TRACE_NAME,
    'langfuse.trace.metadata.call_id': labels.callId,
  };
  if (labels.agentId) {
    attributes[AGENT_ID_ATTRIBUTE] = labels.agentId;
    attributes['langfuse.trace.metadata.agent_id'] = labels.agentId;
  }
  if (labels.spaceId) {
    attributes[SPACE_ID_ATTRIBUTE] = labels.spaceId;
    attributes['langfuse.trace.metadata.space_id'] = labels.spaceId;
  }
  return attributes;
}

const CALL_KEY = createContextKey('speaknode.call');

/** Runs `fn` so that every span it opens, directly or through the framework, carries the call's ids. */
export function withCallContext<T>(labels: CallLabels, fn: () => T): T {
  return context.with(context.active().setValue(CALL_KEY, labels), fn);
}

function labelsOf(ctx: Context): CallLabels | undefined {
  return ctx.getValue(CALL_KEY) as CallLabels | undefined;
}

/**
 * Copies the call's ids onto each span. The framework sometimes starts spans from contexts it kept
 * (the session's root context) rather than the active one, so a trace that began inside a call
 * context is remembered by trace id as well.
 */
export class CallLabelSpanProcessor implements SpanProcessor {
  private readonly byTrace = new Map<string, CallLabels>();

  onStart(span: Span, parentContext: Context): void {
    const traceId = span.spanContext().traceId;
    const labels = labelsOf(parentContext) ?? labelsOf(context.active()) ?? this.byTrace.get(traceId);
    if (!labels) return;
    span.setAttributes(labelAttributes(labels));
    if (!this.byTrace.has(traceId)) {
      this.byTrace.set(traceId, labels);
      // Bounded: a worker runs for weeks; old traces are long finished.
      if (this.byTrace.size > 10_000) this.byTrace.delete(this.byTrace.keys().next().value as string);
    }
  }

  onEnd(span: ReadableSpan): void {
    if (!span.parentSpanContext) this.byTrace.delete(span.spanContext().traceId);
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {
    this.byTrace.clear();
  }
}

export interface TelemetryOptions {
  serviceName?: string;
  otlpEndpoint?: string;
  /** Headers for the OTLP endpoint, asked for before each export (control's ingest wants a service token). */
  otlpHeaders?: () => Promise<Record<string, string>>;
  langfuse?: { baseUrl: string; publicKey: string; secretKey: string };
  /** Extra exporters (tests pass an InMemorySpanExporter), exported span by span. */
  exporters?: SpanExporter[];
}

export interface Telemetry {
  provider: NodeTracerProvider;
  exportsTo: string[];
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

let installed: Telemetry | undefined;

export function otlpTracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/** Installs the tracer provider for this process (once; later calls return the first). */
export function setupTelemetry(options: TelemetryOptions): Telemetry {
  if (installed) return installed;
  // The framework registers its content-redaction processor through the fanout (it honours
  // OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT); it sits before the exporters.
  const fanout = new telemetry.FanoutSpanProcessor();
  const processors: SpanProcessor[] = [new CallLabelSpanProcessor(), fanout];
  const exportsTo: string[] = [];
  if (options.otlpEndpoint) {
    processors.push(
      new BatchSpanProcessor(
        new OTLPTraceExporter({
          url: otlpTracesUrl(options.otlpEndpoint),
          ...(options.otlpHeaders ? { headers: options.otlpHeaders } : {}),
        }),
      ),
    );
    exportsTo.push(`otlp ${options.otlpEndpoint}`);
  }
  if (options.langfuse) {
    const auth = Buffer.from(`${options.langfuse.publicKey}:${options.langfuse.secretKey}`).toString('base64');
    processors.push(
      new BatchSpanProcessor(
        new OTLPTraceExporter({
          url: `${options.langfuse.baseUrl.replace(/\/$/, '')}/api/public/otel/v1/traces`,
          // Version 4 is Langfuse's real-time OTLP ingestion path (spans visible at once, not after a delay).
          headers: { authorization: `Basic ${auth}`, 'x-langfuse-ingestion-version': '4' },
        }),
      ),
    );
    exportsTo.push(`langfuse ${options.langfuse.baseUrl}`);
  }
  for (const exporter of options.exporters ?? []) processors.push(new SimpleSpanProcessor(exporter));

  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'speaknode-agent' }),
    spanProcessors: processors,
  });
  // Installs the AsyncLocalStorage context manager that span nesting needs.
  provider.register();
  telemetry.setTracerProvider(provider, { registerSpanProcessor: (processor) => fanout.add(processor) });
  installed = {
    provider,
    exportsTo,
    shutdown: () => provider.shutdown(),
    forceFlush: () => provider.forceFlush(),
  };
  return installed;
}

/** The tracer our own spans (HTTP tools, session lifecycle) come from. */
export function speaknodeTracer() {
  return telemetry.tracer;
}

export type { ApiSpan };
