// The address rules: every refused range at its edges, the public addresses just outside them,
// IPv6 forms that embed IPv4, and the IPv4 spellings a URL parser turns into loopback.
import { describe, expect, test } from "bun:test";
import { type AddressClass, classifyAddress, parseIPv4, parseIPv6 } from "../../net/addresses.ts";

// [first, last, class] of each IPv4 range, and the public neighbours just outside it.
const V4: [string, string, AddressClass, string[]][] = [
  ["0.0.0.0", "0.255.255.255", "unspecified", ["1.0.0.0"]],
  ["10.0.0.0", "10.255.255.255", "private", ["9.255.255.255", "11.0.0.0"]],
  ["100.64.0.0", "100.127.255.255", "shared (CGNAT)", ["100.63.255.255", "100.128.0.0"]],
  ["127.0.0.0", "127.255.255.255", "loopback", ["126.255.255.255", "128.0.0.0"]],
  ["169.254.0.0", "169.254.255.255", "link-local", ["169.253.255.255", "169.255.0.0"]],
  ["172.16.0.0", "172.31.255.255", "private", ["172.15.255.255", "172.32.0.0"]],
  ["192.0.0.0", "192.0.0.255", "reserved", ["191.255.255.255", "192.0.1.0"]],
  ["192.0.2.0", "192.0.2.255", "documentation", ["192.0.1.255", "192.0.3.0"]],
  ["192.88.99.0", "192.88.99.255", "reserved", ["192.88.98.255", "192.88.100.0"]],
  ["192.168.0.0", "192.168.255.255", "private", ["192.167.255.255", "192.169.0.0"]],
  ["198.18.0.0", "198.19.255.255", "reserved", ["198.17.255.255", "198.20.0.0"]],
  ["198.51.100.0", "198.51.100.255", "documentation", ["198.51.99.255", "198.51.101.0"]],
  ["203.0.113.0", "203.0.113.255", "documentation", ["203.0.112.255", "203.0.114.0"]],
  ["224.0.0.0", "239.255.255.255", "multicast", ["223.255.255.255"]],
  ["240.0.0.0", "255.255.255.254", "reserved", []],
];

describe("IPv4", () => {
  for (const [first, last, cls, outside] of V4) {
    test(`${first} – ${last} is ${cls}`, () => {
      expect(classifyAddress(first)).toBe(cls);
      expect(classifyAddress(last)).toBe(cls);
      for (const o of outside) expect([o, classifyAddress(o)]).toEqual([o, null]);
    });
  }

  test("the metadata address and broadcast are named as such", () => {
    expect(classifyAddress("169.254.169.254")).toBe("cloud metadata");
    expect(classifyAddress("169.254.169.253")).toBe("link-local");
    expect(classifyAddress("255.255.255.255")).toBe("broadcast");
  });

  test("public addresses pass", () => {
    for (const a of ["1.1.1.1", "8.8.8.8", "93.184.216.34", "151.101.1.69", "223.255.255.255"]) {
      expect([a, classifyAddress(a)]).toEqual([a, null]);
    }
  });

  test("only strict dotted quads parse", () => {
    expect(parseIPv4("127.0.0.1")).toBe(0x7f000001);
    expect(parseIPv4("255.255.255.255")).toBe(0xffffffff);
    for (const bad of ["0x7f.0.0.1", "127.1", "2130706433", "0177.0.0.1", "256.0.0.1", "1.2.3", "1.2.3.4.5", "", "1..2.3"]) {
      expect([bad, parseIPv4(bad)]).toEqual([bad, null]);
    }
    expect(classifyAddress("0x7f.0.0.1")).toBe("not an IP");
  });
});

