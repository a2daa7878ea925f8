import { ROLES, ServiceRole } from '@speaknode/contracts';
import type { SecretName } from '../stack/secrets.ts';
import { CONTROL_AUDIENCE, SERVICE_CLIENTS } from '../stack/services/speaknode.ts';
import { type PublicUrls, REALM } from '../stack/settings.ts';

export const CONSOLE_CLIENT_ID = 'speaknode-console';

/** The role the webhook receiver's admin API asks for (its WEBHOOKS_ADMIN_ROLE default); the first admin holds it. */
export const PLATFORM_ADMIN_ROLE = 'speaknode:admin';

/**
 * A value Keycloak takes from its own environment when it imports the realm (`${NAME}`: Keycloak
 * resolves placeholders in import files), so the realm file holds no secret. The keycloak service
 * gets each of these variables (`KEYCLOAK_REALM_SECRETS`).
 */
function fromEnvironment(name: SecretName): string {
  return `\${${name}}`;
}

/** The secrets the realm file names: the three client secrets and the first admin's temporary password. */
export const KEYCLOAK_REALM_SECRETS: readonly SecretName[] = [
  ...Object.values(SERVICE_CLIENTS).map((client) => client.secret),
  'KEYCLOAK_FIRST_ADMIN_PASSWORD',
];

/** Puts realm roles into the access token's `roles` claim, where control reads them. */
const rolesMapper = {
  name: 'realm roles',
  protocol: 'openid-connect',
  protocolMapper: 'oidc-usermodel-realm-role-mapper',
  config: {
    'claim.name': 'roles',
    multivalued: 'true',
    'jsonType.label': 'String',
    'access.token.claim': 'true',
    'id.token.claim': 'false',
    'userinfo.token.claim': 'false',
  },
};

/** Adds control's audience to the token so control accepts it. */
const audienceMapper = {
  name: 'control audience',
  protocol: 'openid-connect',
  protocolMapper: 'oidc-audience-mapper',
  config: { 'included.client.audience': CONTROL_AUDIENCE, 'access.token.claim': 'true', 'id.token.claim': 'false' },
};

/**
 * The realm imported at Keycloak's first start: a public PKCE client for the console, one
 * client-credentials client per calling service (its service account holds the matching
 * `ServiceRole`), the resource client control validates audiences against, the space roles, and the
 * first admin (a person: `adminEmail`, a temporary password that must be changed at first sign-in).
 */
export function keycloakRealm(urls: PublicUrls, adminEmail: string): Record<string, unknown> {
  const serviceClients = Object.values(SERVICE_CLIENTS);
  return {
    realm: REALM,
    enabled: true,
    displayName: 'Speaknode',
    sslRequired: urls.keycloak.startsWith('https:') ? 'external' : 'none',
    registrationAllowed: false,
    loginWithEmailAllowed: true,
    bruteForceProtected: true,
    accessTokenLifespan: 300,
    roles: {
      realm: [
        ...ServiceRole.options.map((name) => ({ name, description: `service-to-service calls from ${name.slice(8)}` })),
        ...ROLES.map((role) => ({ name: `space:${role}`, description: `default space role ${role}` })),
        { name: PLATFORM_ADMIN_ROLE, description: "manages the webhook receiver's inbound routes" },
      ],
    },
    clients: [
      {
        clientId: CONSOLE_CLIENT_ID,
        name: 'Speaknode console',
        publicClient: true,
        standardFlowEnabled: true,
        directAccessGrantsEnabled: false,
        implicitFlowEnabled: false,
        serviceAccountsEnabled: false,
        redirectUris: [`${urls.control}/*`, 'http://127.0.0.1/*', 'http://localhost/*', 'speaknode://auth/callback'],
        webOrigins: ['+'],
        attributes: { 'pkce.code.challenge.method': 'S256', 'post.logout.redirect.uris': '+' },
        protocolMappers: [rolesMapper, audienceMapper],
      },
      {
        clientId: CONTROL_AUDIENCE,
        name: 'Speaknode control API (audience)',
        bearerOnly: true,
        publicClient: false,
        standardFlowEnabled: false,
      },
      ...serviceClients.map((client) => ({
        clientId: client.clientId,
        name: `Speaknode ${client.role.slice(8)} service`,
        publicClient: false,
        clientAuthenticatorType: 'client-secret',
        secret: fromEnvironment(client.secret),
        serviceAccountsEnabled: true,
        standardFlowEnabled: false,
        directAccessGrantsEnabled: false,
        implicitFlowEnabled: false,
        protocolMappers: [rolesMapper, audienceMapper],
      })),
    ],
    users: [
      {
        username: adminEmail,
        email: adminEmail,
        emailVerified: true,
        enabled: true,
        credentials: [{ type: 'password', value: fromEnvironment('KEYCLOAK_FIRST_ADMIN_PASSWORD'), temporary: true }],
        requiredActions: ['UPDATE_PASSWORD'],
        realmRoles: [PLATFORM_ADMIN_ROLE],
      },
      ...serviceClients.map((client) => ({
        username: `service-account-${client.clientId}`,
        enabled: true,
        serviceAccountClientId: client.clientId,
        realmRoles: [client.role],
      })),
    ],
  };
}
