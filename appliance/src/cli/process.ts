import type { CliIo } from './main.ts';

type Main = (argv: string[], io: CliIo) => Promise<number>;

/**
 * Runs the CLI as this process: stdout and stderr, the environment, and Ctrl-C. The first SIGINT
 * (or SIGTERM) aborts the running operation through its `AbortSignal` — it stops before its next step,
 * says so and exits 130, and the next `speaknode up` repairs what was half done; a second one quits at
 * once. A reader that goes away (`speaknode status | head -1`) is no error of ours: the process ends
 * quietly with the exit code it has.
 */
export async function runFromProcess(main: Main, argv = process.argv.slice(2)): Promise<void> {
  guardOutput();
  const controller = new AbortController();
  // Until the command says it stops on the signal (the engine's operations do), Ctrl-C quits at once,
  // as it always has: a prompt of `init` or a `compose` has nothing to cancel cleanly.
  let cancellable = false;
  const interrupt = (signal: NodeJS.Signals) => {
    if (!cancellable || controller.signal.aborted) process.exit(130);
    if (signal === 'SIGINT') process.stderr.write('\ncancelling (Ctrl-C again quits at once)…\n');
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    process.exitCode = await main(argv, {
      ...processIo(),
      signal: controller.signal,
      cancellable: () => {
        cancellable = true;
      },
    });
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

/** This process's output, input and environment as the CLI takes them. */
export function processIo(): CliIo {
  return {
    write: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stdout.isTTY),
    stdin: process.stdin,
    env: process.env,
  };
}

let guarded = false;

/** A reader that goes away (EPIPE) ends the process quietly with the exit code it has. */
export function guardOutput(): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
}
