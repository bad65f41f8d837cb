//! `format` and `formatlist`: Go-style verbs as Terraform implements them.
//!
//! A verb is `%` [flags `0#-+ `] [width] [`.` precision] [`[n]` argument
//! index] letter. Supported letters: `v t b d o x X e E f g G s q`; `%%` is
//! a literal percent sign. Integers format like Go's `big.Int`, other
//! numbers like Go's `big.Float` (whose 512-bit binary value decides how an
//! exact decimal half rounds), strings pad by grapheme clusters.

use crate::numeric::{go_quote, invalid_arg};
use crate::string::str_arg;
use crate::{FuncContext, FuncError, FuncResult, FuncSpec, Param};
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::{BigDecimal, Signed, Zero};
use gitform_value::convert::convert;
use gitform_value::json::to_json_string;
use gitform_value::{Number, Type, Value};
use std::cmp::Ordering;
use unicode_segmentation::UnicodeSegmentation;

pub(crate) fn functions() -> Vec<FuncSpec> {
    vec![
        FuncSpec::new(
            "format",
            vec![Param::new("format", Type::String)],
            Type::String,
            format_fn,
        )
        .variadic(Param::new("args", Type::Dynamic).allow_null()),
        FuncSpec::new(
            "formatlist",
            vec![Param::new("format", Type::String)],
            Type::list(Type::String),
            formatlist,
        )
        .variadic(
            Param::new("args", Type::Dynamic)
                .allow_null()
                .allow_unknown(),
        ),
    ]
}

fn format_fn(args: &[Value], _: &FuncContext) -> FuncResult {
    let fmt = str_arg(&args[0])?;
    format_values(fmt, &args[1..]).map(Value::String)
}

fn formatlist(args: &[Value], _: &FuncContext) -> FuncResult {
    let fmt = str_arg(&args[0])?;
    let rest = &args[1..];
    if rest.is_empty() {
        return format_values(fmt, rest).map(|s| Value::List(vec![Value::String(s)]));
    }
    let mut iter_len: Option<(usize, usize)> = None; // (length, argument that set it)
    let mut unknown = false;
    for (i, arg) in rest.iter().enumerate() {
        match arg {
            Value::Unknown(Type::List(_) | Type::Set(_) | Type::Dynamic) => unknown = true,
            Value::Unknown(Type::Tuple(ts)) => {
                check_len(&mut iter_len, i, ts.len())?;
                unknown = true;
            }
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                check_len(&mut iter_len, i, v.len())?
            }
            _ => {}
        }
    }
    if unknown {
        return Ok(Value::Unknown(Type::list(Type::String)));
    }
    let n = match iter_len {
        Some((0, _)) => return Ok(Value::List(vec![])),
        Some((n, _)) => n,
        None => 1,
    };
    let mut out = Vec::with_capacity(n);
    for idx in 0..n {
        let call_args: Vec<Value> = rest
            .iter()
            .map(|a| match a {
                Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                    v.get(idx).cloned().unwrap_or(Value::Null)
                }
                other => other.clone(),
            })
            .collect();
        if !call_args.iter().all(Value::is_wholly_known) {
            out.push(Value::Unknown(Type::String));
            continue;
        }
        let s = format_values(fmt, &call_args).map_err(|e| {
            FuncError::call(format!(
                "error on format iteration {idx}: {}",
                error_text(&e)
            ))
        })?;
        out.push(Value::String(s));
    }
    Ok(Value::List(out))
}

