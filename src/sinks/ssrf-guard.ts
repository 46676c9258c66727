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

const blockList = new BlockList();
for (const [net, prefix] of BLOCKED_V4) blockList.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of BLOCKED_V6) blockList.addSubnet(net, prefix, 'ipv6');

function describeRange(address: string, family: 4 | 6): string {
  const probe = new BlockList();
  for (const [net, prefix, label] of family === 4 ? BLOCKED_V4 : BLOCKED_V6) {
    probe.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6');
    if (probe.check(address, family === 4 ? 'ipv4' : 'ipv6')) return label;
  }
  return 'not routable';
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d or ::ffff:7f00:1), if it is one. */
function mappedIPv4(address: string): string | null {
  const m = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/i.exec(address);
  if (!m) return null;
  const tail = m[1]!;
  if (isIP(tail) === 4) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!hex) return null;
  const hi = Number.parseInt(hex[1]!, 16);
  const lo = Number.parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Why the address may not be reached, or null when it may. */
export function blockedReason(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return null;
  if (family === 6) {
    const v4 = mappedIPv4(bare);
    if (v4) {
      const reason = blockedReason(v4);
      return reason ? `${reason} (IPv4-mapped)` : null;
    }
  }
  return blockList.check(bare, family === 4 ? 'ipv4' : 'ipv6') ? describeRange(bare, family as 4 | 6) : null;
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
