//! The widget's origin allow-list and IP block-list.

use std::net::IpAddr;

/// A single address or a CIDR range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpRange {
    base: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Parses an address or a CIDR range.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let (addr, prefix) = match raw.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (raw, None),
        };
        let base: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{raw}` is not an IP address or CIDR range"))?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{raw}` has a bad prefix length"))?,
        };
        Ok(Self { base, prefix })
    }

    /// Whether `ip` is in the range; an IPv4 address also matches as IPv6-mapped.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (a, b, bits) = match (self.base, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a) as u128, u32::from(b) as u128, 32),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
            (IpAddr::V6(a), IpAddr::V4(b)) => (u128::from(a), u128::from(b.to_ipv6_mapped()), 128),
            (IpAddr::V4(_), IpAddr::V6(b)) => match b.to_ipv4_mapped() {
                Some(v4) => return self.contains(IpAddr::V4(v4)),
                None => return false,
            },
        };
        if self.prefix == 0 {
            return true;
        }
        let shift = bits - self.prefix as u32;
        (a >> shift) == (b >> shift)
    }
}

impl std::fmt::Display for IpRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let max = if self.base.is_ipv4() { 32 } else { 128 };
        if self.prefix == max {
            write!(f, "{}", self.base)
        } else {
            write!(f, "{}/{}", self.base, self.prefix)
        }
    }
}

/// A domain entry allows itself and its subdomains; an empty list allows every origin.
pub fn origin_allowed(origin: &str, allowed: &[String]) -> bool {
    let origin = origin.trim_end_matches('.').to_ascii_lowercase();
    allowed.is_empty()
        || allowed.iter().any(|d| {
            let d = d.trim_start_matches("*.").to_ascii_lowercase();
            origin == d || origin.ends_with(&format!(".{d}"))
        })
}

/// Checks a domain name for the allow-list.
pub fn parse_domain(raw: &str) -> Result<String, String> {
    let d = raw.trim().trim_start_matches("*.").to_ascii_lowercase();
    let ok = !d.is_empty()
        && d.len() <= 253
        && d.split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if ok {
        Ok(d)
    } else {
        Err(format!("`{raw}` is not a domain name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_match_addresses() {
        let r = IpRange::parse("10.1.0.0/16").unwrap();
        assert!(r.contains("10.1.200.3".parse().unwrap()));
        assert!(!r.contains("10.2.0.1".parse().unwrap()));
        assert!(IpRange::parse("192.0.2.7")
            .unwrap()
            .contains("192.0.2.7".parse().unwrap()));
        assert!(IpRange::parse("2001:db8::/32")
            .unwrap()
            .contains("2001:db8:1::5".parse().unwrap()));
        assert!(IpRange::parse("10.0.0.0/8")
            .unwrap()
            .contains("::ffff:10.9.9.9".parse().unwrap()));
        assert!(IpRange::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        assert!(IpRange::parse("10.0.0.0/33").is_err());
        assert!(IpRange::parse("nope").is_err());
        assert_eq!(
            IpRange::parse("10.0.0.0/8").unwrap().to_string(),
            "10.0.0.0/8"
        );
    }

    #[test]
    fn domains_allow_subdomains() {
        let allowed = vec!["example.com".to_string()];
        assert!(origin_allowed("example.com", &allowed));
        assert!(origin_allowed("shop.Example.com", &allowed));
        assert!(!origin_allowed("badexample.com", &allowed));
        assert!(origin_allowed("anything.org", &[]));
        assert!(parse_domain("*.example.com").is_ok());
        assert!(parse_domain("exa mple.com").is_err());
    }
}