fn error_text(e: &FuncError) -> String {
    match e {
        FuncError::Arg { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

fn check_len(iter_len: &mut Option<(usize, usize)>, i: usize, len: usize) -> Result<(), FuncError> {
    match *iter_len {
        None => {
            *iter_len = Some((len, i));
            Ok(())
        }
        Some((want, first)) if want != len => Err(invalid_arg(
            i + 1,
            "args",
            format!(
                "argument {} has length {len}, which is inconsistent with argument {} of length {want}",
                i + 1,
                first + 1
            ),
        )),
        Some(_) => Ok(()),
    }
}

/// One parsed verb.
#[derive(Debug, Default)]
struct Verb<'a> {
    raw: &'a str,
    offset: usize,
    arg: usize,
    sharp: bool,
    zero: bool,
    minus: bool,
    plus: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
    mode: char,
}

/// Formats `args` with the format string, as `format` does.
pub(crate) fn format_values(fmt: &str, args: &[Value]) -> Result<String, FuncError> {
    let bytes = fmt.as_bytes();
    let mut out = String::new();
    let mut pos = 0;
    let mut next_arg = 1;
    let mut highest = 0;
    while pos < bytes.len() {
        if bytes[pos] != b'%' {
            let end = fmt[pos..].find('%').map_or(fmt.len(), |i| pos + i);
            out.push_str(&fmt[pos..end]);
            pos = end;
            continue;
        }
        if bytes.get(pos + 1) == Some(&b'%') {
            out.push('%');
            pos += 2;
            continue;
        }
        let start = pos;
        let mut verb = Verb {
            offset: start,
            arg: next_arg,
            ..Verb::default()
        };
        pos += 1;
        while let Some(&c) = bytes.get(pos) {
            match c {
                b'0' => verb.zero = true,
                b'#' => verb.sharp = true,
                b'-' => verb.minus = true,
                b'+' => verb.plus = true,
                b' ' => verb.space = true,
                _ => break,
            }
            pos += 1;
        }
        if matches!(bytes.get(pos), Some(b'1'..=b'9')) {
            verb.width = Some(read_digits(bytes, &mut pos));
        }
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            verb.prec = Some(read_digits(bytes, &mut pos));
        }
        if bytes.get(pos) == Some(&b'[') {
            pos += 1;
            if !matches!(bytes.get(pos), Some(b'1'..=b'9')) {
                return Err(unrecognized(fmt, pos));
            }
            verb.arg = read_digits(bytes, &mut pos);
            if bytes.get(pos) != Some(&b']') {
                return Err(unrecognized(fmt, pos));
            }
            pos += 1;
        }
        match bytes.get(pos) {
            Some(c) if c.is_ascii_alphabetic() => verb.mode = *c as char,
            Some(_) => return Err(unrecognized(fmt, pos)),
            None => {
                return Err(FuncError::call(format!(
                    "invalid format string starting at offset {pos}"
                )))
            }
        }
        pos += 1;
        verb.raw = &fmt[start..pos];
        append_verb(&verb, &mut out, args)?;
        highest = highest.max(verb.arg);
        next_arg = verb.arg + 1;
    }
    if highest < args.len() {
        let message = if highest == 0 {
            "too many arguments; no verbs in format string".to_string()
        } else {
            format!("too many arguments; only {highest} used by format string")
        };
        return Err(invalid_arg(highest + 1, "args", message));
    }
    Ok(out)
}

fn read_digits(bytes: &[u8], pos: &mut usize) -> usize {
    let mut n: usize = 0;
    while let Some(c @ b'0'..=b'9') = bytes.get(*pos) {
        n = n.saturating_mul(10).saturating_add(usize::from(c - b'0'));
        *pos += 1;
    }
    n
}

fn unrecognized(fmt: &str, pos: usize) -> FuncError {
    let c = fmt.get(pos..).and_then(|s| s.chars().next()).unwrap_or('?');
    FuncError::call(format!(
        "unrecognized format character {} at offset {pos}",
        go_rune(c)
    ))
}

/// Go's `%q` of a rune.
fn go_rune(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '\\' => "'\\\\'".to_string(),
        c => format!("'{c}'"),
    }
}

fn unsupported(verb: &Verb<'_>, why: &str) -> FuncError {
    FuncError::call(format!(
        "unsupported value for {} at {}: {why}",
        go_quote(verb.raw),
        verb.offset
    ))
}

