/** The top-level fields an audit entry's change touched, with their values before and after. */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function changedFields(before: unknown, after: unknown): FieldChange[] {
  const b = isRecord(before) ? before : {};
  const a = isRecord(after) ? after : {};
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter(
    (f) => f !== 'updatedAt' && JSON.stringify(b[f]) !== JSON.stringify(a[f]),
  );
  return fields.sort().map((field) => ({ field, before: b[field], after: a[field] }));
}

/** A value as one short line for a table cell. */
export function brief(value: unknown): string {
  if (value === undefined) return '—';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
