import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every module reachable from `file` by relative imports, and the bare specifiers they import. */
function importGraph(file: string, seen = new Set<string>(), bare = new Set<string>()) {
  if (seen.has(file)) return { seen, bare };
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(/(?:import|export)\s[^'"]*?from\s+'([^']+)'/g)) {
    const specifier = match[1]!;
    if (specifier.startsWith('.')) importGraph(join(dirname(file), specifier), seen, bare);
    else bare.add(specifier);
  }
  return { seen, bare };
}

describe('the browser-safe entry', () => {
  it('imports nothing of Node: the console and the widget load it in a browser', () => {
    const { seen, bare } = importGraph(join(import.meta.dirname, 'index.ts'));
    expect(seen.size).toBeGreaterThan(5);
    expect([...bare].filter((specifier) => specifier !== 'zod')).toEqual([]);
    expect([...seen].some((file) => file.includes('/config/'))).toBe(false);
  });

  it('the Node entry carries config loading and the node:crypto helpers', () => {
    const { bare } = importGraph(join(import.meta.dirname, 'node.ts'));
    expect(bare.has('node:crypto')).toBe(true);
  });
});