fn append_verb(verb: &Verb<'_>, out: &mut String, args: &[Value]) -> Result<(), FuncError> {
    let Some(arg) = verb.arg.checked_sub(1).and_then(|i| args.get(i)) else {
        return Err(FuncError::call(format!(
            "not enough arguments for {} at {}: need index {} but have {} total",
            go_quote(verb.raw),
            verb.offset,
            verb.arg,
            args.len()
        )));
    };
    if verb.mode != 'v' && arg.is_null() {
        return Err(unsupported(verb, "null value cannot be formatted"));
    }
    match verb.mode {
        'v' => {
            let text = match arg {
                Value::String(s) if !verb.sharp => s.clone(),
                Value::Number(n) if !verb.sharp => float_text(n, 'g', None),
                _ => to_json_string(arg).map_err(|e| unsupported(verb, &e.message))?,
            };
            out.push_str(&pad_width(verb, text));
        }
        't' => {
            let b = convert(arg.clone(), &Type::Bool).map_err(|e| unsupported(verb, &e.message))?;
            out.push_str(if b.as_bool() == Some(true) {
                "true"
            } else {
                "false"
            });
        }
        'b' | 'd' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
            let n =
                convert(arg.clone(), &Type::Number).map_err(|e| unsupported(verb, &e.message))?;
            let n = n
                .as_number()
                .ok_or_else(|| unsupported(verb, "a number is required"))?;
            if matches!(verb.mode, 'b' | 'd' | 'o' | 'x' | 'X') {
                if !n.is_integer() {
                    return Err(unsupported(verb, "an integer is required"));
                }
                out.push_str(&format_integer(verb, n));
            } else {
                out.push_str(&format_float(verb, n));
            }
        }
        's' | 'q' => {
            let s =
                convert(arg.clone(), &Type::String).map_err(|e| unsupported(verb, &e.message))?;
            let s = s
                .as_str()
                .ok_or_else(|| unsupported(verb, "string required"))?;
            let s = match verb.prec {
                Some(p) if p > 0 => s.graphemes(true).take(p).collect::<String>(),
                _ => s.to_string(),
            };
            let text = if verb.mode == 'q' { json_quote(&s) } else { s };
            out.push_str(&pad_width(verb, text));
        }
        other => {
            return Err(FuncError::call(format!(
                "unsupported format verb {} in {} at offset {}",
                go_rune(other),
                go_quote(verb.raw),
                verb.offset
            )))
        }
    }
    Ok(())
}

/// Pads to the verb's width in grapheme clusters (cty's `formatPadWidth`).
fn pad_width(verb: &Verb<'_>, text: String) -> String {
    let Some(width) = verb.width else { return text };
    let len = text.graphemes(true).count();
    if len >= width {
        return text;
    }
    let pad = (if verb.zero { "0" } else { " " }).repeat(width - len);
    if verb.minus {
        text + &pad
    } else {
        pad + &text
    }
}

/// A string as Go's `json.Marshal` writes it (HTML-safe escapes).
pub(crate) fn json_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    gitform_value::json::write_json_string(&mut out, s);
    out
}

/// Go's `big.Int` formatting of `%b %d %o %x %X` with flags.
fn format_integer(verb: &Verb<'_>, n: &Number) -> String {
    let (digits_int, _) = n.0.with_scale(0).into_bigint_and_exponent();
    let neg = digits_int.sign() == Sign::Minus;
    let mag = digits_int.magnitude();
    let mut digits = match verb.mode {
        'b' => mag.to_str_radix(2),
        'o' => mag.to_str_radix(8),
        'x' => mag.to_str_radix(16),
        'X' => mag.to_str_radix(16).to_uppercase(),
        _ => mag.to_str_radix(10),
    };
    let sign = if neg {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let prefix = match (verb.sharp, verb.mode) {
        (true, 'b') => "0b",
        (true, 'o') => "0",
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        _ => "",
    };
    let mut zeros = 0;
    if let Some(p) = verb.prec {
        if digits.len() < p {
            zeros = p - digits.len();
        } else if digits == "0" && p == 0 {
            return String::new();
        }
    }
    let length = sign.len() + prefix.len() + zeros + digits.len();
    let (mut left, mut right) = (0, 0);
    if let Some(w) = verb.width.filter(|w| *w > length) {
        let d = w - length;
        if verb.minus {
            right = d;
        } else if verb.zero && verb.prec.is_none() {
            zeros = d;
        } else {
            left = d;
        }
    }
    digits.insert_str(0, &"0".repeat(zeros));
    format!(
        "{}{sign}{prefix}{digits}{}",
        " ".repeat(left),
        " ".repeat(right)
    )
}

/// Go's `big.Float` formatting of `%e %E %f %g %G` with flags.
fn format_float(verb: &Verb<'_>, n: &Number) -> String {
    let prec = match verb.mode {
        'e' | 'E' | 'f' => Some(verb.prec.unwrap_or(6)),
        _ => verb.prec,
    };
    let text = float_text(n, verb.mode, prec);
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None if verb.plus => ("+", text.as_str()),
        None if verb.space => (" ", text.as_str()),
        None => ("", text.as_str()),
    };
    let padding = verb
        .width
        .map_or(0, |w| w.saturating_sub(sign.len() + body.len()));
    if verb.zero && !verb.minus {
        format!("{sign}{}{body}", "0".repeat(padding))
    } else if verb.minus {
        format!("{sign}{body}{}", " ".repeat(padding))
    } else {
        format!("{}{sign}{body}", " ".repeat(padding))
    }
}

