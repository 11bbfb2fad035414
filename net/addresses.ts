// Which IP addresses a server-side fetch may connect to. Everything that reaches the server's own
// network (private, loopback, link-local, CGNAT, metadata services) or no single public host
// (multicast, reserved, documentation) is refused; IPv6 forms that embed an IPv4 address
// (mapped, compatible, NAT64, 6to4) are judged by the embedded address.

/** Why an address is refused; null when it is public. */
export type AddressClass =
  | "unspecified"
  | "loopback"
  | "private"
  | "shared (CGNAT)"
  | "link-local"
  | "cloud metadata"
  | "unique-local"
  | "site-local"
  | "multicast"
  | "broadcast"
  | "reserved"
  | "documentation"
  | "not an IP";

type V4Range = [base: number, bits: number, cls: AddressClass];

// Most specific first: the metadata address sits inside link-local.
const V4_RANGES: V4Range[] = [
  [v4("169.254.169.254"), 32, "cloud metadata"],
  [v4("255.255.255.255"), 32, "broadcast"],
  [v4("0.0.0.0"), 8, "unspecified"],
  [v4("10.0.0.0"), 8, "private"],
  [v4("100.64.0.0"), 10, "shared (CGNAT)"],
  [v4("127.0.0.0"), 8, "loopback"],
  [v4("169.254.0.0"), 16, "link-local"],
  [v4("172.16.0.0"), 12, "private"],
  [v4("192.0.0.0"), 24, "reserved"],
  [v4("192.0.2.0"), 24, "documentation"],
  [v4("192.88.99.0"), 24, "reserved"],
  [v4("192.168.0.0"), 16, "private"],
  [v4("198.18.0.0"), 15, "reserved"],
  [v4("198.51.100.0"), 24, "documentation"],
  [v4("203.0.113.0"), 24, "documentation"],
  [v4("224.0.0.0"), 4, "multicast"],
  [v4("240.0.0.0"), 4, "reserved"],
];

type V6Range = [prefix: bigint, bits: number, cls: AddressClass];

const V6_RANGES: V6Range[] = [
  [v6("fd00:ec2::254"), 128, "cloud metadata"],
  [v6("::"), 128, "unspecified"],
  [v6("::1"), 128, "loopback"],
  [v6("64:ff9b:1::"), 48, "private"],
  [v6("100::"), 64, "reserved"],
  [v6("2001::"), 32, "reserved"], // Teredo: the IPv4 inside is obfuscated, so no judging it
  [v6("2001:db8::"), 32, "documentation"],
  [v6("fc00::"), 7, "unique-local"],
  [v6("fe80::"), 10, "link-local"],
  [v6("fec0::"), 10, "site-local"],
  [v6("ff00::"), 8, "multicast"],
];

// IPv6 prefixes whose low (or 6to4: middle) 32 bits are an IPv4 address reached through them.
const V6_EMBEDDING: [prefix: bigint, bits: number, shift: bigint][] = [
  [v6("::ffff:0:0"), 96, 0n], // IPv4-mapped
  [v6("::"), 96, 0n], // IPv4-compatible (deprecated)
  [v6("64:ff9b::"), 96, 0n], // NAT64 well-known prefix
  [v6("2002::"), 16, 80n], // 6to4
];

const GLOBAL_UNICAST: [bigint, number] = [v6("2000::"), 3];

/** Classifies an IP address (dotted IPv4 or IPv6, brackets and zone allowed): null if public. */
export function classifyAddress(address: string): AddressClass | null {
  const ip = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const four = parseIPv4(ip);
  if (four !== null) return classifyV4(four);
  const six = parseIPv6(ip);
  if (six === null) return "not an IP";
  return classifyV6(six);
}

export const isPublicAddress = (address: string) => classifyAddress(address) === null;

function classifyV4(n: number): AddressClass | null {
  for (const [base, bits, cls] of V4_RANGES) if (inV4(n, base, bits)) return cls;
  return null;
}

function classifyV6(n: bigint): AddressClass | null {
  for (const [prefix, bits, cls] of V6_RANGES.slice(0, 3)) if (inV6(n, prefix, bits)) return cls;
  for (const [prefix, bits, shift] of V6_EMBEDDING) {
    if (inV6(n, prefix, bits)) return classifyV4(Number((n >> shift) & 0xffffffffn));
  }
  for (const [prefix, bits, cls] of V6_RANGES.slice(3)) if (inV6(n, prefix, bits)) return cls;
  return inV6(n, ...GLOBAL_UNICAST) ? null : "reserved";
}

function inV4(n: number, base: number, bits: number): boolean {
  if (bits === 0) return true;
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  return ((n & mask) >>> 0) === ((base & mask) >>> 0);
}

function inV6(n: bigint, prefix: bigint, bits: number): boolean {
  const shift = BigInt(128 - bits);
  return n >> shift === prefix >> shift;
}

/** Strict dotted-quad IPv4 (what DNS and the URL parser hand back) as an unsigned 32-bit number. */
export function parseIPv4(s: string): number | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const octet = Number(p);
    if (octet > 255) return null;
    n = n * 256 + octet;
  }
  return n;
}

/** IPv6 text (with "::" and a trailing dotted quad allowed) as a 128-bit number. */
export function parseIPv6(s: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  let text = s;
  if (text.includes(".")) {
    // A trailing dotted quad stands for the last two groups: rewrite it as them.
    const at = text.lastIndexOf(":");
    const four = parseIPv4(text.slice(at + 1));
    if (four === null) return null;
    text = `${text.slice(0, at + 1)}${(four >>> 16).toString(16)}:${(four & 0xffff).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  for (const g of [...head, ...rest]) if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const words = [
    ...head.map((g) => parseInt(g, 16)),
    ...Array<number>(8 - total).fill(0),
    ...rest.map((g) => parseInt(g, 16)),
  ];
  return words.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}

function v4(s: string): number {
  const n = parseIPv4(s);
  if (n === null) throw new Error(`bad IPv4 constant ${s}`);
  return n;
}

function v6(s: string): bigint {
  const n = parseIPv6(s);
  if (n === null) throw new Error(`bad IPv6 constant ${s}`);
  return n;
}
