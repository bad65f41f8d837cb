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
    Number::from_f64(v)
        .map(Value::Number)
        .ok_or_else(|| FuncError::call("the result is not a finite number"))
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
    from_float(num.ln() / base.ln())
}

fn pow(args: &[Value], _: &FuncContext) -> FuncResult {
    let num = number_arg(&args[0])?.to_f64();
    let power = number_arg(&args[1])?.to_f64();
    from_float(num.powf(power))
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
}
