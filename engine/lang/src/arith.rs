//! Arithmetic on [`Number`] with Terraform's results.
//!
//! Addition and subtraction are exact. Multiplication is exact up to
//! [`Number::DIVISION_DIGITS`] significant digits and rounded beyond (so that
//! `2/3*3` is `2`, as Terraform's 512-bit floats give). Division rounds to
//! [`Number::DIVISION_DIGITS`] significant digits (half to even). The
//! remainder follows cty: the sign of the dividend, `a % 0 == a`.

use bigdecimal::num_bigint::BigInt;
use bigdecimal::{BigDecimal, RoundingMode, Signed, Zero};
use gitform_value::Number;
use std::num::NonZeroU64;

fn round_digits(d: BigDecimal) -> BigDecimal {
    let Some(prec) = NonZeroU64::new(Number::DIVISION_DIGITS) else {
        return d;
    };
    if d.digits() <= prec.get() {
        return d.normalized();
    }
    d.with_precision_round(prec, RoundingMode::HalfEven)
        .normalized()
}

/// The decimal exponent of the leading digit (0 for zero).
fn magnitude(d: &BigDecimal) -> i64 {
    if d.is_zero() {
        return 0;
    }
    let (_, scale) = d.as_bigint_and_exponent();
    d.digits() as i64 - scale
}

/// When one operand is below the precision of the other by far more than
/// 512-bit floats can tell apart (Terraform's numbers), the sum is the
/// larger one: adding them exactly would build a number with as many
/// digits as the gap between them.
fn negligible(a: &BigDecimal, b: &BigDecimal) -> Option<BigDecimal> {
    const GAP: i64 = 2 * Number::DIVISION_DIGITS as i64;
    if a.is_zero() || b.is_zero() {
        return None;
    }
    let (ma, mb) = (magnitude(a), magnitude(b));
    if ma - mb > GAP {
        Some(round_digits(a.clone()))
    } else if mb - ma > GAP {
        Some(round_digits(b.clone()))
    } else {
        None
    }
}

pub fn add(a: &Number, b: &Number) -> Number {
    if let Some(big) = negligible(&a.0, &b.0) {
        return Number(big);
    }
    Number((&a.0 + &b.0).normalized())
}

pub fn sub(a: &Number, b: &Number) -> Number {
    let nb = -(&b.0);
    if let Some(big) = negligible(&a.0, &nb) {
        return Number(big);
    }
    Number((&a.0 - &b.0).normalized())
}

pub fn mul(a: &Number, b: &Number) -> Number {
    Number(round_digits(&a.0 * &b.0))
}

pub fn neg(a: &Number) -> Number {
    Number(-(&a.0))
}

/// `a / b`, or `None` when `b` is zero (Terraform yields an infinity, which
/// gitform's numbers cannot hold).
pub fn div(a: &Number, b: &Number) -> Option<Number> {
    if b.0.is_zero() {
        return None;
    }
    if a.0.is_zero() {
        return Some(Number::zero());
    }
    let (ai, ascale) = a.0.as_bigint_and_exponent();
    let (bi, bscale) = b.0.as_bigint_and_exponent();
    // Shift the dividend so the integer quotient has enough digits.
    let a_digits = ai.magnitude().to_string().len() as i64;
    let b_digits = bi.magnitude().to_string().len() as i64;
    let want = Number::DIVISION_DIGITS as i64 + 2;
    let shift = (want + b_digits - a_digits).max(0);
    let shifted = ai * BigInt::from(10u32).pow(u32::try_from(shift).ok()?);
    let q = &shifted / &bi;
    let rem = &shifted % &bi;
    // A sticky digit keeps the rounding exact when the division was inexact.
    let (q, extra) = if rem.is_zero() {
        (q, 0)
    } else {
        let sticky =
            if (q.is_negative()) || (q.is_zero() && (shifted.is_negative() != bi.is_negative())) {
                BigInt::from(-1)
            } else {
                BigInt::from(1)
            };
        (q * 10 + sticky, 1)
    };
    let scale = ascale - bscale + shift + extra;
    Some(Number(round_digits(BigDecimal::new(q, scale))))
}

/// `a % b` as cty computes it: `a - b * trunc(a / b)`, and `a` when `b` is 0.
pub fn rem(a: &Number, b: &Number) -> Number {
    if b.0.is_zero() {
        return a.clone();
    }
    // Exact: scale both to integers with a common scale.
    let (ai, ascale) = a.0.as_bigint_and_exponent();
    let (bi, bscale) = b.0.as_bigint_and_exponent();
    let scale = ascale.max(bscale);
    let pow = |s: i64| BigInt::from(10u32).pow(u32::try_from(s).unwrap_or(0));
    let an = ai * pow(scale - ascale);
    let bn = bi * pow(scale - bscale);
    // BigInt's `%` truncates towards zero: the sign follows the dividend.
    let r = an % bn;
    Number(BigDecimal::new(r, scale).normalized())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn operations() {
        let cases: &[(&str, &str, &str, &str)] = &[
            ("5", "%", "3", "2"),
            ("-5", "%", "3", "-2"),
            ("5.5", "%", "2", "1.5"),
            ("-5.5", "%", "2", "-1.5"),
            ("5", "%", "-3", "2"),
            ("-7", "%", "2.5", "-2"),
            ("5", "%", "0", "5"),
            ("5", "/", "2", "2.5"),
            ("-6", "/", "3", "-2"),
            ("0.1", "+", "0.2", "0.3"),
            (
                "10000000000000000000000000000001",
                "+",
                "1",
                "10000000000000000000000000000002",
            ),
        ];
        for (a, op, b, want) in cases {
            let (a, b) = (n(a), n(b));
            let got = match *op {
                "%" => rem(&a, &b),
                "/" => div(&a, &b).unwrap(),
                "+" => add(&a, &b),
                _ => unreachable!(),
            };
            assert_eq!(got.to_string(), *want, "{a} {op} {b}");
        }
    }

    #[test]
    fn division_rounds_to_digits() {
        let third = div(&n("1"), &n("3")).unwrap();
        assert_eq!(third.0.digits(), Number::DIVISION_DIGITS);
        assert_eq!(
            mul(&div(&n("2"), &n("3")).unwrap(), &n("3")).to_string(),
            "2"
        );
        let neg_third = div(&n("-1"), &n("3")).unwrap().to_string();
        assert!(neg_third.starts_with("-0.3333"), "{neg_third}");
        assert!(div(&n("1"), &n("0")).is_none());
    }
}
