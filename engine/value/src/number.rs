//! Arbitrary-precision numbers, as Terraform's `number` type.

use bigdecimal::{BigDecimal, ToPrimitive, Zero};
use std::fmt;
use std::str::FromStr;

/// An arbitrary-precision decimal number.
///
/// Addition, subtraction and multiplication are exact. Division rounds to
/// [`Number::DIVISION_DIGITS`] significant digits.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(pub BigDecimal);

impl Number {
    /// Significant digits kept by division and other inexact operations.
    /// Terraform keeps 512 bits of mantissa, which is about 155 digits.
    pub const DIVISION_DIGITS: u64 = 155;

    /// The largest decimal exponent (either sign) a parsed number may have.
    pub const MAX_EXPONENT: u64 = 100_000;

    pub fn from_i64(v: i64) -> Number {
        Number(BigDecimal::from(v))
    }

    pub fn from_u64(v: u64) -> Number {
        Number(BigDecimal::from(v))
    }

    /// Converts a finite f64. Returns `None` for NaN and infinities.
    pub fn from_f64(v: f64) -> Option<Number> {
        if !v.is_finite() {
            return None;
        }
        // Shortest decimal that round-trips, as Go's strconv does.
        BigDecimal::from_str(&format!("{v}")).ok().map(Number)
    }

    /// Parses a decimal literal such as `12`, `-1.5` or `1e40`.
    pub fn parse(s: &str) -> Option<Number> {
        let s = s.trim();
        if s.is_empty() || s.contains(char::is_whitespace) {
            return None;
        }
        let body = s.strip_prefix(['+', '-']).unwrap_or(s);
        if body.is_empty() || !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return None;
        }
        if body
            .contains(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')))
        {
            return None;
        }
        let d = BigDecimal::from_str(s).ok()?.normalized();
        // Numbers whose plain text would run to more than a hundred thousand
        // digits are refused: they cannot be printed or computed with in
        // reasonable time.
        let (_, scale) = d.as_bigint_and_exponent();
        if scale.unsigned_abs() > Number::MAX_EXPONENT {
            return None;
        }
        Some(Number(d))
    }

    pub fn zero() -> Number {
        Number(BigDecimal::zero())
    }

    pub fn is_integer(&self) -> bool {
        self.0.is_integer()
    }

    pub fn to_i64(&self) -> Option<i64> {
        if self.is_integer() {
            self.0.to_i64()
        } else {
            None
        }
    }

    pub fn to_f64(&self) -> f64 {
        self.0.to_f64().unwrap_or(f64::NAN)
    }

    pub fn as_big(&self) -> &BigDecimal {
        &self.0
    }

    /// Terraform's canonical text: plain decimal notation, no exponent, no
    /// trailing zeros after the point, `-0` printed as `0`.
    pub fn to_canonical_string(&self) -> String {
        let d = self.0.normalized();
        if d.is_zero() {
            return "0".to_string();
        }
        let (digits, scale) = d.as_bigint_and_exponent();
        let neg = digits.sign() == bigdecimal::num_bigint::Sign::Minus;
        let mut s = digits.magnitude().to_string();
        let out = if scale <= 0 {
            s.extend(std::iter::repeat_n('0', (-scale) as usize));
            s
        } else {
            let scale = scale as usize;
            if s.len() <= scale {
                let mut t = String::from("0.");
                t.extend(std::iter::repeat_n('0', scale - s.len()));
                t.push_str(&s);
                t
            } else {
                s.insert(s.len() - scale, '.');
                s
            }
        };
        if neg {
            format!("-{out}")
        } else {
            out
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_canonical_string())
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({})", self.to_canonical_string())
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Number::from_i64(v)
    }
}

impl From<BigDecimal> for Number {
    fn from(v: BigDecimal) -> Self {
        Number(v.normalized())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_text() {
        for (input, want) in [
            ("12", "12"),
            ("12.40", "12.4"),
            ("1e40", "10000000000000000000000000000000000000000"),
            ("-0.005", "-0.005"),
            ("-0", "0"),
            ("1.5e-3", "0.0015"),
        ] {
            assert_eq!(Number::parse(input).unwrap().to_string(), want, "{input}");
        }
    }

    #[test]
    fn rejects_non_numbers() {
        for input in ["", "abc", "1 2", "0x10", "inf", "NaN", "--1"] {
            assert!(Number::parse(input).is_none(), "{input}");
        }
    }
}
