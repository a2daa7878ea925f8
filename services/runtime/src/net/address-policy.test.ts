import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  AddressRefusedError,
  embeddedIpv4,
  HostAllowList,
  refusedClassOf,
  resolveAllowedAddress,
} from './address-policy.ts';
import { guardedRequest } from './guarded-request.ts';

/** Refused IPv4 addresses, one per class, and the class each must be refused as. */
const REFUSED_V4: Array<[string, string]> = [
  ['127.0.0.1', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.5.4', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.169.254', 'cloud-metadata'],
  ['169.254.1.1', 'link-local'],
  ['100.64.0.1', 'cgnat'],
  ['0.0.0.0', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['240.0.0.1', 'reserved'],
];

const hex = (v4: string) => {
  const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)] as const;
};

/** Every IPv6 spelling that carries `v4`, by form. */
function ipv6Forms(v4: string): Array<[form: string, address: string]> {
  const [hi, lo] = hex(v4);
  const inverted = (h: string) => (~Number.parseInt(h, 16) & 0xffff).toString(16);
  return [
    ['mapped, dotted', `::ffff:${v4}`],
    ['mapped, hex', `::ffff:${hi}:${lo}`],
    ['mapped, expanded', `0000:0000:0000:0000:0000:ffff:${hi.padStart(4, '0')}:${lo.padStart(4, '0')}`],
    ['mapped, upper case', `::FFFF:${hi.toUpperCase()}:${lo.toUpperCase()}`],
    ['compatible, dotted', `::${v4}`],
    ['compatible, hex', `::${hi}:${lo}`],
    ['translated (RFC 6145), dotted', `::ffff:0:${v4}`],
    ['translated (RFC 6145), hex', `::ffff:0:${hi}:${lo}`],
    ['NAT64 well-known', `64:ff9b::${hi}:${lo}`],
    ['NAT64 well-known, dotted', `64:ff9b::${v4}`],
    ['NAT64 local-use', `64:ff9b:1::${hi}:${lo}`],
    ['6to4', `2002:${hi}:${lo}::1`],
    ['Teredo server', `2001:0:${hi}:${lo}::1`],
    ['Teredo client', `2001:0:4136:e378:8000:63bf:${inverted(hi)}:${inverted(lo)}`],
    ['bracketed', `[::ffff:${v4}]`],
  ];
}

describe('the address policy', () => {
  it('refuses every refused IPv4 address in every IPv6 form that embeds it', () => {
    const missed: string[] = [];
    for (const [v4, addressClass] of REFUSED_V4) {
      expect(refusedClassOf(v4)).toBe(addressClass);
      for (const [form, address] of ipv6Forms(v4)) {
        const refused = refusedClassOf(address);
        // 0.0.0.0 in the compatible form is ::, the unspecified address: refused either way.
        if (!refused) missed.push(`${address} (${form} of ${v4})`);
      }
    }
    expect(missed).toEqual([]);
  });

  it('refuses ::ffff:0:0:0/96 and 64:ff9b:1::/48 whatever they carry; names the embedded class where refused', () => {
    expect(refusedClassOf('::ffff:0:7f00:1')).toBe('loopback');
    expect(refusedClassOf('64:ff9b:1::a00:1')).toBe('private');
    expect(refusedClassOf('::ffff:0:808:808')).toBe('reserved'); // translated 8.8.8.8: only inside SIIT
    expect(refusedClassOf('64:ff9b:1::808:808')).toBe('private'); // an operator's own NAT64
    expect(refusedClassOf('64:ff9b:1:abcd::808:808')).toBe('private');
    expect(embeddedIpv4('::ffff:0:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('64:ff9b:1::a00:1')).toBe('10.0.0.1');
  });

  it("refuses IPv6's own special ranges and lets the public internet through", () => {
    for (const [address, addressClass] of [
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fe80::1%eth0', 'link-local'],
      ['fc00::1', 'private'],
      ['fd00:ec2::254', 'cloud-metadata'],
      ['fec0::1', 'private'],
      ['ff02::1', 'multicast'],
      ['2001:db8::1', 'reserved'],
      ['100::1', 'reserved'],
      ['2001:2::1', 'reserved'],
    ] as const) {
      expect(refusedClassOf(address), address).toBe(addressClass);
    }
    for (const address of [
      '8.8.8.8',
      '93.184.215.14',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
      '2002:808:808::1',
    ]) {
      expect(refusedClassOf(address), address).toBeUndefined();
    }
    expect(refusedClassOf('not an address')).toBe('reserved');
  });

  it('an allow-listed host or block still passes', async () => {
    const allow = new HostAllowList(['10.20.0.0/16', 'crm.internal']);
    expect(await resolveAllowedAddress('10.20.1.2', allow)).toEqual({ address: '10.20.1.2', family: 4 });
    expect(
      await resolveAllowedAddress('crm.internal', allow, async () => [{ address: '10.9.9.9', family: 4 }]),
    ).toEqual({ address: '10.9.9.9', family: 4 });
    await expect(resolveAllowedAddress('[::ffff:0:7f00:1]', new HostAllowList([]))).rejects.toBeInstanceOf(
      AddressRefusedError,
    );
  });

  it('guardedRequest does not connect to [::ffff:0:7f00:1] or [64:ff9b:1::a00:1]', async () => {
    let connections = 0;
    const server = createServer((_req, res) => res.end('reached'));
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '::', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (const host of ['[::ffff:0:7f00:1]', '[64:ff9b:1::a00:1]', '[::ffff:127.0.0.1]', '[::127.0.0.1]']) {
        await expect(
          guardedRequest(
            { url: new URL(`http://${host}:${port}/`), method: 'GET', headers: {} },
            { allowList: new HostAllowList([]), maxResponseBytes: 1_000, signal: AbortSignal.timeout(5_000) },
          ),
          host,
        ).rejects.toBeInstanceOf(AddressRefusedError);
      }
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });
});
