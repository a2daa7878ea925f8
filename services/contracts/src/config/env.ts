import { z } from 'zod';

/**
 * Builders for environment variables. Each sets a description that the loader quotes when the
 * variable is missing or wrong, so a person reading the error knows what to put there.
 */

export function envString(description: string) {
  return z.string().min(1).describe(description);
}

export function envUrl(description: string, protocols: readonly string[] = ['http', 'https']) {
  return z
    .string()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      `must be a ${protocols.map((p) => `${p}://`).join(' or ')} URL`,
    )
    .describe(description);
}

export function envPort(defaultPort: number, description = 'a TCP port number (0 picks a free one)') {
  return z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(65_535, 'must be at most 65535')
    .default(defaultPort)
    .describe(description);
}

export function envInt(description: string, options: { min?: number; max?: number; default: number }) {
  let schema = z.coerce.number({ message: 'must be a number' }).int('must be a whole number');
  if (options.min !== undefined) schema = schema.min(options.min, `must be at least ${options.min}`);
  if (options.max !== undefined) schema = schema.max(options.max, `must be at most ${options.max}`);
  return schema.default(options.default).describe(description);
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

export function envBool(defaultValue: boolean, description = 'true or false') {
  return z
    .string()
    .toLowerCase()
    .refine((v) => TRUE.has(v) || FALSE.has(v), 'must be true/false, yes/no, on/off or 1/0')
    .transform((v) => TRUE.has(v))
    .optional()
    .transform((v) => v ?? defaultValue)
    .describe(description);
}

/** Comma-separated values, trimmed, empty entries dropped. */
export function envList(description: string) {
  return z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .describe(description);
}

export function envEnum<const T extends readonly [string, ...string[]]>(
  values: T,
  defaultValue: T[number],
  description?: string,
) {
  return z
    .enum(values, { message: `must be one of ${values.join(', ')}` })
    .default(defaultValue as never)
    .describe(description ?? `one of ${values.join(', ')}`);
}

/** A secret: its value never appears in an error message. */
export function envSecret(description: string, minLength = 16) {
  return z.string().min(minLength, `must be at least ${minLength} characters`).describe(`secret: ${description}`);
}

export const LogLevel = envEnum(['debug', 'info', 'warn', 'error'], 'info');

/** Variables every HTTP service shares. */
export const httpServiceEnv = (defaultPort: number) => ({
  HOST: z
    .string()
    .default('127.0.0.1')
    .describe('the address to listen on; 0.0.0.0 inside the stack network, 127.0.0.1 for a trial'),
  PORT: envPort(defaultPort),
  LOG_LEVEL: LogLevel,
});

/** How a service gets client-credentials tokens to call another service. */
export const serviceCredentialsEnv = {
  SPEAKNODE_OIDC_ISSUER: envUrl('the OIDC issuer URL (Keycloak realm URL in the stack)').optional(),
  SPEAKNODE_SERVICE_CLIENT_ID: envString("this service's OIDC client id for client-credentials").optional(),
  SPEAKNODE_SERVICE_CLIENT_SECRET: envSecret("this service's OIDC client secret", 8).optional(),
};

/** Shared by the webhook receiver (signs) and the media bridge (checks): see `signStreamToken`. */
export const streamSecretEnv = {
  SPEAKNODE_STREAM_SECRET: envSecret(
    'signs the tokens phone media streams show the bridge; the same value for webhooks and bridge (openssl rand -base64 32)',
    32,
  ).optional(),
};

export const livekitEnv = {
  LIVEKIT_URL: envUrl('the LiveKit server URL, e.g. ws://livekit:7880', ['ws', 'wss', 'http', 'https']).optional(),
  LIVEKIT_API_KEY: envString('the LiveKit API key').optional(),
  LIVEKIT_API_SECRET: envSecret('the LiveKit API secret', 8).optional(),
};

/** A refinement for schemas that spread `livekitEnv`: a URL without its key pair is a mistake, not a fallback. */
export function requireLivekitKeys(
  env: {
    LIVEKIT_URL?: string | undefined;
    LIVEKIT_API_KEY?: string | undefined;
    LIVEKIT_API_SECRET?: string | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (env.LIVEKIT_URL === undefined) return;
  for (const key of ['LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET'] as const) {
    if (env[key] === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'is required when LIVEKIT_URL is set' });
    }
  }
}
