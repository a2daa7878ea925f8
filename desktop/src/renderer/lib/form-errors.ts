/**
 * A form's API error split the way the pages show it: field messages beside their fields, and the
 * problem itself (title and detail) only when no field of the form carries it.
 */
import { ApiProblem } from './api/control-client.ts';

export function fieldError(error: unknown, path: string): string | undefined {
  return error instanceof ApiProblem ? error.fieldError(path) : undefined;
}

/** The error to show above the form: undefined when every `errors[]` entry is beside one of `paths`. */
export function formProblem(error: unknown, paths: readonly string[]): unknown {
  if (!(error instanceof ApiProblem)) return error;
  const errors = error.problem.errors ?? [];
  if (errors.length > 0 && errors.every((e) => paths.includes(e.path))) return undefined;
  return error;
}
