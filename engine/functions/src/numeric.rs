//! Numeric functions: abs, ceil, floor, log, max, min, parseint, pow, signum.
//!
//! Exact operations work on the arbitrary-precision [`Number`]; `log` and
//! `pow` go through `f64` as Terraform does (so `pow(2, 100)` is
//! `1267650600228229400000000000000`, not the exact power).

use crate::{FuncContext, FuncError, FuncResult, FuncSpec, Param};
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::{BigDecimal, RoundingMode, Zero};
use gitform_value::convert::value_type;
use gitform_value::{Number, Type, Value};

pub(crate) fn functions() -> Vec<FuncSpec> {
    let num = || Param::new("num", Type::Number);
    vec![
        FuncSpec::new("abs", vec![num()], Type::Number, abs),
        FuncSpec::new("ceil", vec![num()], Type::Number, ceil),
        FuncSpec::new("floor", vec![num()], Type::Number, floor),
        FuncSpec::new(
            "log",
            vec![num(), Param::new("base", Type::Number)],
            Type::Number,
            log,
        ),
        FuncSpec::new("max", vec![], Type::Number, max)
            .variadic(Param::new("numbers", Type::Number)),
        FuncSpec::new("min", vec![], Type::Number, min)
            .variadic(Param::new("numbers", Type::Number)),
        FuncSpec::new(
            "parseint",
            vec![
                Param::new("number", Type::Dynamic),
                Param::new("base", Type::Number),
            ],
            Type::Number,
            parseint,
        ),
        FuncSpec::new(
            "pow",
            vec![num(), Param::new("power", Type::Number)],
            Type::Number,
            pow,
        ),
        FuncSpec::new("signum", vec![num()], Type::Number, signum),
    ]
}

/// The message Terraform gives when a number is not a whole `int64`.
pub(crate) const WHOLE_NUMBER: &str =
    "value must be a whole number, between -9223372036854775808 and 9223372036854775807";

/// The number inside a converted argument.
pub(crate) fn number_arg(v: &Value) -> Result<&Number, FuncError> {
    v.as_number()
        .ok_or_else(|| FuncError::call("a number is required"))
}

/// A whole number that fits in an `i64`, or Terraform's message for it.
pub(crate) fn whole_int(v: &Value) -> Result<i64, String> {
    v.as_number()
        .and_then(Number::to_i64)
        .ok_or_else(|| WHOLE_NUMBER.to_string())
}

/// A `FuncError::Arg` ("Invalid value for "param" parameter: ...").
pub(crate) fn invalid_arg(arg: usize, param: &str, message: impl Into<String>) -> FuncError {
    FuncError::Arg {
        arg,
        param: param.to_string(),
        message: message.into(),
    }
}

/// A number from an `f64` result; infinities and NaN cannot be represented.
fn from_float(v: f64) -> FuncResult {
    if v.is_nan() {
        return Err(FuncError::call("the result is not a number (NaN)"));
    }
    if v.is_infinite() {
        let sign = if v > 0.0 { "+" } else { "-" };
        return Err(FuncError::call(format!(
            "the result is {sign}Inf, which cannot be represented as a number"
        )));
    }
    Ok(Value::Number(go_float64_number(v)))
}

/// The number Terraform makes of an `f64` result: a 53-bit `big.Float`,
/// which prints as the shortest decimal inside the rounding interval.
/// Unlike Rust's `f64` formatting, Go's `big.Float` uses a symmetric
/// interval, so `pow(2, 64)` is `18446744073709550000`.
fn go_float64_number(v: f64) -> Number {
    if v == 0.0 || !v.is_finite() {
        return Number::zero();
    }
    let bits = v.abs().to_bits();
    let exp_bits = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (mut m, mut e) = if exp_bits == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp_bits - 1075)
    };
    while m < (1u64 << 52) {
        m <<= 1;
        e -= 1;
    }
    // Half an ulp below and above, at twice the resolution.
    let mant2 = BigInt::from(m) << 1;
    let exp2 = e - 1;
    let inclusive = m % 2 == 0;
    let exact = dyadic_digits(&mant2, exp2);
    let lower = dyadic_digits(&(&mant2 - 1), exp2);
    let upper = dyadic_digits(&(&mant2 + 1), exp2);
    let top = exact.1.max(lower.1).max(upper.1);
    let align = |(d, x): &(Vec<u8>, i64)| -> Vec<u8> {
        let mut out = vec![b'0'; (top - x) as usize];
        out.extend_from_slice(d);
        out
    };
    let (d, lo, up) = (align(&exact), align(&lower), align(&upper));
    let at = |v: &[u8], i: usize| v.get(i).copied().unwrap_or(b'0');
    let mut digits = d.clone();
    for (i, &c) in d.iter().enumerate() {
        let (l, u) = (at(&lo, i), at(&up, i));
        let okdown = l != c || (inclusive && i + 1 == lo.len());
        let okup = c != u && (inclusive || c + 1 < u || i + 1 < up.len());
        let round_up = match (okdown, okup) {
            (true, true) => at(&d, i + 1) >= b'5',
            (true, false) => false,
            (false, true) => true,
            (false, false) => continue,
        };
        digits.truncate(i + 1);
        if round_up {
            loop {
                match digits.last_mut() {
                    Some(last) if *last == b'9' => {
                        digits.pop();
                    }
                    Some(last) => {
                        *last += 1;
                        break;
                    }
                    None => {
                        digits.push(b'1');
                        return signed_number(v < 0.0, &digits, top + 1);
                    }
                }
            }
        }
        break;
    }
    signed_number(v < 0.0, &digits, top)
}

