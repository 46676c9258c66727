import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * The SSRF guard of the sinks that open connections to customer-given hosts (http, syslog): a sink
 * must not turn the platform into a proxy towards its own network, the loopback interface or the
 * cloud metadata service.
 *
 * Two checks: a literal address is refused when the sink is created or changed, and a name is resolved
 * at delivery and the connection goes to the address that was checked (the guarded lookup below is
 * what the socket itself uses), so a name that re-resolves to a private address between a check and
 * a connect (DNS rebinding) gains nothing. AUDIT_ALLOW_PRIVATE_SINK_HOSTS=true lifts the guard.
 */

const BLOCKED_V4: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (includes the cloud metadata service 169.254.169.254)'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved (includes broadcast 255.255.255.255)'],
];

const BLOCKED_V6: [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'unique-local (includes the cloud metadata service fd00:ec2::254)'],
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
];

// Separate lists: a BlockList with IPv4 rules also matches IPv4-mapped IPv6, which is judged below.
const blockedV4 = new BlockList();
for (const [net, prefix] of BLOCKED_V4) blockedV4.addSubnet(net, prefix, 'ipv4');
const blockedV6 = new BlockList();
for (const [net, prefix] of BLOCKED_V6) blockedV6.addSubnet(net, prefix, 'ipv6');

function describeRange(address: string, family: 4 | 6): string {
  const probe = new BlockList();
  for (const [net, prefix, label] of family === 4 ? BLOCKED_V4 : BLOCKED_V6) {
    probe.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6');
    if (probe.check(address, family === 4 ? 'ipv4' : 'ipv6')) return label;
  }
  return 'not routable';
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part counts as two). */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase();
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    if (isIP(dotted[2]!) !== 4) return null;
    const [a, b, c, d] = dotted[2]!.split('.').map(Number) as [number, number, number, number];
    text = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 0) return null;
  const groups = [...head, ...Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : null;
}

const toIPv4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * IPv6 forms that carry an IPv4 address a packet may end up at: the embedded address is what the
 * guard must judge. Translation prefixes whose embedded address cannot be read back (local-use NAT64
 * with any prefix length, Teredo's obfuscated client) are refused whole.
 */
function embeddedIPv4(address: string): { v4: string | null; form: string } | null {
  const g = ipv6Groups(address);
  if (!g) return null;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return { v4: toIPv4(g[6]!, g[7]!), form: 'IPv4-mapped' };
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0)
    return { v4: toIPv4(g[6]!, g[7]!), form: 'IPv4-translated' };
  if (zeros(0, 6)) return { v4: toIPv4(g[6]!, g[7]!), form: 'IPv4-compatible' };
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return { v4: toIPv4(g[6]!, g[7]!), form: 'NAT64' };
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return { v4: null, form: 'local-use NAT64' };
  if (g[0] === 0x2002) return { v4: toIPv4(g[1]!, g[2]!), form: '6to4' };
  if (g[0] === 0x2001 && g[1] === 0) return { v4: null, form: 'Teredo' };
  return null;
}

/** Why the address may not be reached, or null when it may. */
export function blockedReason(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return null;
  if (family === 4) return blockedV4.check(bare, 'ipv4') ? describeRange(bare, 4) : null;
  if (blockedV6.check(bare, 'ipv6')) return describeRange(bare, 6);
  const embedded = embeddedIPv4(bare);
  if (!embedded) return null;
  if (embedded.v4 === null) return `${embedded.form} (the IPv4 address inside cannot be checked)`;
  const reason = blockedReason(embedded.v4);
  return reason ? `${reason} (${embedded.form})` : null;
}

/** A host that the guard refuses; delivery turns it into a config error (the sink goes `failing`). */
export class SsrfRefusedError extends Error {
  readonly code = 'ESSRFREFUSED';
  constructor(host: string, address: string, reason: string) {
    super(
      address === host
        ? `${host} is a ${reason} address; sinks may not reach it (AUDIT_ALLOW_PRIVATE_SINK_HOSTS)`
        : `${host} resolves to ${address}, a ${reason} address; sinks may not reach it (AUDIT_ALLOW_PRIVATE_SINK_HOSTS)`,
    );
    this.name = 'SsrfRefusedError';
  }
}

