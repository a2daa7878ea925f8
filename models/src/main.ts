/**
 * The models host process: listens on HOST:PORT (8084) at once, so /healthz answers while model
 * checksums are verified and models load; /readyz turns 200 when they are loaded and warmed.
 * A missing or corrupt model file (checked against the manifest) stops the process with exit code
 * 78 and a message naming the file. Without a models folder it keeps running and /readyz says
 * what is missing.
 */
import { loadConfigOrExit, ModelsConfig } from '@speaknode/contracts/node';
import { ManifestError } from './catalog/manifest.ts';
import { type Log, ModelHost } from './catalog/model-host.ts';
import { HostMetrics } from './http/metrics.ts';
import { createModelsServer } from './http/server.ts';

const config = loadConfigOrExit('models', ModelsConfig);

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const minimum = LEVELS.indexOf(config.LOG_LEVEL);
const log: Log = (level, message, fields) => {
  if (LEVELS.indexOf(level) >= minimum) {
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), service: 'models', level, message, ...fields })}\n`,
    );
  }
};

const metrics = new HostMetrics();
const host = new ModelHost(
  {
    dir: config.MODELS_DIR,
    device: config.MODELS_DEVICE,
    threads: config.MODELS_THREADS,
    preload: config.MODELS_PRELOAD,
    sttWorkers: config.MODELS_STT_WORKERS,
    maxBatch: config.MODELS_STT_MAX_BATCH,
    batchWaitMs: config.MODELS_STT_BATCH_WAIT_MS,
    maxQueue: config.MODELS_STT_MAX_QUEUE,
    maxUtteranceSeconds: config.MODELS_STT_MAX_SECONDS,
    quantization: config.MODELS_STT_QUANTIZATION,
    maxSymbolsPerFrame: config.MODELS_STT_MAX_SYMBOLS_PER_FRAME,
    ...(config.MODELS_VAD_MODEL ? { vadModel: config.MODELS_VAD_MODEL } : {}),
  },
  metrics,
  log,
);
const server = createModelsServer({
  host,
  metrics,
  log,
  ...(config.MODELS_API_TOKEN ? { apiToken: config.MODELS_API_TOKEN } : {}),
  maxStreams: config.MODELS_MAX_STREAMS,
  maxBodyBytes: Math.ceil(config.MODELS_STT_MAX_SECONDS * 48_000 * 2 * 1.05) + 4096,
  maxTextCharacters: config.MODELS_MAX_TTS_CHARACTERS,
});

const port = await server.listen(config.PORT, config.HOST);
process.stdout.write(
  `models listening on http://${config.HOST}:${port} (models folder ${config.MODELS_DIR}, ${config.MODELS_DEVICE})\n`,
);
if (!config.MODELS_API_TOKEN) {
  process.stderr.write(`models: MODELS_API_TOKEN is not set; /v1 is open to whoever reaches ${config.HOST}\n`);
}

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  await server.close().catch(() => {});
  await host.close().catch(() => {});
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0));

try {
  await host.start();
  const { ready, problems } = host.readiness();
  process.stdout.write(ready ? 'models: ready\n' : `models: not ready: ${problems.join('; ')}\n`);
} catch (error) {
  if (error instanceof ManifestError) {
    process.stderr.write(`models: ${error.message}\n`);
    await stop(78);
  }
  throw error;
}
