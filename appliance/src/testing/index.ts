/**
 * Test helpers for packages that drive the appliance (the desktop console): a private dockerd,
 * busybox-static images, stand-in services, the SecretStore contract suite, and a private keyring
 * (D-Bus session + gnome-keyring) for keytar.
 * `@speaknode/appliance/testing`; never imported by production code.
 */
export * from '../secrets/secret-store.contract.ts';
export * from './keyring.ts';
export * from './private-engine.ts';
export * from './stand-in-stack.ts';
