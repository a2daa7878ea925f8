import { KEYCLOAK_REALM_SECRETS } from '../../config-files/keycloak-realm.ts';
import { ref } from '../secrets.ts';
import type { ServiceDefinition } from '../types.ts';
import { daemon, health, type StackContext } from './common.ts';

export const KEYCLOAK_INTERNAL_URL = 'http://keycloak:8080';

export function keycloak({ settings, urls }: StackContext): ServiceDefinition {
  return daemon({
    name: 'keycloak',
    description: 'Keycloak: OIDC issuer for the console, the APIs and service-to-service tokens',
    image: { repository: 'quay.io/keycloak/keycloak', tag: '26.0.7' },
    command: ['start', '--import-realm'],
    environment: {
      KC_DB: 'postgres',
      KC_DB_URL: 'jdbc:postgresql://postgres:5432/keycloak',
      KC_DB_USERNAME: 'keycloak',
      KC_DB_PASSWORD: ref('KEYCLOAK_DB_PASSWORD'),
      KC_BOOTSTRAP_ADMIN_USERNAME: 'admin',
      KC_BOOTSTRAP_ADMIN_PASSWORD: ref('KEYCLOAK_ADMIN_PASSWORD'),
      // Tokens carry the public issuer; services inside the network may still call keycloak:8080.
      KC_HOSTNAME: urls.keycloak,
      KC_HOSTNAME_BACKCHANNEL_DYNAMIC: 'true',
      KC_HTTP_ENABLED: 'true',
      KC_HEALTH_ENABLED: 'true',
      // Behind the TLS-terminating proxy, trust its X-Forwarded-* headers; without one there are none.
      ...(settings.tls === 'external' ? { KC_PROXY_HEADERS: 'xforwarded' } : {}),
      // The realm file's `${…}` placeholders: Keycloak resolves them from here when it imports the realm.
      ...Object.fromEntries(KEYCLOAK_REALM_SECRETS.map((name) => [name, ref(name)])),
    },
    // The image has bash but neither curl nor wget: probe the management port's readiness by hand.
    healthcheck: health(
      [
        'CMD-SHELL',
        "exec 3<>/dev/tcp/127.0.0.1/9000 && printf 'GET /health/ready HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"UP\"' <&3",
      ],
      { intervalS: 5, startPeriodS: 60, retries: 20 },
    ),
    dependsOn: { postgres: 'service_healthy' },
    configFiles: [{ file: 'keycloak-realm.json', target: '/opt/keycloak/data/import/speaknode-realm.json' }],
    ports: [
      {
        host: settings.ports.keycloak,
        container: 8080,
        protocol: 'tcp',
        bind: '0.0.0.0',
        purpose: 'sign-in for the console and the APIs (OIDC)',
      },
    ],
    resources: { cpus: 2, memoryMb: 1536 },
  });
}
