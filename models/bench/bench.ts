/**
 * `npm run bench -w @speaknode/models`: the host's own cost per request and what batching buys.
 *
 * On a synthetic Parakeet with the real interface and the real joint's width, and an encoder of
 * BENCH_ENCODER_LAYERS feed-forward layers (1024 → 4096 → 1024, 8.4 M multiply-adds per frame each).
 * The default, 72, is about the compute of Parakeet TDT 0.6B's encoder per 80 ms frame (each of its
 * ~600 M weights is used once per frame), so the overhead share is the one a real model sees; the
 * overhead in milliseconds does not depend on it (BENCH_ENCODER_LAYERS=4 shows it on a light one).
 *  - overhead: 3 s utterances posted one at a time over HTTP; per request, everything outside
 *    onnxruntime's runs (WAV parsing, features, the decoding loop, batching, worker messages,
 *    HTTP) as a share of the time inside them (Server-Timing encoder + joint). Target ≤ 5 %.
 *  - batching: 16 concurrent 3 s utterances against the same 16 one at a time, same host.
 * With SPEAKNODE_PARAKEET_DIR (a real model folder): RTFx on espeak-ng speech and p50/p99 latency
 * of a 3 s utterance; with MODELS_DEVICE=cuda, RTFx at batch 32. The last line is one JSON object.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav, toPcm16 } from '../src/audio/wav.ts';
import type { Device } from '../src/inference/onnx-session.ts';
import { haveSpeechTools, speak } from '../src/testing/speech.ts';
import { makeSyntheticParakeet, toneUtterance } from '../src/testing/synthetic-models.ts';
import { startTestHost, type TestHost, writeManifest } from '../src/testing/test-host.ts';

const LAYERS = Number(process.env.BENCH_ENCODER_LAYERS ?? 72);
const SEQUENTIAL = Number(process.env.BENCH_REQUESTS ?? 12);
const DEVICE = (process.env.MODELS_DEVICE ?? 'cpu') as Device;

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function serverTiming(header: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of header.split(',')) {
    const match = /^\s*(\w+);dur=([\d.]+)/.exec(part);
    if (match) out[match[1] as string] = Number(match[2]);
  }
  return out;
}

async function transcribe(host: TestHost, model: string, wav: Buffer) {
  const started = performance.now();
  const res = await fetch(`${host.url}/v1/stt/transcribe?model=${model}`, {
    method: 'POST',
    headers: { 'content-type': 'audio/wav' },
    body: new Uint8Array(wav),
  });
  const body = (await res.json()) as { text?: string; detail?: string };
  if (!res.ok) throw new Error(`transcribe answered ${res.status}: ${body.detail}`);
  const header = res.headers.get('server-timing') ?? '';
  return { wallMs: performance.now() - started, timing: serverTiming(header), header, text: body.text ?? '' };
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

async function synthetic() {
  const dir = mkdtempSync(join(tmpdir(), 'models-bench-'));
  try {
    const id = 'parakeet-tdt-synthetic';
    process.stderr.write(`bench: building the synthetic Parakeet (${LAYERS} encoder layers)…\n`);
    const table = makeSyntheticParakeet(join(dir, id), { heavyLayers: LAYERS });
    await writeManifest(dir);
    const host = await startTestHost({ dir, device: DEVICE, threads: 0, maxBatch: 16, batchWaitMs: 10 });
    try {
      // 3.04 s: 38 encoder frames of tones and silence.
      const utterance = toneUtterance(table, [
        [null, 4],
        ['▁book', 6],
        ['▁a', 4],
        [null, 4],
        ['▁clean', 8],
        ['ing', 6],
        ['.', 2],
        [null, 4],
      ]);
      const wav = encodeWav(toPcm16(utterance), 16_000);
      for (let i = 0; i < 3; i++) await transcribe(host, id, wav);
      const runs: Awaited<ReturnType<typeof transcribe>>[] = [];
      for (let i = 0; i < SEQUENTIAL; i++) runs.push(await transcribe(host, id, wav));
      const ort = runs.map((r) => (r.timing.encoder ?? 0) + (r.timing.joint ?? 0));
      const overhead = runs.map((r, i) => r.wallMs - (ort[i] as number));
      const part = (name: string) => round(sum(runs.map((r) => r.timing[name] ?? 0)) / runs.length, 3);

      const oneAtATimeStarted = performance.now();
      for (let i = 0; i < 16; i++) await transcribe(host, id, wav);
      const oneAtATimeSeconds = (performance.now() - oneAtATimeStarted) / 1000;
      const concurrentStarted = performance.now();
      const concurrent = await Promise.all(Array.from({ length: 16 }, () => transcribe(host, id, wav)));
      const concurrentSeconds = (performance.now() - concurrentStarted) / 1000;
      return {
        encoderLayers: LAYERS,
        utteranceSeconds: round(utterance.length / 16_000),
        text: runs[0]?.text,
        requests: SEQUENTIAL,
        inferenceMsMean: round(sum(ort) / runs.length),
        overheadMsMean: round(sum(overhead) / runs.length),
        overheadShare: round(sum(overhead) / sum(ort), 4),
        overheadParts: { featuresMs: part('features'), decodeLoopMs: part('decode'), queueMs: part('queue') },
        batching: {
          oneAtATimePerSecond: round(16 / oneAtATimeSeconds),
          concurrent16PerSecond: round(16 / concurrentSeconds),
          speedup: round(oneAtATimeSeconds / concurrentSeconds),
          largestBatch: Math.max(...concurrent.map((r) => Number(/batch;desc="(\d+)"/.exec(r.header)?.[1] ?? 1))),
        },
      };
    } finally {
      await host.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A folder of links to the real model files with a manifest written for them. */
