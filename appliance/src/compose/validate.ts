import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ComposeValidation {
  /** false when neither `docker compose` nor `docker-compose` is installed. */
  validated: boolean;
  tool?: string;
  ok?: boolean;
  output?: string;
}

async function available(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args, { timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/** Runs `docker-compose config -q` (or `docker compose config -q`) on a rendered file and its `.env`. */
export async function validateCompose(composeFile: string, projectDir: string): Promise<ComposeValidation> {
  const tools: [string, string[]][] = [
    ['docker-compose', []],
    ['docker', ['compose']],
  ];
  for (const [command, prefix] of tools) {
    if (!(await available(command, [...prefix, 'version']))) continue;
    const tool = [command, ...prefix].join(' ');
    try {
      const { stdout, stderr } = await run(
        command,
        [...prefix, '--project-directory', projectDir, '-f', composeFile, 'config', '-q'],
        { timeout: 60_000, cwd: projectDir },
      );
      return { validated: true, tool, ok: true, output: `${stdout}${stderr}`.trim() };
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      return { validated: true, tool, ok: false, output: `${e.stderr ?? ''}${e.stdout ?? ''}`.trim() || e.message };
    }
  }
  return { validated: false };
}
