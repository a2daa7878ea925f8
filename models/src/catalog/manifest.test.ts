/** The models folder's manifest: corrupt, missing and unlisted files; and the process that reads it. */
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { havePythonOnnx, PYTHON_ONNX_REASON } from '../testing/synthetic-models.ts';
import { makeModelsFolder, SPEECH_MODEL, startTestHost } from '../testing/test-host.ts';
import { MANIFEST_FILE, ManifestError, verifyModelsFolder } from './manifest.ts';

if (!havePythonOnnx) console.info(PYTHON_ONNX_REASON);

const MAIN = join(import.meta.dirname, '../main.ts');

function runMain(env: Record<string, string>, until: (output: string) => boolean) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', MODELS_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise<{ code: number | null; output: string; child: typeof child }>((resolve) => {
    const check = (chunk: Buffer) => {
      output += chunk.toString();
      if (until(output)) resolve({ code: null, output, child });
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', (code) => resolve({ code, output, child }));
  });
}

(havePythonOnnx ? describe : describe.skip)('models folder manifest', () => {
  let pristine: string;
  const dirs: string[] = [];
  const copy = () => {
    const dir = mkdtempSync(join(tmpdir(), 'models-folder-'));
    dirs.push(dir);
    cpSync(pristine, dir, { recursive: true });
    return dir;
  };

  beforeAll(async () => {
    pristine = mkdtempSync(join(tmpdir(), 'models-pristine-'));
    await makeModelsFolder(pristine);
  });
  afterAll(() => {
    for (const dir of [pristine, ...dirs]) rmSync(dir, { recursive: true, force: true });
  });

  it('verifies every listed file', async () => {
    const folder = await verifyModelsFolder(pristine);
    expect(folder.state).toBe('verified');
    if (folder.state === 'verified') {
      expect(folder.manifest.models.map((m) => m.id).sort()).toEqual(['en_US-synthetic-medium', SPEECH_MODEL]);
      expect(folder.verified.size).toBe(Object.keys(folder.manifest.files).length);
    }
  });

  it('names a corrupt file and a missing one', async () => {
    const corrupt = copy();
    appendFileSync(join(corrupt, SPEECH_MODEL, 'decoder_joint-model.onnx'), Buffer.from([0]));
    await expect(verifyModelsFolder(corrupt)).rejects.toThrow(
      new RegExp(
        `model file .*${SPEECH_MODEL}/decoder_joint-model.onnx is corrupt: its SHA-256 is [0-9a-f]{64}, the manifest says`,
      ),
    );
    const missing = copy();
    rmSync(join(missing, SPEECH_MODEL, 'vocab.txt'));
    await expect(verifyModelsFolder(missing)).rejects.toThrow(/vocab.txt is listed in the manifest but missing/);
  });

  it('never loads a model file the manifest does not list', async () => {
    const dir = copy();
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as { files: Record<string, string> };
    delete manifest.files[`${SPEECH_MODEL}/encoder-model.onnx`];
    writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
    const host = await startTestHost({ dir });
    try {
      const ready = (await (await fetch(`${host.url}/readyz`)).json()) as { status: string; problems: string[] };
      expect(ready.status).toBe('not ready');
      expect(ready.problems.join(' ')).toMatch(/encoder-model.onnx is not in .*manifest.json/);
    } finally {
      await host.close();
    }
  });

  it('refuses a manifest whose paths leave the folder', async () => {
    const dir = copy();
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as { files: Record<string, string> };
    manifest.files['../outside.onnx'] = 'a'.repeat(64);
    writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
    await expect(verifyModelsFolder(dir)).rejects.toThrow(ManifestError);
    await expect(verifyModelsFolder(dir)).rejects.toThrow('must be a path inside the models folder');
  });

  it('stops the process with exit code 78 naming a corrupt file', async () => {
    const dir = copy();
    appendFileSync(join(dir, 'piper', 'en_US-synthetic-medium.onnx.json'), ' ');
    const run = await runMain({ MODELS_DIR: dir }, () => false);
    expect(run.code).toBe(78);
    expect(run.output).toMatch(/models: model file .*en_US-synthetic-medium.onnx.json is corrupt/);
  });

  it('starts without a models folder and says at /readyz what is missing', async () => {
    const absent = join(tmpdir(), 'models-absent-folder-that-does-not-exist');
    const run = await runMain({ MODELS_DIR: absent }, (out) => out.includes('models: not ready'));
    try {
      expect(run.code).toBeNull();
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(run.output)?.[1];
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { problems: string[] }).problems).toEqual([
        `there is no models folder at ${absent} (set MODELS_DIR)`,
      ]);
    } finally {
      run.child.kill('SIGTERM');
      await new Promise((resolve) => run.child.once('exit', resolve));
    }
  });
});
