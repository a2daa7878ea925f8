import { z } from 'zod';

export interface ConfigProblem {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `${service}: configuration is not valid:\n` +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n') +
        '\nSet these environment variables and start again.',
    );
    this.name = 'ConfigError';
  }
}

/** The description of a variable's schema, looking through optional/default/pipe wrappers. */
function descriptionOf(schema: z.ZodType | undefined): string | undefined {
  let current: unknown = schema;
  for (let depth = 0; current && depth < 8; depth++) {
    const candidate = current as z.ZodType & { def: { innerType?: unknown; in?: unknown } };
    if (candidate.description) return candidate.description;
    current = candidate.def.innerType ?? candidate.def.in;
  }
  return undefined;
}

type EnvSchema = z.ZodObject | z.ZodPipe<z.ZodObject, z.ZodType>;

function shapeOf(schema: EnvSchema): Record<string, z.ZodType> {
  return (schema instanceof z.ZodObject ? schema.shape : (schema.in as z.ZodObject).shape) as Record<string, z.ZodType>;
}

/**
 * Parses a service's environment once, at start. Every problem names the variable and says what is
 * expected; values of variables whose description marks them secret are never echoed.
 */
export function loadConfig<S extends EnvSchema>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.output<S> {
  const shape = shapeOf(schema);
  // Empty strings mean "unset": `FOO= npm start` should fall back to the default, not fail on "".
  const input: Record<string, string> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data as z.output<S>;

  const problems = result.error.issues.map((issue): ConfigProblem => {
    const variable = String(issue.path[0] ?? '(config)');
    const description = descriptionOf(shape[variable]);
    const given = input[variable];
    const secret = description?.toLowerCase().includes('secret') ?? false;
    let message: string;
    if (given === undefined && issue.code === 'invalid_type') {
      message = `is not set; expected ${description ?? 'a value'}`;
    } else {
      message = `${issue.message}; expected ${description ?? 'a valid value'}`;
      if (given !== undefined && !secret) message += ` (got "${given.length > 80 ? `${given.slice(0, 80)}…` : given}")`;
    }
    return { variable, message };
  });
  throw new ConfigError(service, problems);
}

/** For a service's entry point: print the problems and exit with EX_CONFIG (78) instead of a stack trace. */
export function loadConfigOrExit<S extends EnvSchema>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.output<S> {
  try {
    return loadConfig(service, schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}
