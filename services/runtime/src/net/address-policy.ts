/**
 * Which network addresses an HTTP tool may reach. Agents call URLs an admin typed in, so a tool
 * must not become a way into the appliance's own network (control, PostgreSQL, the cloud metadata
 * endpoint): addresses are checked after DNS resolution, on every redirect hop, unless the space
 * allow-lists the host.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type RefusedAddressClass =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'cloud-metadata'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

function blockList(v4: string[], v6: string[] = []): BlockList {
  const list = new BlockList();
  for (const cidr of v4) {
    const [net, bits] = cidr.split('/');
    list.addSubnet(net as string, Number(bits), 'ipv4');
  }
  for (const cidr of v6) {
    const [net, bits] = cidr.split('/');
    list.addSubnet(net as string, Number(bits), 'ipv6');
  }
  return list;
}

// Order matters: the first class that matches names the refusal (metadata before link-local).
const CLASSES: Array<[RefusedAddressClass, BlockList]> = [
  // AWS/GCP/Azure/OpenStack 169.254.169.254, Alibaba 100.100.100.200, Oracle 192.0.0.192, AWS IPv6 fd00:ec2::254.
  [
    'cloud-metadata',
    blockList(
      ['169.254.169.254/32', '169.254.170.2/32', '100.100.100.200/32', '192.0.0.192/32'],
      ['fd00:ec2::254/128'],
    ),
  ],
  ['unspecified', blockList(['0.0.0.0/8'], ['::/128'])],
  ['loopback', blockList(['127.0.0.0/8'], ['::1/128'])],
  ['private', blockList(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'], ['fc00::/7'])],
  ['link-local', blockList(['169.254.0.0/16'], ['fe80::/10'])],
  ['cgnat', blockList(['100.64.0.0/10'])],
  ['multicast', blockList(['224.0.0.0/4'], ['ff00::/8'])],
  [
    'reserved',
    blockList(
      ['192.0.0.0/24', '192.0.2.0/24', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '240.0.0.0/4'],
      ['2001:db8::/32', '100::/64'],
    ),
  ],
];

type Ipv6 = ipaddr.IPv6;

const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;

function parseIp(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // Only the canonical literal forms: ipaddr.js also reads "127.1" or "0x7f.0.0.1", which no resolver returns.
  if (isIP(bare) === 0) return undefined;
  try {
    return ipaddr.parse(bare);
  } catch {
    return undefined;
  }
}

/**
 * Every IPv4 address an IPv6 address carries or translates to, by the forms in use: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d, RFC 6145), NAT64
 * (64:ff9b::/96 and the local-use 64:ff9b:1::/48 with the address in the last 32 bits, RFC 6052 /
 * 8215), 6to4 (2002:AABB:CCDD::/48) and Teredo (2001::/32: the server, and the client with its
 * bits inverted). A connection to such an address may reach that IPv4 host.
 */
function embeddedIpv4s(ip: Ipv6): string[] {
  const g = ip.parts;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  const last32 = v4(g[6] as number, g[7] as number);
  if (zeros(0, 5) && g[5] === 0xffff) return [last32]; // mapped
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return [last32]; // translated
  if (zeros(0, 6) && ((g[6] as number) !== 0 || (g[7] as number) > 1)) return [last32]; // compatible
  if (g[0] === 0x64 && g[1] === 0xff9b) return [last32];
  if (g[0] === 0x2002) return [v4(g[1] as number, g[2] as number)];
  if (g[0] === 0x2001 && g[1] === 0) {
    return [v4(g[2] as number, g[3] as number), v4(~(g[6] as number) & 0xffff, ~(g[7] as number) & 0xffff)];
  }
  return [];
}

/** The IPv4 address an IPv6 address carries (see `embeddedIpv4s`), if any: the first one. */
export function embeddedIpv4(address: string): string | undefined {
  const ip = parseIp(address);
  return ip?.kind() === 'ipv6' ? embeddedIpv4s(ip as Ipv6)[0] : undefined;
}

/** ipaddr.js's range names that are not the public internet, as our classes (everything else is reachable). */
const RANGE_CLASSES: Record<string, RefusedAddressClass> = {
  unspecified: 'unspecified',
  broadcast: 'reserved',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'cgnat',
  private: 'private',
  reserved: 'reserved',
  uniqueLocal: 'private',
  deprecatedSiteLocal: 'private',
  discard: 'reserved',
  benchmarking: 'reserved',
  deprecatedOrchid: 'reserved',
  orchid2: 'reserved',
  droneRemoteIdProtocolEntityTags: 'reserved',
  segmentRouting: 'reserved',
};

