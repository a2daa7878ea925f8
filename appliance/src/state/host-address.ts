import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';

/**
 * This host's primary IPv4 address: the source address of its default route (a UDP "connect" only
 * consults the routing table; nothing is sent), else the first non-loopback interface address.
 * What LiveKit announces when `init` gets no `--public-ip`: right for a LAN or a host with a public
 * address; behind 1:1 NAT the public address must be given.
 */
export async function primaryIpv4(): Promise<string | undefined> {
  const routed = await new Promise<string | undefined>((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    // TEST-NET-1: never a real peer, but routed like the internet.
    socket.connect(9, '192.0.2.1', () => {
      const { address } = socket.address();
      socket.close();
      resolve(address && address !== '0.0.0.0' ? address : undefined);
    });
  });
  if (routed) return routed;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}
