import { z } from 'zod';

/**
 * What the stack supervisor reports while it works: the `speaknode` CLI draws its progress from
 * these, and the console receives them over IPC (plain JSON, checked with `StackEvent.parse` on the
 * receiving side).
 */
export const SERVICE_PHASES = [
  'waiting',
  'creating',
  'starting',
  'health-wait',
  'healthy',
  'running',
  'completed',
  'unchanged',
  'failed',
  'skipped',
  'stopping',
  'stopped',
  'removed',
  'restarting',
  'upgrading',
  'upgraded',
  'rolled-back',
] as const;
export const ServicePhase = z.enum(SERVICE_PHASES);
export type ServicePhase = z.infer<typeof ServicePhase>;

export const StackEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('network'), name: z.string(), action: z.enum(['created', 'exists', 'removed']) }),
  z.object({ type: z.literal('volume'), name: z.string(), action: z.enum(['created', 'exists', 'removed']) }),
  z.object({
    type: z.literal('image'),
    image: z.string(),
    action: z.enum(['present', 'pulling', 'pulled', 'loading', 'loaded', 'missing', 'built']),
  }),
  z.object({
    type: z.literal('pull-progress'),
    image: z.string(),
    layer: z.string(),
    status: z.string(),
    current: z.number().optional(),
    total: z.number().optional(),
  }),
  /** `speaknode images build`: compiling the service, then each Dockerfile step. */
  z.object({
    type: z.literal('image-build'),
    image: z.string(),
    step: z.enum(['compiling', 'compiled', 'step']),
    detail: z.string().optional(),
  }),
  z.object({
    type: z.literal('service'),
    service: z.string(),
    phase: ServicePhase,
    detail: z.string().optional(),
    elapsedMs: z.number().optional(),
  }),
  z.object({
    type: z.literal('watch'),
    service: z.string(),
    event: z.enum(['crashed', 'health', 'restarted', 'started', 'stopped', 'gave-up']),
    detail: z.string().optional(),
    exitCode: z.number().optional(),
    health: z.string().optional(),
  }),
]);
export type StackEvent = z.infer<typeof StackEvent>;
