import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { StackSettings } from '../stack/settings.ts';
import { livekitConfig, livekitSipConfig } from './livekit.ts';

const settings = (extra: Partial<StackSettings> = {}) => StackSettings.parse({ domain: 'voice.example.com', ...extra });

describe('livekit.yaml', () => {
  it('keeps room auto-create on (LiveKit SIP joins with tokens that carry no roomCreate) and logs through logging.level', () => {
    const config = parse(livekitConfig(settings()));
    expect(config.room.auto_create).toBe(true);
    expect(config.logging).toEqual({ level: 'info' });
    expect(config).not.toHaveProperty('log_level');
  });

  it('announces the given address instead of asking a STUN server', () => {
    const config = parse(livekitConfig(settings({ publicIp: '192.0.2.10' })));
    expect(config.rtc).toMatchObject({ node_ip: '192.0.2.10', use_external_ip: false });
  });
});

describe("LiveKit SIP's config (SIP_CONFIG_BODY)", () => {
  it('takes the public address as nat_1_to_1_ip, never together with use_external_ip', () => {
    const config = parse(livekitSipConfig(settings({ publicIp: '192.0.2.10' })));
    expect(config.nat_1_to_1_ip).toBe('192.0.2.10');
    expect(config).not.toHaveProperty('use_external_ip');
  });

  it('falls back to STUN only without an address', () => {
    const config = parse(livekitSipConfig(settings()));
    expect(config.use_external_ip).toBe(true);
    expect(config).not.toHaveProperty('nat_1_to_1_ip');
  });
});
