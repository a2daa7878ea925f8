/** A models host on 127.0.0.1:0 over a folder of synthetic models, for tests and the benchmark. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../catalog/manifest.ts';
import { type HostSettings, ModelHost } from '../catalog/model-host.ts';
import { scanModelsFolder } from '../catalog/scan-folder.ts';
import { HostMetrics } from '../http/metrics.ts';
import { createModelsServer } from '../http/server.ts';
import { makeSyntheticParakeet, makeSyntheticPiper, type ToneTable } from './synthetic-models.ts';

export const SPEECH_MODEL = 'parakeet-tdt-synthetic';
export const VOICE = 'en_US-synthetic-medium';

/** A models folder with the synthetic Parakeet and Piper voice and its manifest. */
export async function makeModelsFolder(dir: string, options: { heavyLayers?: number } = {}): Promise<ToneTable> {
  const table = makeSyntheticParakeet(join(dir, SPEECH_MODEL), options);
  mkdirSync(join(dir, 'piper'), { recursive: true });
  makeSyntheticPiper(join(dir, 'piper'), VOICE);
  await writeManifest(dir);
  return table;
}

export async function writeManifest(dir: string): Promise<void> {
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(await scanModelsFolder(dir), null, 2));
}

export interface TestHost {
  url: string;
  host: ModelHost;
  metrics: HostMetrics;
  logs: string[];
  close(): Promise<void>;
}

export async function startTestHost(
  settings: Partial<HostSettings> & { dir: string },
  server: { apiToken?: string; maxStreams?: number } = {},
): Promise<TestHost> {
  const metrics = new HostMetrics();
  const logs: string[] = [];
  const log = (level: string, message: string) => {
    logs.push(`${level} ${message}`);
  };
  const host = new ModelHost(
    {
      device: 'cpu',
      threads: 1,
      preload: true,
      sttWorkers: 1,
      maxBatch: 16,
      batchWaitMs: 10,
      maxQueue: 256,
      maxUtteranceSeconds: 60,
      quantization: 'auto',
      maxSymbolsPerFrame: 10,
      ...settings,
    },
    metrics,
    log,
  );
  const api = createModelsServer({
    host,
    metrics,
    log,
    maxStreams: server.maxStreams ?? 10,
    maxBodyBytes: 8 * 1024 * 1024,
    maxTextCharacters: 2000,
    ...(server.apiToken ? { apiToken: server.apiToken } : {}),
  });
  const port = await api.listen(0, '127.0.0.1');
  try {
    await host.start();
  } catch (error) {
    await api.close();
    await host.close();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    host,
    metrics,
    logs,
    async close() {
      await api.close();
      await host.close();
    },
  };
}
