//! IP network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet` and
//! `cidrsubnets`, for IPv4 and IPv6.
//!
//! The arithmetic follows Terraform's (go-cidr on Go's `math/big`), including
//! how it treats negative host and network numbers.

use crate::{FuncContext, FuncError, FuncResult, FuncSpec, Param};
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::One;
use gitform_value::{Number, Type, Value};
use std::net::{Ipv4Addr, Ipv6Addr};

pub(crate) fn functions() -> Vec<FuncSpec> {
    vec![
        FuncSpec::new(
            "cidrhost",
            vec![
                Param::new("prefix", Type::String),
                Param::new("hostnum", Type::Number),
            ],
            Type::String,
            cidrhost,
        ),
        FuncSpec::new(
            "cidrnetmask",
            vec![Param::new("prefix", Type::String)],
            Type::String,
            cidrnetmask,
        ),
        FuncSpec::new(
            "cidrsubnet",
            vec![
                Param::new("prefix", Type::String),
                Param::new("newbits", Type::Number),
                Param::new("netnum", Type::Number),
            ],
            Type::String,
            cidrsubnet,
        ),
        FuncSpec::new(
            "cidrsubnets",
            vec![Param::new("prefix", Type::String)],
            Type::list(Type::String),
            cidrsubnets,
        )
        .variadic(Param::new("newbits", Type::Number)),
    ]
}

/// A parsed CIDR block: the masked network address as an integer.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Net {
    addr: u128,
    len: u32,
    /// 32 or 128.
    bits: u32,
}

impl Net {
    /// The network mask of a `len`-bit prefix in a `bits`-bit address.
    fn mask(bits: u32, len: u32) -> u128 {
        let all = if bits >= 128 {
            u128::MAX
        } else {
            (1u128 << bits) - 1
        };
        let host = bits.saturating_sub(len);
        let low = if host >= 128 {
            u128::MAX
        } else {
            (1u128 << host) - 1
        };
        all & !low
    }

    fn host_mask(&self, len: u32) -> u128 {
        !Net::mask(self.bits, len) & self.all()
    }

    fn all(&self) -> u128 {
        if self.bits == 128 {
            u128::MAX
        } else {
            (1u128 << self.bits) - 1
        }
    }

    fn contains(&self, addr: u128) -> bool {
        addr & Net::mask(self.bits, self.len) == self.addr
    }
}

fn format_addr(addr: u128, bits: u32) -> String {
    if bits == 32 {
        Ipv4Addr::from(addr as u32).to_string()
    } else {
        Ipv6Addr::from(addr).to_string()
    }
}

/// Parses an IPv4 address as Go's older parser did (leading zeros allowed).
fn parse_ipv4(s: &str) -> Option<u32> {
    let mut out: u32 = 0;
    let mut count = 0;
    for part in s.split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u32 = part.parse().ok()?;
        if v > 255 {
            return None;
        }
        out = (out << 8) | v;
        count += 1;
    }
    (count == 4).then_some(out)
}

fn parse_cidr(s: &str) -> Result<Net, String> {
    let bad = || format!("invalid CIDR expression: invalid CIDR address: {s}");
    let (ip, len) = s.split_once('/').ok_or_else(bad)?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let len: u32 = len.parse().map_err(|_| bad())?;
    let (addr, bits) = if let Some(v4) = parse_ipv4(ip) {
        (u128::from(v4), 32)
    } else if ip.contains(':') {
        let v6: Ipv6Addr = ip.parse().map_err(|_| bad())?;
        (u128::from(v6), 128)
    } else {
        return Err(bad());
    };
    if len > bits {
        return Err(bad());
    }
    Ok(Net {
        addr: addr & Net::mask(bits, len),
        len,
        bits,
    })
}

fn number(args: &[Value], i: usize) -> Option<&Number> {
    args.get(i).and_then(Value::as_number)
}

/// An argument as a whole number (Go's `gocty` to `*big.Int`).
fn big_int(n: Option<&Number>) -> Result<BigInt, FuncError> {
    match n {
        Some(n) if n.is_integer() => Ok(n.as_big().with_scale(0).as_bigint_and_exponent().0),
        _ => Err(FuncError::call("value must be a whole number")),
    }
}

/// An argument as a Go `int`.
fn go_int(n: Option<&Number>) -> Result<i64, String> {
    n.and_then(Number::to_i64).ok_or_else(|| {
        "value must be a whole number, between -9223372036854775808 and 9223372036854775807"
            .to_string()
    })
}

/// Go's `big.Int.Uint64`: the low 64 bits of the magnitude.
fn low_u64(n: &BigInt) -> u64 {
    n.magnitude().iter_u64_digits().next().unwrap_or(0)
}

/// Go's `big.Int.Int64`.
fn low_i64(n: &BigInt) -> i64 {
    let v = low_u64(n) as i64;
    if n.sign() == Sign::Minus {
        v.wrapping_neg()
    } else {
        v
    }
}

/// go-cidr's `insertNumIntoIP` + `intToIP`: ORs `num << shift` into the
/// address (two's complement, as `big.Int.Or`) and keeps the magnitude.
fn insert_num(addr: u128, bits: u32, num: &BigInt, shift: u32) -> Option<u128> {
    let shifted = num << (shift as usize);
    let combined = BigInt::from(addr) | shifted;
    let (_, bytes) = combined.to_bytes_be();
    if bytes.len() > (bits / 8) as usize {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0u128, |acc, b| (acc << 8) | u128::from(*b)),
    )
}

