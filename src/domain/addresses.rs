//! Which addresses the desk talks to and believes: the client address behind trusted proxies, and
//! the networks an outbound call (a channel server) may reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::netlist::IpRange;

/// The address a request really comes from: the peer, unless the peer is a trusted proxy, in
/// which case the `X-Forwarded-For` hops are read from the right (the hop our proxy saw) past every
/// trusted proxy. A client can put anything at the left of the header; only hops added by proxies
/// we trust are believed.
pub fn client_address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpRange]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    if let Some(header) = forwarded_for {
        for hop in header.rsplit(',') {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = ip;
            if !is_trusted(ip) {
                break;
            }
        }
    }
    client
}

/// Every address but a global unicast one: loopback, private, link-local, carrier-grade NAT,
/// benchmarking, reserved, documentation, multicast, unspecified and metadata addresses — where a
/// request from the desk must not go unless an operator allowed the network.
///
/// An IPv6 address that carries an IPv4 one (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
/// NAT64 `64:ff9b::/96`, 6to4 `2002::/16`, Teredo `2001::/32`) is judged by the IPv4 address it
/// reaches: on a NAT64 network `[64:ff9b::a9fe:a9fe]` *is* 169.254.169.254. Anything else of IPv6
/// counts as global only inside `2000::/3` and outside its documentation and ORCHID blocks, so a
/// range the rules below forget (site-local `fec0::/10`, a future one) is refused, not allowed.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !is_global_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => !is_global_v4(v4),
            None => !is_global_v6(v6),
        },
    }
}

fn is_global_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    let reserved = a == 0                                  // "this network"
        || a == 10                                         // private
        || a == 127                                        // loopback
        || (a == 100 && (64..128).contains(&b))            // carrier-grade NAT
        || (a == 169 && b == 254)                          // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))             // private
        || (a == 192 && b == 0 && c == 0)                  // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)                  // documentation
        || (a == 192 && b == 88 && c == 99)                // 6to4 relay anycast
        || (a == 192 && b == 168)                          // private
        || (a == 198 && (b == 18 || b == 19))              // benchmarking
        || (a == 198 && b == 51 && c == 100)               // documentation
        || (a == 203 && b == 0 && c == 113)                // documentation
        || a >= 224; // multicast, reserved 240/4, broadcast
    !reserved
}

/// The IPv4 address an IPv6 one stands for, where it is only a way of writing or reaching one.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let low32 = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    // IPv4-compatible ::a.b.c.d (deprecated, still routed by some stacks); :: and ::1 are not.
    if s[..6] == [0; 6] && (s[6] != 0 || s[7] > 1) {
        return Some(low32());
    }
    // NAT64 well-known prefix 64:ff9b::/96 and the local-use 64:ff9b:1::/48.
    if s[0] == 0x64 && s[1] == 0xff9b && (s[2..6] == [0; 4] || s[2] == 1) {
        return Some(low32());
    }
    // 6to4 2002:AABB:CCDD::/48 carries a.b.c.d in its second and third groups.
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    // Teredo 2001:0::/32: the client's address is the last 32 bits, inverted.
    if s[0] == 0x2001 && s[1] == 0 {
        let v4 = low32();
        return Some(Ipv4Addr::from(!u32::from(v4)));
    }
    None
}

fn is_global_v6(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    let global_unicast = (s[0] & 0xe000) == 0x2000;
    let documentation = s[0] == 0x2001 && s[1] == 0x0db8 || (s[0] & 0xfff0) == 0x3ff0;
    // ORCHID 2001:10::/28 and ORCHIDv2 2001:20::/28.
    let orchid = s[0] == 0x2001 && matches!(s[1] & 0xfff0, 0x0010 | 0x0020);
    let benchmarking = s[0] == 0x2001 && s[1] == 0x0002 && s[2] == 0;
    global_unicast && !documentation && !orchid && !benchmarking
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn ranges(list: &[&str]) -> Vec<IpRange> {
        list.iter().map(|r| IpRange::parse(r).unwrap()).collect()
    }

    #[test]
    fn a_forwarded_for_header_counts_only_behind_a_trusted_proxy() {
        let none = ranges(&[]);
        let proxies = ranges(&["10.0.0.0/8"]);
        // Straight from the internet: the header is the client's own words.
        assert_eq!(
            client_address(ip("203.0.113.9"), Some("1.2.3.4"), &proxies),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("10.0.0.5"), Some("1.2.3.4"), &none),
            ip("10.0.0.5")
        );
        // Through our proxy: the hop it added, not what the client wrote before it.
        assert_eq!(
            client_address(ip("10.0.0.5"), Some("6.6.6.6, 1.2.3.4"), &proxies),
            ip("1.2.3.4")
        );
        // Through two of our proxies.
        assert_eq!(
            client_address(ip("10.0.0.5"), Some("6.6.6.6, 1.2.3.4, 10.0.0.7"), &proxies),
            ip("1.2.3.4")
        );
        // A garbled header from our proxy: the last good hop.
        assert_eq!(
            client_address(ip("10.0.0.5"), Some("nonsense"), &proxies),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn internal_addresses_are_recognised() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::",
            // Embedded IPv4 (issue: NAT64 reached the metadata service) and ranges once missed.
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::7f00:1",
            "64:ff9b:1::a00:1",
            "2002:a9fe:a9fe::1",
            "2002:7f00:1::",
            "::127.0.0.1",
            "::a9fe:a9fe",
            "::ffff:169.254.169.254",
            "2001:0:4136:e378:8000:63bf:f5ff:fffe", // Teredo for 10.0.0.1
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.19.255.254",
            "198.51.100.7",
            "203.0.113.9",
            "240.0.0.1",
            "255.255.255.255",
            "224.0.0.1",
        ] {
            assert!(is_internal(ip(internal)), "{internal}");
        }
        for public in [
            "8.8.8.8",
            "172.32.0.1",
            "2001:4860:4860::8888",
            "100.128.0.1",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "::ffff:8.8.8.8",
            "198.20.0.1",
            "192.0.1.1",
        ] {
            assert!(!is_internal(ip(public)), "{public}");
        }
    }
}
