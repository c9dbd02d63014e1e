//! Which addresses the desk talks to and believes: the client address behind trusted proxies, and
//! the networks an outbound call (a channel server) may reach.

use std::net::IpAddr;

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

/// Loopback, private, link-local, carrier-grade NAT, unspecified and metadata addresses: where a
/// request from the desk must not go unless an operator allowed the network.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
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
        ] {
            assert!(is_internal(ip(internal)), "{internal}");
        }
        for public in [
            "8.8.8.8",
            "172.32.0.1",
            "2001:4860:4860::8888",
            "100.128.0.1",
        ] {
            assert!(!is_internal(ip(public)), "{public}");
        }
    }
}
