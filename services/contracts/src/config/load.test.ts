import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.ts';
import { ControlConfig, ModelsConfig, WebhooksConfig } from './services.ts';

function problemsOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts in embedded mode with nothing set', () => {
    const config = loadConfig('control', ControlConfig, {});
    expect(config.PORT).toBe(8080);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.SPEAKNODE_OIDC_AUDIENCE).toBe('speaknode-control');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig('control', ControlConfig, { PORT: '' }).PORT).toBe(8080);
  });

  it('names the variable, says what is expected and shows the bad value', () => {
    const error = problemsOf(() => loadConfig('control', ControlConfig, { PORT: 'eighty', DATABASE_URL: 'mysql://x' }));
    expect(error.problems.map((p) => p.variable).sort()).toEqual(['DATABASE_URL', 'PORT']);
    expect(error.message).toContain('PORT: must be a number');
    expect(error.message).toContain('(got "eighty")');
    expect(error.message).toMatch(
      /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL; expected a PostgreSQL URL/,
    );
  });

  it('never echoes a secret', () => {
    const error = problemsOf(() => loadConfig('control', ControlConfig, { SPEAKNODE_CREDENTIALS_KEY: 'hunter2' }));
    expect(error.message).toContain('SPEAKNODE_CREDENTIALS_KEY');
    expect(error.message).not.toContain('hunter2');
  });

  it('asks for the LiveKit keys when only the URL is set', () => {
    const error = problemsOf(() => loadConfig('webhooks', WebhooksConfig, { LIVEKIT_URL: 'ws://livekit:7880' }));
    expect(error.problems).toEqual([
      { variable: 'LIVEKIT_API_KEY', message: 'is required when LIVEKIT_URL is set; expected the LiveKit API key' },
      {
        variable: 'LIVEKIT_API_SECRET',
        message: 'is required when LIVEKIT_URL is set; expected secret: the LiveKit API secret',
      },
    ]);
  });

  it('parses booleans and enums strictly', () => {
    expect(loadConfig('models', ModelsConfig, { MODELS_PRELOAD: 'no', MODELS_DEVICE: 'cuda' })).toMatchObject({
      MODELS_PRELOAD: false,
      MODELS_DEVICE: 'cuda',
    });
    const error = problemsOf(() =>
      loadConfig('models', ModelsConfig, { MODELS_PRELOAD: 'maybe', MODELS_DEVICE: 'tpu' }),
    );
    expect(error.message).toContain('MODELS_PRELOAD: must be true/false');
    expect(error.message).toContain('MODELS_DEVICE: must be one of cpu, cuda');
  });
});
