import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverServices } from './services.ts';

describe('discoverServices', () => {
  it('lists workspaces that declare an existing entry point and a port, in workspace order', () => {
    const root = mkdtempSync(join(tmpdir(), 'speaknode-start-'));
    const write = (path: string, body: unknown) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), typeof body === 'string' ? body : JSON.stringify(body));
    };
    write('package.json', { name: 'root', workspaces: ['svc/b', 'svc/a', 'lib', 'svc/missing', 'svc/nomain'] });
    write('svc/b/package.json', {
      name: '@speaknode/b',
      description: 'B',
      speaknode: { main: 'src/main.ts', port: 9002 },
    });
    write('svc/b/src/main.ts', '');
    write('svc/a/package.json', { name: '@speaknode/a', speaknode: { main: 'src/main.ts', port: 9001 } });
    write('svc/a/src/main.ts', '');
    write('lib/package.json', { name: '@speaknode/lib' });
    write('svc/nomain/package.json', { name: '@speaknode/nomain', speaknode: { main: 'src/main.ts', port: 9003 } });
    expect(discoverServices(root)).toEqual([
      { name: 'b', description: 'B', main: join('svc/b', 'src/main.ts'), port: 9002 },
      { name: 'a', description: '', main: join('svc/a', 'src/main.ts'), port: 9001 },
    ]);
  });
});