/// `±0.digits × 10^exp` as a number.
fn signed_number(neg: bool, digits: &[u8], exp: i64) -> Number {
    let sign = if neg { "-" } else { "" };
    let text = format!(
        "{sign}{}e{}",
        String::from_utf8_lossy(digits),
        exp - digits.len() as i64
    );
    Number::parse(&text).unwrap_or_else(Number::zero)
}

/// The exact decimal digits of `mant × 2^exp` and the decimal exponent `x`
/// such that the value is `0.digits × 10^x`.
fn dyadic_digits(mant: &BigInt, exp: i64) -> (Vec<u8>, i64) {
    let (int, scale) = if exp >= 0 {
        (mant << exp as usize, 0i64)
    } else {
        (mant * BigInt::from(5u8).pow((-exp) as u32), -exp)
    };
    let mut digits = int.magnitude().to_string().into_bytes();
    let x = digits.len() as i64 - scale;
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, x)
}

fn abs(args: &[Value], _: &FuncContext) -> FuncResult {
    Ok(Value::Number(Number(number_arg(&args[0])?.0.abs())))
}

fn ceil(args: &[Value], _: &FuncContext) -> FuncResult {
    let n = number_arg(&args[0])?;
    Ok(Value::Number(Number::from(
        n.0.with_scale_round(0, RoundingMode::Ceiling),
    )))
}

fn floor(args: &[Value], _: &FuncContext) -> FuncResult {
    let n = number_arg(&args[0])?;
    Ok(Value::Number(Number::from(
        n.0.with_scale_round(0, RoundingMode::Floor),
    )))
}

fn log(args: &[Value], _: &FuncContext) -> FuncResult {
    let num = number_arg(&args[0])?.to_f64();
    let base = number_arg(&args[1])?.to_f64();
    from_float(go_log(num) / go_log(base))
}

fn pow(args: &[Value], _: &FuncContext) -> FuncResult {
    let num = number_arg(&args[0])?.to_f64();
    let power = number_arg(&args[1])?.to_f64();
    from_float(go_pow(num, power))
}

fn extreme(args: &[Value], want: std::cmp::Ordering) -> FuncResult {
    let mut best: Option<&Number> = None;
    for a in args {
        let n = number_arg(a)?;
        best = match best {
            Some(b) if n.cmp(b) != want => Some(b),
            _ => Some(n),
        };
    }
    best.cloned()
        .map(Value::Number)
        .ok_or_else(|| FuncError::call("must pass at least one number"))
}

fn max(args: &[Value], _: &FuncContext) -> FuncResult {
    extreme(args, std::cmp::Ordering::Greater)
}

fn min(args: &[Value], _: &FuncContext) -> FuncResult {
    extreme(args, std::cmp::Ordering::Less)
}

fn signum(args: &[Value], _: &FuncContext) -> FuncResult {
    let n = whole_int(&args[0]).map_err(FuncError::call)?;
    Ok(Value::int(n.signum()))
}

fn parseint(args: &[Value], _: &FuncContext) -> FuncResult {
    let Value::String(text) = &args[0] else {
        return Err(invalid_arg(
            0,
            "number",
            format!(
                "first argument must be a string, not {}",
                value_type(&args[0]).friendly_name()
            ),
        ));
    };
    let base = whole_int(&args[1]).map_err(|m| invalid_arg(1, "base", m))?;
    if !(2..=62).contains(&base) {
        return Err(invalid_arg(
            1,
            "base",
            "base must be a whole number between 2 and 62 inclusive",
        ));
    }
    let base = base as u32;
    parse_big_int(text, base)
        .map(|i| Value::Number(Number::from(BigDecimal::from(i))))
        .ok_or_else(|| {
            invalid_arg(
                0,
                "number",
                format!("cannot parse {} as a base {base} integer", go_quote(text)),
            )
        })
}

/// Parses an integer as Go's `big.Int.SetString(s, base)` does for
/// `2 <= base <= 62`: an optional sign, then at least one digit. For bases
/// up to 36 letters are case-insensitive; above, `a-z` are 10..35 and
/// `A-Z` 36..61.
fn parse_big_int(s: &str, base: u32) -> Option<BigInt> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut acc = BigInt::zero();
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        acc = acc * base + d;
    }
    Some(if neg {
        BigInt::from_biguint(Sign::Minus, acc.magnitude().clone())
    } else {
        acc
    })
}