/// A decimal mantissa as Go's `big` package keeps it: the value is
/// `0.mant × 10^exp`, no trailing zeros; zero has an empty mantissa.
struct Decimal {
    mant: Vec<u8>,
    exp: i64,
}

impl Decimal {
    fn new(n: &BigDecimal) -> Decimal {
        let (int, scale) = n.abs().normalized().into_bigint_and_exponent();
        if int.is_zero() {
            return Decimal {
                mant: vec![],
                exp: 0,
            };
        }
        let mut mant = int.magnitude().to_string().into_bytes();
        let exp = mant.len() as i64 - scale;
        while mant.last() == Some(&b'0') {
            mant.pop();
        }
        Decimal { mant, exp }
    }

    fn at(&self, i: i64) -> u8 {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.mant.get(i))
            .copied()
            .unwrap_or(b'0')
    }

    /// Rounds to `n` digits as `big.decimal.round` does; `direction` is how
    /// the 512-bit binary value compares with the exact decimal.
    fn round(&mut self, n: i64, direction: Ordering) {
        let Ok(n) = usize::try_from(n) else { return };
        if n >= self.mant.len() {
            return;
        }
        let up = if self.mant[n] == b'5' && n + 1 == self.mant.len() {
            match direction {
                Ordering::Greater => true,
                Ordering::Less => false,
                Ordering::Equal => n > 0 && (self.mant[n - 1] - b'0') % 2 == 1,
            }
        } else {
            self.mant[n] >= b'5'
        };
        self.mant.truncate(n);
        if up {
            loop {
                match self.mant.last_mut() {
                    Some(d) if *d == b'9' => {
                        self.mant.pop();
                    }
                    Some(d) => {
                        *d += 1;
                        break;
                    }
                    None => {
                        self.mant.push(b'1');
                        self.exp += 1;
                        break;
                    }
                }
            }
        }
        while self.mant.last() == Some(&b'0') {
            self.mant.pop();
        }
        if self.mant.is_empty() {
            self.exp = 0;
        }
    }
}

/// How the nearest 512-bit binary float compares with `n` (Terraform keeps
/// numbers as `big.Float` with 512 bits of mantissa).
fn binary_direction(n: &BigDecimal) -> Ordering {
    let (int, scale) = n.abs().normalized().into_bigint_and_exponent();
    if int.is_zero() {
        return Ordering::Equal;
    }
    let (num, den): (BigInt, BigInt) = if scale <= 0 {
        (
            int * BigInt::from(10u8).pow(scale.unsigned_abs() as u32),
            BigInt::from(1u8),
        )
    } else {
        (int, BigInt::from(10u8).pow(scale as u32))
    };
    // Scale so that the quotient has exactly 512 bits.
    let mut k = 512 - (num.bits() as i64 - den.bits() as i64);
    let (q, r, den) = loop {
        let (n, d) = if k >= 0 {
            (&num << k as usize, den.clone())
        } else {
            (num.clone(), &den << (-k) as usize)
        };
        let q = &n / &d;
        match q.bits() {
            b if b > 512 => k -= 1,
            b if b < 512 => k += 1,
            _ => {
                let r = &n - &q * &d;
                break (q, r, d);
            }
        }
    };
    if r.is_zero() {
        return Ordering::Equal;
    }
    let twice = &r * 2u8;
    match twice.cmp(&den) {
        Ordering::Greater => Ordering::Greater,
        Ordering::Less => Ordering::Less,
        Ordering::Equal if q.bit(0) => Ordering::Greater,
        Ordering::Equal => Ordering::Less,
    }
}

