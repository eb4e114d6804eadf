/**
 * SPEC §6.3 outbound URL policy: absolute http(s) only; loopback, private, link-local, unique-local, CGNAT, multicast
 * and metadata addresses are refused at create and update (`urlRefusal`) and after DNS resolution (`addressRefusal`),
 * in every spelling the WHATWG parser canonicalises. Pure: the caller resolves names.
 */

/** What kind of address an IP literal is, for the policy. */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'unspecified' | 'reserved';

export interface AddressPolicy {
  allowLoopback: boolean;
  allowPrivate: boolean;
}

/** The strictest policy: what applies when no deployment setting says otherwise. */
export const STRICT_POLICY: AddressPolicy = { allowLoopback: false, allowPrivate: false };

/** True for an absolute `http:` or `https:` URL with a host. */
export function isAbsoluteHttpUrl(text: string): boolean {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return false;
  }
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
}

/** The four octets of a dotted-quad IPv4 address, or null. Only the canonical form is accepted. */
export function parseIPv4(text: string): [number, number, number, number] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const o = m.slice(1).map(Number);
  if (o.some((n) => n > 255)) return null;
  return o as [number, number, number, number];
}

/** The eight 16-bit groups of an IPv6 address (zone id and brackets ignored), or null. */
export function parseIPv6(text: string): number[] | null {
  let s = text.replace(/^\[|\]$/g, '');
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':')) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parseSide = (side: string): number[] | null => {
    if (side === '') return [];
    const out: number[] = [];
    const parts = side.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = parseSide(halves[0]!);
  if (!head) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const tail = parseSide(halves[1]!);
  if (!tail || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

function classifyV4([a, b, c, d]: [number, number, number, number]): AddressClass {
  if (a === 169 && b === 254 && c === 169 && d === 254) return 'metadata';
  // Alibaba Cloud's metadata service sits inside the shared-address range.
  if (a === 100 && b === 100 && c === 100 && d === 200) return 'metadata';
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private'; // carrier-grade NAT, 100.64.0.0/10
  if (a === 198 && (b === 18 || b === 19)) return 'private'; // benchmarking, 198.18.0.0/15
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return 'reserved'; // IETF assignments, TEST-NET-1
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return 'reserved';
  if (a >= 224) return 'reserved'; // multicast, 240/4, broadcast
  return 'public';
}

function classifyV6(g: number[]): AddressClass {
  const embeddedV4 = (hi: number, lo: number): [number, number, number, number] => [
    hi >> 8,
    hi & 0xff,
    lo >> 8,
    lo & 0xff,
  ];
  const zerosBefore = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (g.every((x) => x === 0)) return 'unspecified';
  if (zerosBefore(7) && g[7] === 1) return 'loopback';
  // fd00:ec2::254, the AWS metadata service over IPv6.
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && g.slice(2, 7).every((x) => x === 0) && g[7] === 0x254) return 'metadata';
  if (zerosBefore(5) && g[5] === 0xffff) return classifyV4(embeddedV4(g[6]!, g[7]!)); // ::ffff:a.b.c.d
  // IPv4-translated ::ffff:0:a.b.c.d (RFC 2765), and the local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215).
  if (zerosBefore(4) && g[4] === 0xffff && g[5] === 0) return classifyV4(embeddedV4(g[6]!, g[7]!));
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return classifyV4(embeddedV4(g[6]!, g[7]!));
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))
    return classifyV4(embeddedV4(g[6]!, g[7]!)); // NAT64
  if (g[0] === 0x2002) return classifyV4(embeddedV4(g[1]!, g[2]!)); // 6to4
  if (zerosBefore(6)) return 'reserved'; // deprecated IPv4-compatible ::a.b.c.d
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((first & 0xff00) === 0xff00) return 'reserved'; // multicast
  if (first === 0x2001 && g[1] === 0x0db8) return 'reserved'; // documentation
  if (first === 0x0100 && zerosBefore(4)) return 'reserved'; // discard-only 100::/64
  return 'public';
}

/** Classifies an IP literal (IPv4 dotted quad or IPv6, brackets allowed); null when it is not one. */
export function classifyAddress(ip: string): AddressClass | null {
  const v4 = parseIPv4(ip);
  if (v4) return classifyV4(v4);
  const v6 = parseIPv6(ip);
  return v6 ? classifyV6(v6) : null;
}

/**
 * Why the policy refuses this address, or null when it may be contacted. Loopback needs
 * `allowLoopback`, private ranges need `allowPrivate`; link-local, metadata, unspecified and
 * reserved addresses are always refused.
 */
export function addressRefusal(ip: string, policy: AddressPolicy): string | null {
  const cls = classifyAddress(ip);
  if (cls === null) return `${ip} is not an IP address`;
  switch (cls) {
    case 'public':
      return null;
    case 'loopback':
      return policy.allowLoopback ? null : `${ip} is a loopback address`;
    case 'private':
      return policy.allowPrivate ? null : `${ip} is a private address`;
    case 'link-local':
    case 'metadata':
    case 'unspecified':
    case 'reserved':
      return `${ip} is a ${cls} address`;
  }
}

/** Host names that always mean this machine (RFC 6761 `localhost`) or a cloud metadata service. */
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data']);

/**
 * SPEC §6.3 at create and update: why the policy refuses `url` for its host as written, or null.
 * An IP literal is judged as the address it names; `localhost` (and `*.localhost`) as loopback;
 * well-known metadata service names always. Other names are judged when a delivery resolves them.
 */
export function urlRefusal(url: string, policy: AddressPolicy): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${url} is not an absolute http(s) URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `${url} is not an absolute http(s) URL`;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (classifyAddress(host) !== null) return addressRefusal(host, policy);
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return policy.allowLoopback ? null : `${host} is a loopback name`;
  }
  if (METADATA_NAMES.has(name)) return `${host} is a metadata service name`;
  return null;
}
