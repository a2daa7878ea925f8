/**
 * Export over OTLP/HTTP to the collector and to Langfuse's OTLP endpoint, against local HTTP
 * servers that record what arrives (the protobuf body is checked for the span and call id).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentWorkerConfig } from '@speaknode/contracts/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telemetryOptionsOf } from '../setup.ts';
import { CALL_ID } from '../testing/fixtures.ts';
import { setupTelemetry, speaknodeTracer, withCallContext } from './telemetry.ts';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

async function recorder(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

let collector: Awaited<ReturnType<typeof recorder>>;
let langfuse: Awaited<ReturnType<typeof recorder>>;

beforeAll(async () => {
  collector = await recorder();
  langfuse = await recorder();
});

afterAll(async () => {
  for (const { server } of [collector, langfuse]) {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

describe('span export', () => {
  it('sends the service token only when the OTLP endpoint is control itself', async () => {
    const base = {
      CONTROL_URL: 'http://127.0.0.1:8080',
      SPEAKNODE_OIDC_ISSUER: 'http://127.0.0.1:8080/oidc',
      SPEAKNODE_SERVICE_CLIENT_ID: 'agent',
      SPEAKNODE_SERVICE_CLIENT_SECRET: 'agent-secret',
    } as AgentWorkerConfig;
    expect(
      telemetryOptionsOf({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:8080' }).otlpHeaders,
    ).toBeTypeOf('function');
    expect(
      telemetryOptionsOf({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' }).otlpHeaders,
    ).toBeUndefined();
  });

  it('sends spans with the call id to the OTLP collector and to Langfuse with its keys', async () => {
    const telemetry = setupTelemetry({
      otlpEndpoint: collector.url,
      otlpHeaders: async () => ({ authorization: 'Bearer service-token' }),
      langfuse: { baseUrl: langfuse.url, publicKey: 'pk-lf-test', secretKey: 'sk-lf-test' },
    });
    expect(telemetry.exportsTo).toEqual([`otlp ${collector.url}`, `langfuse ${langfuse.url}`]);
    withCallContext({ callId: CALL_ID }, () => {
      speaknodeTracer().startActiveSpanSync((span) => span.setAttribute('probe', 1), {
        name: 'speaknode.export_probe',
      });
    });
    await telemetry.forceFlush();

    expect(collector.received.map((r) => r.path)).toEqual(['/v1/traces']);
    expect(collector.received[0]?.headers['content-type']).toBe('application/x-protobuf');
    expect(collector.received[0]?.body.includes(Buffer.from('speaknode.export_probe'))).toBe(true);
    expect(collector.received[0]?.body.includes(Buffer.from(CALL_ID))).toBe(true);
    expect(collector.received[0]?.headers.authorization).toBe('Bearer service-token');

    expect(langfuse.received.map((r) => r.path)).toEqual(['/api/public/otel/v1/traces']);
    expect(langfuse.received[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('pk-lf-test:sk-lf-test').toString('base64')}`,
    );
    expect(langfuse.received[0]?.body.includes(Buffer.from('speaknode.export_probe'))).toBe(true);
    // Real-time ingestion, and each call one Langfuse session.
    expect(langfuse.received[0]?.headers['x-langfuse-ingestion-version']).toBe('4');
    expect(langfuse.received[0]?.body.includes(Buffer.from('session.id'))).toBe(true);
    expect(langfuse.received[0]?.body.includes(Buffer.from('langfuse.trace.name'))).toBe(true);
    await telemetry.shutdown();
  });
});