/// Go's `big.Float.Text(mode, prec)`; `None` precision is the shortest form.
pub(crate) fn float_text(n: &Number, mode: char, prec: Option<usize>) -> String {
    let mut d = Decimal::new(&n.0);
    let neg = n.0.is_negative();
    let fmt = mode;
    let shortest = prec.is_none();
    let mut prec = prec.map_or(0, |p| p as i64);
    if shortest {
        prec = match fmt {
            'e' | 'E' => d.mant.len() as i64 - 1,
            'f' => (d.mant.len() as i64 - d.exp).max(0),
            _ => d.mant.len() as i64,
        };
    } else {
        let direction = binary_direction(&n.0);
        match fmt {
            'e' | 'E' => d.round(1 + prec, direction),
            'f' => d.round(d.exp + prec, direction),
            _ => {
                if prec == 0 {
                    prec = 1;
                }
                d.round(prec, direction);
            }
        }
    }
    let body = match fmt {
        'e' | 'E' => fmt_e(fmt, prec, &d),
        'f' => fmt_f(prec, &d),
        _ => {
            let mut eprec = prec;
            if eprec > d.mant.len() as i64 && d.mant.len() as i64 >= d.exp {
                eprec = d.mant.len() as i64;
            }
            if shortest {
                eprec = 6;
            }
            let exp = d.exp - 1;
            let e = if fmt == 'G' { 'E' } else { 'e' };
            if exp < -4 || exp >= eprec {
                if prec > d.mant.len() as i64 {
                    prec = d.mant.len() as i64;
                }
                fmt_e(e, prec - 1, &d)
            } else {
                if prec > d.exp {
                    prec = d.mant.len() as i64;
                }
                fmt_f((prec - d.exp).max(0), &d)
            }
        }
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}

fn fmt_e(e: char, prec: i64, d: &Decimal) -> String {
    let mut out = String::new();
    out.push(d.mant.first().map_or('0', |c| *c as char));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(d.at(i) as char);
        }
    }
    out.push(e);
    let exp = if d.mant.is_empty() { 0 } else { d.exp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    out.push_str(&format!("{:02}", exp.abs()));
    out
}

fn fmt_f(prec: i64, d: &Decimal) -> String {
    let mut out = String::new();
    if d.exp > 0 {
        for i in 0..d.exp {
            out.push(d.at(i) as char);
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec {
            out.push(d.at(d.exp + i) as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_texts() {
        for (n, mode, prec, want) in [
            ("1234.5678", 'e', Some(6), "1.234568e+03"),
            ("1000000", 'g', None, "1e+06"),
            ("123456", 'g', None, "123456"),
            ("0.00001", 'g', None, "1e-05"),
            ("2.675", 'f', Some(2), "2.67"),
            ("1.005", 'f', Some(2), "1.00"),
            ("0.125", 'f', Some(2), "0.12"),
            ("0.375", 'f', Some(2), "0.38"),
            ("0.05", 'f', Some(1), "0.1"),
            ("0.5", 'f', Some(0), "0"),
            ("1.5", 'f', Some(0), "2"),
            ("15", 'e', Some(0), "2e+01"),
            ("25", 'e', Some(0), "2e+01"),
            ("123456789", 'g', Some(8), "1.2345679e+08"),
            ("100", 'g', Some(2), "1e+02"),
            ("0.15", 'g', Some(1), "0.2"),
            ("0", 'e', Some(6), "0.000000e+00"),
            ("0", 'g', None, "0"),
            ("-0.4", 'f', Some(0), "-0"),
        ] {
            let num = Number::parse(n).unwrap();
            assert_eq!(float_text(&num, mode, prec), want, "{n} {mode} {prec:?}");
        }
    }
}
