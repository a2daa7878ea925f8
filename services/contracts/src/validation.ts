import type { z } from 'zod';

/** One failing field, as an API error lists it: `path` is dotted (`llm.model`, `tools.0.url`). */
export interface FieldIssue {
  path: string;
  message: string;
}

export function describeIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

/** A one-line summary for logs and exceptions: `llm.model: Required; language: Invalid`. */
export function summarizeIssues(error: z.ZodError): string {
  return describeIssues(error)
    .map((issue) => `${issue.path}: ${issue.message}`)
    .join('; ');
}
