//! Checks of CIDR blocks in configuration, as hashicorp/aws validates them.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Checks an IPv4 network in CIDR notation whose prefix length lies in
/// `min..=max`, with no host bits set (`10.0.0.0/16`, not `10.0.0.1/16`).
pub fn check_ipv4_network(s: &str, min: u8, max: u8) -> Result<(), String> {
    let (addr, len) = s
        .split_once('/')
        .ok_or_else(|| format!("\"{s}\" is not a CIDR block (such as \"10.0.0.0/16\")."))?;
    let ip: Ipv4Addr = addr
        .parse()
        .map_err(|_| format!("\"{s}\" is not a CIDR block: \"{addr}\" is not an IPv4 address."))?;
    let bits: u8 = len.parse().ok().filter(|b| *b <= 32).ok_or_else(|| {
        format!("\"{s}\" is not a CIDR block: \"/{len}\" is not a prefix length.")
    })?;
    if bits < min || bits > max {
        return Err(format!(
            "\"{s}\" must have a prefix length between /{min} and /{max}."
        ));
    }
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(bits))
    };
    let network = Ipv4Addr::from(u32::from(ip) & mask);
    if network != ip {
        return Err(format!(
            "\"{s}\" is not a network address: use \"{network}/{bits}\"."
        ));
    }
    Ok(())
}

/// Checks an IPv6 network in CIDR notation, with no host bits set.
pub fn check_ipv6_network(s: &str) -> Result<(), String> {
    let (addr, len) = s.split_once('/').ok_or_else(|| {
        format!("\"{s}\" is not an IPv6 CIDR block (such as \"2600:1f18::/56\").")
    })?;
    let ip: Ipv6Addr = addr
        .parse()
        .map_err(|_| format!("\"{s}\" is not a CIDR block: \"{addr}\" is not an IPv6 address."))?;
    let bits: u32 = len.parse().ok().filter(|b| *b <= 128).ok_or_else(|| {
        format!("\"{s}\" is not a CIDR block: \"/{len}\" is not a prefix length.")
    })?;
    let mask = if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits)
    };
    let network = Ipv6Addr::from(u128::from(ip) & mask);
    if network != ip {
        return Err(format!(
            "\"{s}\" is not a network address: use \"{network}/{bits}\"."
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_networks() {
        assert!(check_ipv4_network("10.0.0.0/16", 16, 28).is_ok());
        assert!(check_ipv4_network("10.0.1.0/24", 16, 28).is_ok());
        for (bad, says) in [
            ("10.0.0.1/16", "use \"10.0.0.0/16\""),
            ("10.0.0.0/8", "between /16 and /28"),
            ("10.0.0.0", "not a CIDR block"),
            ("10.0.0.300/24", "not an IPv4 address"),
            ("10.0.0.0/33", "not a prefix length"),
        ] {
            let e = check_ipv4_network(bad, 16, 28).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn ipv6_networks() {
        assert!(check_ipv6_network("2600:1f18:abcd:1200::/56").is_ok());
        assert!(check_ipv6_network("2600:1f18::1/56").is_err());
        assert!(check_ipv6_network("nope/56").is_err());
    }
}