/**
 * Why an address may not be reached without an allow-list entry, or undefined when it may: our own
 * list (cloud metadata endpoints first, so they are named as such), then ipaddr.js's classification
 * of special ranges; an IPv6 address carrying an IPv4 one is refused when that IPv4 address is.
 * Refused outright, whatever they carry: IPv4-translated addresses (::ffff:0:0:0/96, used only
 * inside SIIT translators) and local-use NAT64 (64:ff9b:1::/48, an operator's own translator, which
 * reaches its private networks).
 */
export function refusedClassOf(address: string): RefusedAddressClass | undefined {
  const ip = parseIp(address);
  if (!ip) return 'reserved';
  if (ip.kind() === 'ipv6') {
    const v6 = ip as Ipv6;
    for (const inner of embeddedIpv4s(v6)) {
      const refused = refusedClassOf(inner);
      if (refused) return refused;
    }
    const range = v6.range();
    if (range === 'rfc6145') return 'reserved';
    if (range === 'rfc6052' && v6.parts[2] === 1) return 'private';
  }
  const text = ip.toString();
  const type = ip.kind();
  for (const [name, list] of CLASSES) {
    if (list.check(text, type)) return name;
  }
  return RANGE_CLASSES[ip.range()];
}

function ipInCidr(address: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const netFamily = isIP(net ?? '');
  const family = isIP(address);
  if (!netFamily || !family) return false;
  const list = new BlockList();
  list.addSubnet(net as string, Number(bitsText), netFamily === 4 ? 'ipv4' : 'ipv6');
  if (list.check(address, family === 4 ? 'ipv4' : 'ipv6')) return true;
  const inner = family === 6 ? embeddedIpv4(address) : undefined;
  return inner !== undefined && netFamily === 4 && list.check(inner, 'ipv4');
}

/**
 * An allow-list entry is a host name (`crm.internal`), a wildcard for its subdomains
 * (`*.corp.example`), an IP address (`10.0.0.5`) or a CIDR block (`10.20.0.0/16`).
 */
export class HostAllowList {
  private readonly entries: string[];

  constructor(entries: readonly string[]) {
    this.entries = entries
      .map((e) =>
        e
          .trim()
          .toLowerCase()
          .replace(/^\[|\]$/g, ''),
      )
      .filter(Boolean);
  }

  allowsHost(hostname: string): boolean {
    const host = hostname
      .toLowerCase()
      .replace(/^\[|\]$/g, '')
      .replace(/\.$/, '');
    return this.entries.some((entry) => {
      if (entry.startsWith('*.')) return host.endsWith(entry.slice(1));
      if (entry.includes('/')) return isIP(host) !== 0 && ipInCidr(host, entry);
      return entry === host;
    });
  }

  allowsAddress(address: string): boolean {
    return this.entries.some((entry) =>
      entry.includes('/') ? ipInCidr(address, entry) : isIP(entry) !== 0 && entry === address.toLowerCase(),
    );
  }
}

export class AddressRefusedError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly addressClass: RefusedAddressClass,
  ) {
    super(
      `refused to call ${host}: it resolves to ${address}, a ${addressClass} address; ` +
        "an admin can add the host to the space's tool host allow-list",
    );
    this.name = 'AddressRefusedError';
  }
}

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * Resolves `hostname` and returns the address to connect to. Every resolved address must be
 * allowed: a name that resolves to one public and one private address is refused, so DNS
 * round-robin cannot smuggle a private target in.
 */
export async function resolveAllowedAddress(
  hostname: string,
  allowList: HostAllowList,
  resolver: Resolver = systemResolver,
): Promise<{ address: string; family: 4 | 6 }> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host);
  const addresses = literal ? [{ address: host, family: literal }] : await resolver(host);
  if (addresses.length === 0) throw new Error(`${host} did not resolve to any address`);
  const hostAllowed = allowList.allowsHost(host);
  for (const { address } of addresses) {
    const refused = refusedClassOf(address);
    if (refused && !hostAllowed && !allowList.allowsAddress(address)) {
      throw new AddressRefusedError(host, address, refused);
    }
  }
  const first = addresses[0] as { address: string; family: number };
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