const V6: [string, AddressClass][] = [
  ["::", "unspecified"],
  ["::1", "loopback"],
  ["fd00:ec2::254", "cloud metadata"],
  ["fc00::", "unique-local"],
  ["fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unique-local"],
  ["fd12:3456::1", "unique-local"],
  ["fe80::", "link-local"],
  ["febf:ffff::1", "link-local"],
  ["fec0::1", "site-local"],
  ["ff02::1", "multicast"],
  ["ff00::", "multicast"],
  ["2001:db8::1", "documentation"],
  ["2001::1", "reserved"],
  ["100::1", "reserved"],
  ["64:ff9b:1::1", "private"],
  // outside 2000::/3: not global unicast
  ["4000::1", "reserved"],
  ["1fff:ffff::1", "reserved"],
  ["e000::1", "reserved"],
];

describe("IPv6", () => {
  for (const [address, cls] of V6) test(`${address} is ${cls}`, () => expect(classifyAddress(address)).toBe(cls));

  test("public addresses pass, the edges of 2000::/3 included", () => {
    for (const a of ["2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "2000::", "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::1"]) {
      expect([a, classifyAddress(a)]).toEqual([a, null]);
    }
  });

  test("fc00::/7 and fe80::/10 end where they should", () => {
    expect(classifyAddress("fbff:ffff::1")).toBe("reserved");
    expect(classifyAddress("fe00::1")).toBe("reserved");
  });

  test("IPv4 inside IPv6 is judged by the IPv4 address", () => {
    const cases: [string, AddressClass | null][] = [
      ["::ffff:127.0.0.1", "loopback"],
      ["::ffff:7f00:1", "loopback"],
      ["0:0:0:0:0:ffff:7f00:0001", "loopback"],
      ["::ffff:10.1.2.3", "private"],
      ["::ffff:a9fe:a9fe", "cloud metadata"],
      ["::ffff:8.8.8.8", null],
      ["::127.0.0.1", "loopback"], // IPv4-compatible
      ["::8.8.8.8", null],
      ["64:ff9b::192.168.1.1", "private"], // NAT64
      ["64:ff9b::808:808", null],
      ["2002:7f00:1::", "loopback"], // 6to4 of 127.0.0.1
      ["2002:0a00:0001:1234::1", "private"],
      ["2002:0808:0808::1", null],
    ];
    for (const [a, cls] of cases) expect([a, classifyAddress(a)]).toEqual([a, cls]);
  });

  test("brackets and zone ids are stripped", () => {
    expect(classifyAddress("[::1]")).toBe("loopback");
    expect(classifyAddress("fe80::1%eth0")).toBe("link-local");
  });

  test("parsing", () => {
    expect(parseIPv6("::1")).toBe(1n);
    expect(parseIPv6("1::")).toBe(1n << 112n);
    expect(parseIPv6("1:2:3:4:5:6:7:8")).toBe(0x00010002000300040005000600070008n);
    expect(parseIPv6("::ffff:1.2.3.4")).toBe(0xffff01020304n);
    expect(parseIPv6("1:2:3:4:5:6:1.2.3.4")).toBe(0x000100020003000400050006_01020304n);
    for (const bad of ["1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "::g", ":::", "1:2:3:4:5:6:7::8", "::1.2.3", "::1.2.3.4:5", "1.2.3.4"]) {
      expect([bad, parseIPv6(bad)]).toEqual([bad, null]);
    }
  });
});

describe("hosts as a URL parser hands them over", () => {
  // The WHATWG parser turns every IPv4 spelling into a dotted quad, so the rules see the real address.
  test("hex, octal, decimal and short IPv4 forms all come out as loopback", () => {
    for (const url of ["http://0x7f.1/", "http://2130706433/", "http://017700000001/", "http://127.1/", "http://0x7f.0.0.1./", "http://0177.0.0.01/"]) {
      const host = new URL(url).hostname;
      expect([url, classifyAddress(host)]).toEqual([url, "loopback"]);
    }
  });

  test("IPv6 hosts with an IPv4 tail", () => {
    for (const url of ["http://[::ffff:127.0.0.1]/", "http://[0:0:0:0:0:ffff:7f00:1]/", "http://[::1]/", "http://[fd00:ec2::254]/"]) {
      expect([url, classifyAddress(new URL(url).hostname)]).not.toEqual([url, null]);
    }
  });
});