/** Plain http towards a public address: refused even with the guard lifted (use https). */
export class PlainHttpRefusedError extends Error {
  constructor(host: string, address: string) {
    super(
      `${host} resolves to ${address}, a public address: use https (plain http is only for private hosts)`,
    );
    this.name = 'PlainHttpRefusedError';
  }
}

export interface SsrfGuard {
  readonly allowPrivate: boolean;
  /** For create/update: the reason a literal address is refused, or null (names are checked at delivery). */
  literalRefusal(host: string): string | null;
  /** Throws SsrfRefusedError for a refused literal address; a name passes (the lookup checks it). */
  assertLiteralAllowed(host: string): void;
  /** Resolves a name (or takes a literal) and checks every address; the first one is the one to use. */
  resolve(host: string): Promise<LookupAddress>;
  /** The same, every address (for connections that try them in turn). */
  resolveAll(host: string): Promise<LookupAddress[]>;
  /** A `lookup` for net/tls/http: the socket connects only to addresses that passed the check. */
  lookup: LookupFunction;
  /**
   * The same, for plain http: with the guard lifted, plain http may reach private hosts only (SPEC:
   * "https, or http for private hosts when allowed"), so a public address is refused.
   */
  privateOnlyLookup: LookupFunction;
}

export function createSsrfGuard(opts: { allowPrivate: boolean }): SsrfGuard {
  const { allowPrivate } = opts;

  function literalRefusal(host: string): string | null {
    if (allowPrivate) return null;
    return blockedReason(host);
  }

  function assertLiteralAllowed(host: string): void {
    const bare = host.replace(/^\[|\]$/g, '');
    const reason = literalRefusal(bare);
    if (reason) throw new SsrfRefusedError(bare, bare, reason);
  }

  function lookupAll(hostname: string): Promise<LookupAddress[]> {
    return new Promise((resolve, reject) => {
      dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) =>
        err ? reject(err) : resolve(addresses),
      );
    });
  }

  async function resolve(host: string): Promise<LookupAddress> {
    return (await resolveAll(host))[0]!;
  }

  async function resolveAll(host: string): Promise<LookupAddress[]> {
    const bare = host.replace(/^\[|\]$/g, '');
    const family = isIP(bare);
    if (family !== 0) {
      assertLiteralAllowed(bare);
      return [{ address: bare, family }];
    }
    const addresses = await lookupAll(bare);
    if (addresses.length === 0)
      throw Object.assign(new Error(`${bare} did not resolve`), { code: 'ENOTFOUND' });
    if (!allowPrivate) {
      // Any refused address refuses the name: a name that mixes public and private answers is a trick.
      for (const a of addresses) {
        const reason = blockedReason(a.address);
        if (reason) throw new SsrfRefusedError(bare, a.address, reason);
      }
    }
    return addresses;
  }

  const lookupWith =
    (check: (host: string, a: LookupAddress) => void): LookupFunction =>
    (hostname, options, callback) => {
      const all =
        typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
      resolveAll(hostname)
        .then((addresses) => {
          for (const a of addresses) check(hostname, a);
          return addresses;
        })
        .then(
          (addresses) => {
            if (all) (callback as (err: null, addresses: LookupAddress[]) => void)(null, addresses);
            else callback(null, addresses[0]!.address, addresses[0]!.family);
          },
          (err: NodeJS.ErrnoException) => callback(err, '', 0),
        );
    };

  const lookup = lookupWith(() => {});
  const privateOnlyLookup = lookupWith((host, a) => {
    if (!blockedReason(a.address)) throw new PlainHttpRefusedError(host, a.address);
  });

  return {
    allowPrivate,
    literalRefusal,
    assertLiteralAllowed,
    resolve,
    resolveAll,
    lookup,
    privateOnlyLookup,
  };
}
