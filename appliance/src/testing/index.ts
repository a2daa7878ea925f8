/**
 * Test helpers for packages that drive the appliance (the desktop console): a private dockerd,
 * busybox-static images, stand-in services, and the SecretStore contract suite.
 * `@speaknode/appliance/testing`; never imported by production code.
 */
export * from '../secrets/secret-store.contract.ts';
export * from './private-engine.ts';
export * from './stand-in-stack.ts';
