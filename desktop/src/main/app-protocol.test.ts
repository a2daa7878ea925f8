import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appFileFor, deepLinkTarget, withAppCors } from './app-protocol.ts';

const DIR = '/opt/speaknode/renderer';

describe('the app:// scheme', () => {
  it('serves the renderer’s files with their types, index.html for the bare origin', () => {
    expect(appFileFor('app://console/', DIR)).toEqual({
      file: join(DIR, 'index.html'),
      contentType: 'text/html; charset=utf-8',
    });
    expect(appFileFor('app://console/assets/index-abc.js', DIR)).toEqual({
      file: join(DIR, 'assets/index-abc.js'),
      contentType: 'text/javascript',
    });
    expect(appFileFor('app://console/data.bin', DIR)?.contentType).toBe('application/octet-stream');
  });

  it('never leaves the renderer folder', () => {
    for (const url of [
      'app://console/..%2f..%2fetc%2fpasswd',
      'app://console/%2e%2e/%2e%2e/etc/passwd',
      'app://console/assets/..%2f..%2f..%2fetc/passwd',
      'app://console/..%5c..%5cwindows',
      'app://console/index.html%00.png',
      'app://console/%E0%A4%A',
    ]) {
      const target = appFileFor(url, DIR);
      if (target) expect(target.file.startsWith(`${DIR}/`), url).toBe(true);
    }
    // Dot segments resolve against the renderer folder's root, not above it.
    expect(appFileFor('app://console/..%2f..%2fetc%2fpasswd', DIR)?.file).toBe(join(DIR, 'etc/passwd'));
    expect(appFileFor('app://console/index.html%00.png', DIR)).toBeUndefined();
    expect(appFileFor('app://console/%E0%A4%A', DIR)).toBeUndefined();
  });
});

describe('deep links', () => {
  it('open the route they name in the app, stripped of anything but path characters', () => {
    expect(deepLinkTarget('speaknode://agents/7f3c')).toBe('app://console/index.html#/agents/7f3c');
    expect(deepLinkTarget('speaknode://calls/1?x=<script>')).toBe('app://console/index.html#/calls/1xscript');
    expect(deepLinkTarget('speaknode://javascript:alert(1)')).toBe('app://console/index.html#/javascriptalert1');
  });
  it('ignore anything that is not a speaknode:// link', () => {
    expect(deepLinkTarget(undefined)).toBeUndefined();
    expect(deepLinkTarget('https://evil.example/agents')).toBeUndefined();
    expect(deepLinkTarget('--inspect=9229')).toBeUndefined();
  });
});

describe('CORS for the app origin on the control site', () => {
  it('lets app://console read the answers, replacing whatever CORS headers came with them', () => {
    const { responseHeaders, statusLine } = withAppCors({
      method: 'GET',
      responseHeaders: {
        'Content-Type': ['application/json'],
        'Access-Control-Allow-Origin': ['*'],
        'access-control-allow-credentials': ['true'],
      },
    });
    expect(statusLine).toBeUndefined();
    expect(responseHeaders).toEqual({
      'Content-Type': ['application/json'],
      'access-control-allow-origin': ['app://console'],
      'access-control-allow-headers': ['authorization, content-type, accept, dpop'],
      'access-control-allow-methods': ['GET, POST, PUT, PATCH, DELETE'],
      'access-control-expose-headers': ['location, retry-after'],
    });
  });
  it('answers a preflight 204', () => {
    expect(withAppCors({ method: 'OPTIONS' }).statusLine).toBe('HTTP/1.1 204');
  });
});
