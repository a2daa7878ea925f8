import { ConfigError, ControlConfig, loadConfig } from '@speaknode/contracts/node';
import { describe, expect, it } from 'vitest';

describe('SPEAKNODE_EMBEDDED_CLIENTS', () => {
  it('parses a JSON array of service clients', () => {
    const config = loadConfig('control', ControlConfig, {
      SPEAKNODE_EMBEDDED_CLIENTS: JSON.stringify([
        { clientId: 'hooks', clientSecret: 'a-long-secret', role: 'service:webhooks' },
      ]),
    });
    expect(config.SPEAKNODE_EMBEDDED_CLIENTS).toEqual([
      { clientId: 'hooks', clientSecret: 'a-long-secret', role: 'service:webhooks' },
    ]);
    expect(loadConfig('control', ControlConfig, {}).SPEAKNODE_EMBEDDED_CLIENTS).toBeUndefined();
  });

  it('names the variable for bad JSON or a bad role, and never echoes the secret', () => {
    for (const value of [
      'not json',
      JSON.stringify([{ clientId: 'x', clientSecret: 'hunter2-secret', role: 'root' }]),
    ]) {
      let error: unknown;
      try {
        loadConfig('control', ControlConfig, { SPEAKNODE_EMBEDDED_CLIENTS: value });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems[0]?.variable).toBe('SPEAKNODE_EMBEDDED_CLIENTS');
      expect((error as ConfigError).message).not.toContain('hunter2');
    }
  });
});