async function linkedFolder(source: string): Promise<{ dir: string; id: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'models-bench-real-'));
  const id = 'parakeet-real';
  mkdirSync(join(dir, id));
  for (const name of readdirSync(source)) symlinkSync(join(source, name), join(dir, id, name));
  await writeManifest(dir);
  return { dir, id };
}

async function real(source: string) {
  if (!haveSpeechTools) return { skipped: 'espeak-ng and sox are needed for the speech' };
  const { dir, id } = await linkedFolder(source);
  try {
    const host = await startTestHost({ dir, device: DEVICE, threads: 0, maxBatch: 32, batchWaitMs: 10 });
    try {
      const speech = speak('Hello, I would like to book a cleaning for next Tuesday, please.');
      const three = new Float32Array(48_000);
      three.set(speech.subarray(0, 48_000));
      const wav = encodeWav(toPcm16(three), 16_000);
      for (let i = 0; i < 3; i++) await transcribe(host, id, wav);
      const latencies: number[] = [];
      for (let i = 0; i < 20; i++) latencies.push((await transcribe(host, id, wav)).wallMs);
      const result: Record<string, unknown> = {
        device: DEVICE,
        rtfx: round(3 / (quantile(latencies, 0.5) / 1000), 1),
        p50Ms: round(quantile(latencies, 0.5), 1),
        p99Ms: round(quantile(latencies, 0.99), 1),
      };
      if (DEVICE === 'cuda') {
        const started = performance.now();
        await Promise.all(Array.from({ length: 32 }, () => transcribe(host, id, wav)));
        result.rtfxBatch32 = round((32 * 3) / ((performance.now() - started) / 1000), 1);
      }
      return result;
    } finally {
      await host.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const syntheticResult = await synthetic();
const realDir = process.env.SPEAKNODE_PARAKEET_DIR;
const realResult = realDir ? await real(realDir) : { skipped: 'SPEAKNODE_PARAKEET_DIR is not set' };
console.log(`synthetic: ${JSON.stringify(syntheticResult)}`);
console.log(`real: ${JSON.stringify(realResult)}`);
console.log(
  JSON.stringify({
    device: DEVICE,
    cores: cpus().length,
    synthetic: syntheticResult,
    overheadShareTarget: 0.05,
    overheadShareMet: syntheticResult.overheadShare <= 0.05,
    real: realResult,
  }),
);
