/**
 * Which network addresses an HTTP tool may reach. Agents call URLs an admin typed in, so a tool
 * must not become a way into the appliance's own network (control, PostgreSQL, the cloud metadata
 * endpoint): addresses are checked after DNS resolution, on every redirect hop, unless the space
 * allow-lists the host.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

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

function parseIpv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // A dotted IPv4 tail (::ffff:127.0.0.1) becomes two hex groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const octets = (dotted[1] as string).split('.').map(Number);
    const hi = (((octets[0] ?? 0) << 8) | (octets[1] ?? 0)).toString(16);
    const lo = (((octets[2] ?? 0) << 8) | (octets[3] ?? 0)).toString(16);
    text = `${text.slice(0, dotted.index)}${hi}:${lo}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? (halves[0] as string).split(':') : [];
  const tail = halves.length === 2 && halves[1] ? (halves[1] as string).split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array(missing).fill('0'), ...tail].map((g) => Number.parseInt(g, 16));
  return groups.some((g) => Number.isNaN(g) || g < 0 || g > 0xffff) ? undefined : groups;
}

/** The IPv4 address an IPv6 address carries (IPv4-mapped, IPv4-compatible, NAT64, 6to4), if any. */
export function embeddedIpv4(address: string): string | undefined {
  const g = parseIpv6Groups(address);
  if (!g) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (deprecated compatible form)
  if (zeros(0, 5) && (g[5] === 0xffff || (g[5] === 0 && (g[6] !== 0 || (g[7] ?? 0) > 1)))) {
    return v4(g[6] as number, g[7] as number);
  }
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4(g[6] as number, g[7] as number);
  // 2002:AABB:CCDD::/48 (6to4)
  if (g[0] === 0x2002) return v4(g[1] as number, g[2] as number);
  return undefined;
}

/** Why an address may not be reached without an allow-list entry, or undefined when it may. */
export function refusedClassOf(address: string): RefusedAddressClass | undefined {
  const family = isIP(address);
  if (family === 0) return 'reserved';
  if (family === 6) {
    const inner = embeddedIpv4(address);
    if (inner) return refusedClassOf(inner);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const bare = family === 6 ? address.replace(/%.*$/, '') : address;
  for (const [name, list] of CLASSES) {
    if (list.check(bare, type)) return name;
  }
  return undefined;
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
