import { ref } from '../secrets.ts';
import type { ServiceDefinition } from '../types.ts';
import { daemon, health, type StackContext } from './common.ts';

export const REDIS_URL = `redis://:${ref('REDIS_PASSWORD')}@redis:6379`;

export function redis(_ctx: StackContext): ServiceDefinition {
  return daemon({
    name: 'redis',
    description: 'Redis: cache and rate limits, LiveKit and LiveKit SIP state, Lago and Langfuse queues',
    image: { repository: 'redis', tag: '7.4.1-alpine3.20' },
    command: ['redis-server', '--requirepass', ref('REDIS_PASSWORD'), '--appendonly', 'yes'],
    environment: { REDISCLI_AUTH: ref('REDIS_PASSWORD') },
    healthcheck: health(['CMD', 'redis-cli', 'ping'], { intervalS: 3 }),
    volumes: [{ volume: 'redis-data', target: '/data' }],
    resources: { cpus: 1, memoryMb: 1024 },
  });
}
