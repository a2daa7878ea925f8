import { ControlConfig, loadConfigOrExit } from '@speaknode/contracts/node';
import { ServiceTokenSource } from '@speaknode/runtime/service-token';
import { controlBaseUrl, embeddedOidcStatePath, loadOrCreateEmbeddedOidcState } from '../embedded-oidc.ts';

/**
 * An admin-API access token from the embedded issuer of a running trial control (same
 * SPEAKNODE_DATA_DIR, PORT/PUBLIC_BASE_URL). The subject is `speaknode-trial-admin`, a user like any
 * other: it creates spaces and owns them. With a real issuer (Keycloak) get tokens from it instead.
 */
export async function trialAdminToken(config: ControlConfig, port = config.PORT): Promise<string> {
  if (config.SPEAKNODE_OIDC_ISSUER) {
    throw new Error(
      'SPEAKNODE_OIDC_ISSUER is set, so control trusts that issuer and has no embedded one: get a token from it',
    );
  }
  const state = await loadOrCreateEmbeddedOidcState(embeddedOidcStatePath(config));
  const source = new ServiceTokenSource({
    issuer: `${controlBaseUrl(config, port)}/oidc`,
    clientId: state.trialAdmin.clientId,
    clientSecret: state.trialAdmin.clientSecret,
  });
  return source.token();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfigOrExit('control', ControlConfig);
  try {
    process.stdout.write(`${await trialAdminToken(config)}\n`);
  } catch (error) {
    process.stderr.write(`control token: ${(error as Error).message}\nIs control running (npm start)?\n`);
    process.exit(1);
  }
}