/// Go's `math.Frexp`: `v = frac × 2^exp` with `0.5 <= |frac| < 1`.
fn frexp(v: f64) -> (f64, i32) {
    if v == 0.0 || !v.is_finite() {
        return (v, 0);
    }
    let (mut v, mut e) = (v, 0);
    if v.abs() < f64::MIN_POSITIVE {
        v *= (1u64 << 52) as f64;
        e = -52;
    }
    let bits = v.to_bits();
    e += ((bits >> 52) & 0x7ff) as i32 - 1022;
    let frac = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (frac, e)
}

/// Go's `math.Ldexp`: `frac × 2^exp`.
fn ldexp(frac: f64, exp: i32) -> f64 {
    let mut v = frac;
    let mut e = exp;
    while e > 1000 {
        v *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        v *= 2f64.powi(-1000);
        e += 1000;
    }
    v * 2f64.powi(e)
}

/// Go's `math.Log` (the FreeBSD algorithm Go uses on every platform), so
/// that results match Terraform to the last bit. The constants are
/// FreeBSD's, written as printed there.
#[allow(clippy::excessive_precision)]
fn go_log(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const L1: f64 = 6.666_666_666_666_735_130e-01;
    const L2: f64 = 3.999_999_999_940_941_908e-01;
    const L3: f64 = 2.857_142_874_366_239_149e-01;
    const L4: f64 = 2.222_219_843_214_978_396e-01;
    const L5: f64 = 1.818_357_216_161_805_012e-01;
    const L6: f64 = 1.531_383_769_920_937_332e-01;
    const L7: f64 = 1.479_819_860_511_658_591e-01;
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    let (mut f1, mut ki) = frexp(x);
    if f1 < std::f64::consts::SQRT_2 / 2.0 {
        f1 *= 2.0;
        ki -= 1;
    }
    let f = f1 - 1.0;
    let k = f64::from(ki);
    let s = f / (2.0 + f);
    let s2 = s * s;
    let s4 = s2 * s2;
    let t1 = s2 * (L1 + s4 * (L3 + s4 * (L5 + s4 * L7)));
    let t2 = s4 * (L2 + s4 * (L4 + s4 * L6));
    let r = t1 + t2;
    let hfsq = 0.5 * f * f;
    k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f)
}

/// Go's `math.Pow`: integer powers by repeated squaring of the mantissa,
/// the fractional part through `exp(yf × log(x))`.
fn go_pow(x: f64, y: f64) -> f64 {
    if y == 0.0 || x == 1.0 {
        return 1.0;
    }
    if y == 1.0 {
        return x;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 || y.is_infinite() || x.is_infinite() {
        return x.powf(y);
    }
    if y == 0.5 {
        return x.sqrt();
    }
    if y == -0.5 {
        return 1.0 / x.sqrt();
    }
    let (mut yi, mut yf) = (y.abs().trunc(), y.abs().fract());
    if yf != 0.0 && x < 0.0 {
        return f64::NAN;
    }
    if yi >= (1u64 << 63) as f64 {
        return x.powf(y);
    }
    let mut a1 = 1.0;
    let mut ae: i64 = 0;
    if yf != 0.0 {
        if yf > 0.5 {
            yf -= 1.0;
            yi += 1.0;
        }
        a1 = (yf * go_log(x)).exp();
    }
    let (mut x1, xe) = frexp(x);
    let mut xe = i64::from(xe);
    let mut i = yi as i64;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if y < 0.0 {
        if a1 == 0.0 || a1.is_infinite() {
            return x.powf(y);
        }
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae.clamp(-100_000, 100_000) as i32)
}

/// Go's `%q` of a string: double-quoted with Go escapes.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_int_parsing() {
        for (s, base, want) in [
            ("FF", 16, Some("255")),
            ("-10", 2, Some("-2")),
            ("ZZ", 62, Some("3843")),
            ("1_0", 10, None),
        ] {
            assert_eq!(
                parse_big_int(s, base).map(|i| i.to_string()).as_deref(),
                want,
                "{s}"
            );
        }
    }

    #[test]
    fn float64_results_print_as_go_big_float() {
        for (v, want) in [
            (2f64.powi(64), "18446744073709550000"),
            (2f64.powi(100), "1267650600228229400000000000000"),
            (1.2100000000000002, "1.2100000000000002"),
            (0.30102999566398114, "0.30102999566398114"),
            (2.9999999999999996, "2.9999999999999996"),
            (0.25, "0.25"),
            (0.1, "0.1"),
            (1e21, "1000000000000000000000"),
            (1e22, "10000000000000000000000"),
            (1e23, "100000000000000000000000"),
            (-1.5, "-1.5"),
        ] {
            assert_eq!(go_float64_number(v).to_string(), want, "{v}");
        }
    }
}
