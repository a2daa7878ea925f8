import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface Receiver {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
}

export interface ReceiverProcessOptions {
  databaseUrl: string;
  dataDir: string;
  kafkaBrokers?: string[];
  publicBaseUrl: string;
  twilioAuthToken: string;
}

/** Starts the receiver (`node --import tsx src/main.ts`) on a data directory that outlives it; resolves once it is listening. */
export async function startReceiverProcess(options: ReceiverProcessOptions): Promise<Receiver> {
  const child = spawnReceiver(options);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1] as string);
    });
    void exited.then((code) => reject(new Error(`the receiver exited (${code}) before listening:\n${stderr}`)));
  });
  return { child, url, exited, stderr: () => stderr };
}

/** Runs a receiver that is expected to refuse to start: its exit code and stderr. */
export async function runRefusedReceiver(
  options: ReceiverProcessOptions,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawnReceiver(options);
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
    // It started after all: stop it so that the test fails on its assertions, not on a timeout.
    if (/listening on/.test(stdout)) child.kill('SIGKILL');
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, stderr, stdout };
}

function spawnReceiver(options: ReceiverProcessOptions): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: options.databaseUrl,
      KAFKA_BROKERS: (options.kafkaBrokers ?? []).join(','),
      SPEAKNODE_DATA_DIR: options.dataDir,
      PUBLIC_BASE_URL: options.publicBaseUrl,
      TWILIO_AUTH_TOKEN: options.twilioAuthToken,
      CONTROL_URL: 'http://127.0.0.1:9',
      SPEAKNODE_OIDC_ISSUER: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
