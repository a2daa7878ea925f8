import { isDeepStrictEqual } from 'node:util';
import type { RouteFilter, RoutingRule } from './route-definition.ts';

/** The value at a dotted path (`a.b.0.c`), or undefined. */
export function valueAt(body: unknown, path: string): unknown {
  let current: unknown = body;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function filterMatches(filter: RouteFilter, body: unknown): boolean {
  const value = valueAt(body, filter.path);
  if (filter.exists !== undefined) return filter.exists === (value !== undefined);
  if (filter.equals !== undefined) return isDeepStrictEqual(value, filter.equals);
  if (filter.in !== undefined) return filter.in.some((candidate) => isDeepStrictEqual(value, candidate));
  return false;
}

/** The first rule whose filters all match. Filters look into JSON bodies; a non-JSON body matches only rules without filters. */
export function matchRule(rules: readonly RoutingRule[], body: unknown, bodyIsJson: boolean): RoutingRule | undefined {
  return rules.find((rule) => rule.filters.every((filter) => bodyIsJson && filterMatches(filter, body)));
}

/** A scalar at `path` as a string for ids and subjects; objects and missing values give undefined. */
export function scalarAt(body: unknown, path: string | undefined): string | undefined {
  if (!path) return undefined;
  const value = valueAt(body, path);
  if (typeof value === 'string' && value.length > 0) return value.slice(0, 150);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** The body the event carries: the whole body, or only the picked fields when the rule says so. */
export function transformBody(rule: RoutingRule, body: unknown, bodyIsJson: boolean): unknown {
  const pick = rule.transform.pick;
  if (!pick || !bodyIsJson) return body;
  const picked: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(pick)) {
    const value = valueAt(body, path);
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}
