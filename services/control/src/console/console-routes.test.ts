import { describe, expect, it } from 'vitest';
import { consoleCsp } from './console-routes.ts';

describe('the console’s content security policy', () => {
  it('lets the page talk to this site only without LiveKit', () => {
    expect(consoleCsp()).toContain("connect-src 'self';");
  });

  it('adds the LiveKit server’s WebSocket and HTTP origins when LiveKit is configured', () => {
    expect(consoleCsp('wss://livekit.example:7880/')).toContain(
      "connect-src 'self' wss://livekit.example:7880 https://livekit.example:7880;",
    );
    expect(consoleCsp('ws://127.0.0.1:7880')).toContain(
      "connect-src 'self' ws://127.0.0.1:7880 http://127.0.0.1:7880;",
    );
  });
});
