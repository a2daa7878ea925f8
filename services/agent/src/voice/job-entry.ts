/**
 * The file the framework's job processes import (`ServerOptions.agent`): each job runs in its own
 * process, so a crashing call never takes the worker down. The process loads Silero VAD once in
 * `prewarm` and keeps a control client and telemetry for the jobs it runs.
 */
import { defineAgent, type JobContext, type JobProcess, log, type VAD } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { AgentWorkerConfig, loadConfig } from '@speaknode/contracts/node';
import { createControlClient, telemetryOptionsOf } from '../setup.ts';
import { setupTelemetry } from '../telemetry/telemetry.ts';
import { runVoiceJob } from './voice-job.ts';

let shared: { config: AgentWorkerConfig; control: ReturnType<typeof createControlClient> } | undefined;

function processShared() {
  if (!shared) {
    const config = loadConfig('agent', AgentWorkerConfig);
    setupTelemetry(telemetryOptionsOf(config));
    shared = { config, control: createControlClient(config) };
  }
  return shared;
}

export default defineAgent({
  prewarm: async (proc: JobProcess) => {
    proc.userData.vad = await silero.VAD.load();
  },
  entry: async (ctx: JobContext) => {
    const { config, control } = processShared();
    const logger = log();
    await runVoiceJob(ctx, {
      config,
      control,
      vad: ctx.proc.userData.vad as VAD | undefined,
      log: (message, extra) => logger.warn({ ...extra, job: ctx.job.id }, message),
    });
  },
});
