import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { primaryIpv4 } from './host-address.ts';

describe('primaryIpv4', () => {
  it("answers one of this host's own non-loopback IPv4 addresses", async () => {
    const own = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    const found = await primaryIpv4();
    if (own.length === 0) expect(found).toBeUndefined();
    else expect(own).toContain(found);
  });
});
