import { describe, expect, it } from "vitest";
import { clientOf, ipv6Prefix64 } from ".";

// Which client a guess is counted against: an IPv6 address by its /64, however it is written.

describe("ipv6Prefix64", () => {
  it("takes the first four groups, however the address is compressed", () => {
    expect(ipv6Prefix64("2001:db8:1:2::5")).toBe("2001:db8:1:2::/64");
    expect(ipv6Prefix64("2001:0db8:0001:0002:ffff:ffff:ffff:fffe")).toBe("2001:db8:1:2::/64");
    expect(ipv6Prefix64("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(ipv6Prefix64("::1")).toBe("0:0:0:0::/64");
    expect(ipv6Prefix64("[2001:DB8:a:b::1]")).toBe("2001:db8:a:b::/64");
    expect(ipv6Prefix64("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(ipv6Prefix64("::ffff:192.0.2.1")).toBe("0:0:0:0::/64");
  });

  it("refuses what is not an IPv6 address", () => {
    for (const bad of ["192.0.2.1", "2001:db8::1::2", "1:2:3:4:5:6:7:8:9", "2001:db8:zz::1", "1:2:3"]) expect(ipv6Prefix64(bad), bad).toBeNull();
  });

  it("counts two addresses of one /64 as one client, and IPv4 as it is", () => {
    const h = (ip: string) => new Headers({ "cf-connecting-ip": ip });
    expect(clientOf(h("2001:db8:1:2::1"))).toBe(clientOf(h("2001:db8:1:2:aaaa:bbbb:cccc:dddd")));
    expect(clientOf(h("2001:db8:1:3::1"))).not.toBe(clientOf(h("2001:db8:1:2::1")));
    expect(clientOf(h("198.51.100.7"))).toBe("198.51.100.7");
    expect(clientOf(new Headers())).toBe("unknown");
  });
});