fn cidrhost(args: &[Value], _: &FuncContext) -> FuncResult {
    let mut num = big_int(number(args, 1))?;
    let net = parse_cidr(args.first().and_then(Value::as_str).unwrap_or_default())
        .map_err(FuncError::call)?;
    let host_len = net.bits - net.len;
    let max: BigInt = (BigInt::one() << host_len as usize) - BigInt::one();
    let mut num2 = BigInt::from(low_i64(&num));
    if num.sign() == Sign::Minus {
        num2 = -&num - BigInt::one();
        num = &max - &num2;
    }
    let too_big = || {
        FuncError::call(format!(
            "prefix of {} does not accommodate a host numbered {num}",
            net.len
        ))
    };
    if num2 > max {
        return Err(too_big());
    }
    let addr = insert_num(net.addr, net.bits, &num, 0).ok_or_else(too_big)?;
    Ok(Value::String(format_addr(addr, net.bits)))
}

fn cidrnetmask(args: &[Value], _: &FuncContext) -> FuncResult {
    let s = args.first().and_then(Value::as_str).unwrap_or_default();
    let net = parse_cidr(s).map_err(FuncError::call)?;
    if net.bits != 32 {
        return Err(FuncError::call(format!(
            "IPv6 addresses cannot have a netmask: {s}"
        )));
    }
    Ok(Value::String(format_addr(Net::mask(32, net.len), 32)))
}

fn cidrsubnet(args: &[Value], _: &FuncContext) -> FuncResult {
    let newbits = go_int(number(args, 1)).map_err(FuncError::call)?;
    let num = big_int(number(args, 2))?;
    let net = parse_cidr(args.first().and_then(Value::as_str).unwrap_or_default())
        .map_err(FuncError::call)?;
    let new_len = i64::from(net.len) + newbits;
    if new_len > i64::from(net.bits) {
        return Err(FuncError::call(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            net.len
        )));
    }
    if new_len < 0 {
        return Err(FuncError::call(format!(
            "cannot shorten prefix of {} by {}",
            net.len, -newbits
        )));
    }
    // Go: uint64(1<<uint64(newBits)) - 1, where shifts of 64 or more give 0.
    let max_net = if (0..64).contains(&newbits) {
        (1u64 << newbits) - 1
    } else {
        u64::MAX
    };
    if low_u64(&num) > max_net {
        return Err(FuncError::call(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {num}"
        )));
    }
    let shift = net.bits - new_len as u32;
    let addr = insert_num(net.addr, net.bits, &num, shift).ok_or_else(|| {
        FuncError::call(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {num}"
        ))
    })?;
    Ok(Value::String(format!(
        "{}/{new_len}",
        format_addr(addr, net.bits)
    )))
}

fn cidrsubnets(args: &[Value], _: &FuncContext) -> FuncResult {
    let net = parse_cidr(args.first().and_then(Value::as_str).unwrap_or_default()).map_err(
        |message| FuncError::Arg {
            arg: 0,
            param: "prefix".into(),
            message,
        },
    )?;
    let lengths = args.get(1..).unwrap_or_default();
    if lengths.is_empty() {
        return Ok(Value::List(vec![]));
    }
    let arg_err = |i: usize, message: String| FuncError::Arg {
        arg: i + 1,
        param: "newbits".into(),
        message,
    };
    let first = go_int(lengths.first().and_then(Value::as_number)).map_err(|m| arg_err(0, m))?;
    let first_len = (i64::from(net.len) + first).clamp(0, i64::from(net.bits)) as u32;
    // The subnet of the first length just before the network.
    let mut current = Net {
        addr: net.addr.wrapping_sub(1) & net.all() & Net::mask(net.bits, first_len),
        len: first_len,
        bits: net.bits,
    };
    let mut out = Vec::with_capacity(lengths.len());
    for (i, l) in lengths.iter().enumerate() {
        let newbits = go_int(l.as_number()).map_err(|m| arg_err(i, m))?;
        if newbits < 1 {
            return Err(arg_err(i, "must extend prefix by at least one bit".into()));
        }
        if newbits > 32 {
            return Err(arg_err(
                i,
                "may not extend prefix by more than 32 bits".into(),
            ));
        }
        let len = i64::from(net.len) + newbits;
        if len > i64::from(net.bits) {
            let protocol = if net.bits == 32 { "IPv4" } else { "IPv6" };
            return Err(arg_err(
                i,
                format!("would extend prefix to {len} bits, which is too long for an {protocol} address"),
            ));
        }
        let len = len as u32;
        // go-cidr's NextSubnet.
        let current_last = current.addr | current.host_mask(current.len);
        let sub_last = (current_last & Net::mask(net.bits, len)) | current.host_mask(len);
        let next_addr = sub_last.wrapping_add(1) & net.all();
        if next_addr == 0 || !net.contains(next_addr) {
            return Err(arg_err(
                i,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {len} bits after {}/{}",
                    format_addr(current.addr, net.bits),
                    current.len
                ),
            ));
        }
        current = Net {
            addr: next_addr,
            len,
            bits: net.bits,
        };
        out.push(Value::String(format!(
            "{}/{len}",
            format_addr(next_addr, net.bits)
        )));
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(Net::mask(32, 0), 0);
        assert_eq!(Net::mask(32, 8), 0xff00_0000);
        assert_eq!(Net::mask(32, 32), 0xffff_ffff);
        assert_eq!(Net::mask(128, 128), u128::MAX);
    }
}
