/**
 * The inbound route page's routing rules as form fields and back: each filter is a path, a test
 * (equals, is one of, exists, does not exist) and its value(s); each rule's transform is an event id
 * path, a subject path and picked fields. Values are read as JSON when they are JSON (`42`, `true`,
 * `null`, `"42"`, `{…}`) and as text otherwise, so `call.completed` needs no quotes. The receiver's
 * schema (services/webhooks/src/inbound/route-definition.ts) decides what is valid; its errors come
 * back with paths like `rules.0.filters.1.path`, which `fieldPaths` names for each field.
 */
import type { WebhooksSchemas } from './api/webhooks-client.ts';

/** A rule as the receiver answers it (every field present), which is also a valid rule to send. */
export type RoutingRule = WebhooksSchemas['InboundRoute']['rules'][number];
export type Topic = RoutingRule['topic'];
export const TOPICS: Topic[] = ['webhooks.inbound', 'webhooks.twilio', 'webhooks.voximplant', 'webhooks.livekit'];

export type FilterTest = 'equals' | 'in' | 'exists' | 'absent';
export interface FilterForm {
  path: string;
  test: FilterTest;
  /** equals: one value; in: one value per line. */
  value: string;
}
export interface PickForm {
  name: string;
  path: string;
}
export interface RuleForm {
  name: string;
  topic: Topic;
  filters: FilterForm[];
  idPath: string;
  subjectPath: string;
  pick: PickForm[];
}

export const newRule = (n: number): RuleForm => ({
  name: n === 1 ? 'default' : `rule-${n}`,
  topic: 'webhooks.inbound',
  filters: [],
  idPath: '',
  subjectPath: '',
  pick: [],
});
export const newFilter = (): FilterForm => ({ path: '', test: 'equals', value: '' });

/** A value as the admin typed it: JSON when it parses, text otherwise. */
export function parseValue(typed: string): unknown {
  const trimmed = typed.trim();
  try {
    return JSON.parse(trimmed);
  } catch {
    return trimmed;
  }
}

/** A value as a field shows it: text as itself (unless it would read back as something else), the rest as JSON. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') {
    const readsBack = parseValue(value);
    return readsBack === value.trim() && value === value.trim() ? value : JSON.stringify(value);
  }
  return JSON.stringify(value);
}

export function toForm(rules: readonly RoutingRule[]): RuleForm[] {
  return rules.map((rule) => ({
    name: rule.name,
    topic: rule.topic ?? 'webhooks.inbound',
    filters: (rule.filters ?? []).map((f): FilterForm => {
      if (f.exists !== undefined) return { path: f.path, test: f.exists ? 'exists' : 'absent', value: '' };
      if (f.in !== undefined) return { path: f.path, test: 'in', value: f.in.map(showValue).join('\n') };
      return { path: f.path, test: 'equals', value: showValue(f.equals) };
    }),
    idPath: rule.transform?.idPath ?? '',
    subjectPath: rule.transform?.subjectPath ?? '',
    pick: Object.entries(rule.transform?.pick ?? {}).map(([name, path]) => ({ name, path })),
  }));
}

/** What the receiver is sent: empty optional fields left out. */
export function fromForm(forms: readonly RuleForm[]): RoutingRule[] {
  return forms.map((form) => {
    const transform: RoutingRule['transform'] = {};
    if (form.idPath.trim()) transform.idPath = form.idPath.trim();
    if (form.subjectPath.trim()) transform.subjectPath = form.subjectPath.trim();
    const picked = form.pick.filter((p) => p.name.trim() || p.path.trim());
    if (picked.length) transform.pick = Object.fromEntries(picked.map((p) => [p.name.trim(), p.path.trim()]));
    return {
      name: form.name.trim(),
      topic: form.topic,
      filters: form.filters.map((f) => {
        const path = f.path.trim();
        if (f.test === 'exists' || f.test === 'absent') return { path, exists: f.test === 'exists' };
        if (f.test === 'in') {
          return {
            path,
            in: f.value
              .split('\n')
              .filter((line) => line.trim() !== '')
              .map(parseValue),
          };
        }
        return { path, equals: parseValue(f.value) };
      }),
      transform,
    };
  });
}

/** The API error paths each field of rule `i` shows (a filter's own error goes beside its value). */
export const fieldPaths = {
  rule: (i: number) => `rules.${i}`,
  name: (i: number) => `rules.${i}.name`,
  topic: (i: number) => `rules.${i}.topic`,
  filters: (i: number) => `rules.${i}.filters`,
  filterPath: (i: number, j: number) => `rules.${i}.filters.${j}.path`,
  filterValue: (i: number, j: number) => [
    `rules.${i}.filters.${j}`,
    `rules.${i}.filters.${j}.equals`,
    `rules.${i}.filters.${j}.in`,
    `rules.${i}.filters.${j}.exists`,
  ],
  idPath: (i: number) => `rules.${i}.transform.idPath`,
  subjectPath: (i: number) => `rules.${i}.transform.subjectPath`,
  pick: (i: number) => `rules.${i}.transform.pick`,
};

/** Every path a field of these rules shows; an error at another `rules…` path is shown above the rules. */
export function shownPaths(forms: readonly RuleForm[]): Set<string> {
  const paths = new Set<string>();
  forms.forEach((form, i) => {
    for (const p of [fieldPaths.rule(i), fieldPaths.name(i), fieldPaths.topic(i), fieldPaths.filters(i)]) paths.add(p);
    for (const p of [fieldPaths.idPath(i), fieldPaths.subjectPath(i), fieldPaths.pick(i)]) paths.add(p);
    form.filters.forEach((_f, j) => {
      paths.add(fieldPaths.filterPath(i, j));
      for (const p of fieldPaths.filterValue(i, j)) paths.add(p);
    });
  });
  return paths;
}
