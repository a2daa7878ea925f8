import { describe, expect, it } from 'vitest';
import { embedSnippet, loadWidgetScript } from './embed-snippet.ts';

const INTEGRITY = 'sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC';
const answer = (status: number, body: unknown) => async () =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });

describe('the embed snippet', () => {
  it('points at the content-hashed element with its integrity and crossorigin', () => {
    expect(
      embedSnippet('https://speaknode.example.com', 'pk_abc', {
        versionedEntry: 'speaknode-agent.0123456789abcdef.js',
        integrity: INTEGRITY,
      }),
    ).toBe(
      `<script type="module" src="https://speaknode.example.com/widget/v1/speaknode-agent.0123456789abcdef.js" integrity="${INTEGRITY}" crossorigin="anonymous"></script>\n` +
        '<speaknode-agent agent-key="pk_abc" api-base="https://speaknode.example.com"></speaknode-agent>',
    );
  });

  it('falls back to the stable path without integrity when control has no widget manifest', () => {
    expect(embedSnippet('https://speaknode.example.com', 'pk_abc')).toBe(
      '<script type="module" src="https://speaknode.example.com/widget/v1/speaknode-agent.js"></script>\n' +
        '<speaknode-agent agent-key="pk_abc" api-base="https://speaknode.example.com"></speaknode-agent>',
    );
  });
});

describe("reading control's widget manifest", () => {
  it('takes the versioned entry and its integrity from /widget/v1/manifest.json', async () => {
    let asked = '';
    const script = await loadWidgetScript('http://control.test', async (url) => {
      asked = String(url);
      return new Response(
        JSON.stringify({
          version: '0.1.0',
          entry: 'speaknode-agent.js',
          versionedEntry: 'speaknode-agent.0123456789abcdef.js',
          integrity: INTEGRITY,
        }),
      );
    });
    expect(asked).toBe('http://control.test/widget/v1/manifest.json');
    expect(script).toEqual({ versionedEntry: 'speaknode-agent.0123456789abcdef.js', integrity: INTEGRITY });
  });

  it('gives nothing for a missing build, an unreachable control or a manifest it cannot trust', async () => {
    const cases = [
      answer(503, { title: 'Service Unavailable' }),
      answer(200, 'not json'),
      answer(200, null),
      answer(200, { integrity: INTEGRITY }),
      answer(200, { versionedEntry: '../x.js', integrity: INTEGRITY }),
      answer(200, { versionedEntry: 'a.js" onload="x', integrity: INTEGRITY }),
      answer(200, { versionedEntry: 'speaknode-agent.0123456789abcdef.js', integrity: 'sha256-abc' }),
      async () => {
        throw new TypeError('fetch failed');
      },
    ];
    for (const [i, fetchImpl] of cases.entries()) {
      expect(await loadWidgetScript('http://control.test', fetchImpl as typeof fetch), String(i)).toBeUndefined();
    }
  });
});
