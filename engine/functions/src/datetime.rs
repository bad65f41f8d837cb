//! Date and time functions: `formatdate`, `timeadd`, `timecmp`, `timestamp`
//! and `plantimestamp`.
//!
//! Timestamps are strict RFC 3339 as Terraform parses them, with its error
//! messages; calendar arithmetic is done with `jiff`.

use crate::{FuncContext, FuncError, FuncResult, FuncSpec, Param};
use gitform_value::display::go_quote;
use gitform_value::{Number, Type, Value};
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

pub(crate) fn functions() -> Vec<FuncSpec> {
    vec![
        FuncSpec::new(
            "formatdate",
            vec![
                Param::new("format", Type::String),
                Param::new("time", Type::String),
            ],
            Type::String,
            formatdate,
        ),
        FuncSpec::new(
            "timeadd",
            vec![
                Param::new("timestamp", Type::String),
                Param::new("duration", Type::String),
            ],
            Type::String,
            timeadd,
        ),
        FuncSpec::new(
            "timecmp",
            vec![
                Param::new("timestamp_a", Type::String),
                Param::new("timestamp_b", Type::String),
            ],
            Type::Number,
            timecmp,
        ),
        FuncSpec::new("timestamp", vec![], Type::String, now),
        FuncSpec::new("plantimestamp", vec![], Type::String, now),
    ]
}

fn arg(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or_default()
}

/// A parsed RFC 3339 timestamp: the civil time as written and its offset.
#[derive(Clone, Copy, Debug)]
struct Stamp {
    dt: DateTime,
    /// Offset from UTC in seconds.
    offset: i32,
}

impl Stamp {
    fn instant(&self) -> Result<Timestamp, String> {
        let off = Offset::from_seconds(self.offset).map_err(|e| e.to_string())?;
        off.to_timestamp(self.dt).map_err(|e| e.to_string())
    }

    /// RFC 3339 with whole seconds, as Go's `time.RFC3339` layout prints it.
    fn rfc3339(&self) -> String {
        let d = self.dt;
        format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
            year4(d.year()),
            d.month(),
            d.day(),
            d.hour(),
            d.minute(),
            d.second(),
            offset_text(self.offset, true, true)
        )
    }
}

fn year4(y: i16) -> String {
    if y < 0 {
        format!("-{:04}", -(y as i32))
    } else {
        format!("{y:04}")
    }
}

/// `Z` (when `z_for_utc`) or `+hh:mm` / `+hhmm`.
fn offset_text(offset: i32, colon: bool, z_for_utc: bool) -> String {
    if offset == 0 && z_for_utc {
        return "Z".to_string();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    let (h, m) = (abs / 3600, (abs / 60) % 60);
    if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

fn invalid(msg: impl std::fmt::Display) -> String {
    format!("not a valid RFC3339 timestamp: {msg}")
}

/// Takes exactly `n` ASCII digits from the front of `s`.
fn digits(s: &str, n: usize) -> Option<u32> {
    let d = s.get(..n)?;
    if d.bytes().all(|b| b.is_ascii_digit()) {
        d.parse().ok()
    } else {
        None
    }
}

fn expect_sep(s: &str, sep: char) -> Result<&str, String> {
    match s.strip_prefix(sep) {
        Some(rest) => Ok(rest),
        None if s.is_empty() => Err(invalid(format!(
            "end of string where \"{sep}\" is expected"
        ))),
        None => Err(invalid(format!("found {s:?} where \"{sep}\" is expected"))),
    }
}

/// Parses a timestamp strictly as RFC 3339, with Terraform's messages.
fn parse_rfc3339(s: &str) -> Result<Stamp, String> {
    let cannot = |rest: &str, what: &str| invalid(format!("cannot use {rest:?} as {what}"));
    if s.is_empty() {
        return Err(invalid("end of string before year"));
    }
    let year = digits(s, 4).ok_or_else(|| cannot(s, "year"))?;
    let rest = expect_sep(&s[4..], '-')?;
    let month = digits(rest, 2).ok_or_else(|| cannot(rest, "month"))?;
    if !(1..=12).contains(&month) {
        return Err(cannot(&rest[2..], "month"));
    }
    let rest = expect_sep(&rest[2..], '-')?;
    let day = digits(rest, 2).ok_or_else(|| cannot(rest, "day of month"))?;
    let rest = &rest[2..];
    let Some(rest) = rest.strip_prefix('T') else {
        return Err(invalid("missing required time introducer 'T'"));
    };
    let hour = digits(rest, 2).ok_or_else(|| invalid("hour must have exactly two digits"))?;
    if hour > 23 {
        return Err(invalid("hour must be between 0 and 23 inclusive"));
    }
    let rest = expect_sep(&rest[2..], ':')?;
    let minute = digits(rest, 2).ok_or_else(|| invalid("minute must have exactly two digits"))?;
    if minute > 59 {
        return Err(invalid("minute must have exactly two digits"));
    }
    let rest = expect_sep(&rest[2..], ':')?;
    let second = digits(rest, 2).ok_or_else(|| cannot(rest, "second"))?;
    if second > 59 {
        return Err(cannot(&rest[2..], "second"));
    }
    let mut rest = &rest[2..];
    let mut nanos: u32 = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n > 0 {
            let kept = &frac[..n.min(9)];
            nanos = kept.parse::<u32>().unwrap_or(0) * 10u32.pow(9 - kept.len() as u32);
            rest = &frac[n..];
        }
    }
    if rest.is_empty() {
        return Err(invalid("end of string before UTC offset"));
    }
    if rest.starts_with(',') {
        return Err(cannot(",", "timestamp segment"));
    }
    let (offset, tail) = if let Some(t) = rest.strip_prefix('Z') {
        (0, t)
    } else {
        let sign = match rest.as_bytes().first() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return Err(cannot(rest, "UTC offset")),
        };
        let body = &rest[1..];
        let oh = digits(body, 2).filter(|h| *h < 24);
        let om = body
            .get(2..)
            .and_then(|b| b.strip_prefix(':'))
            .and_then(|b| digits(b, 2))
            .filter(|m| *m < 60);
        match (oh, om) {
            (Some(h), Some(m)) => (sign * (h as i32 * 3600 + m as i32 * 60), &body[5..]),
            _ => return Err(cannot(rest, "UTC offset")),
        }
    };
    if !tail.is_empty() {
        return Err(cannot(tail, "timestamp segment"));
    }
    let date =
        Date::new(year as i16, month as i8, day as i8).map_err(|_| invalid("day out of range"))?;
    let dt = date.at(hour as i8, minute as i8, second as i8, nanos as i32);
    Ok(Stamp { dt, offset })
}

fn now(_: &[Value], _: &FuncContext) -> FuncResult {
    let t = Timestamp::now();
    let dt = TimeZone::UTC.to_datetime(t);
    Ok(Value::String(Stamp { dt, offset: 0 }.rfc3339()))
}

fn timecmp(args: &[Value], _: &FuncContext) -> FuncResult {
    let parse = |i: usize, param: &str| {
        parse_rfc3339(arg(args, i))
            .and_then(|s| s.instant())
            .map_err(|message| FuncError::Arg {
                arg: i,
                param: param.into(),
                message,
            })
    };
    let a = parse(0, "timestamp_a")?;
    let b = parse(1, "timestamp_b")?;
    Ok(Value::Number(Number::from_i64(a.cmp(&b) as i64)))
}

fn timeadd(args: &[Value], _: &FuncContext) -> FuncResult {
    let stamp = parse_rfc3339(arg(args, 0)).map_err(FuncError::call)?;
    let dur = parse_go_duration(arg(args, 1)).map_err(FuncError::call)?;
    let out = stamp
        .instant()
        .and_then(|t| {
            t.checked_add(SignedDuration::from_nanos(dur))
                .map_err(|e| e.to_string())
        })
        .map_err(FuncError::call)?;
    let off = Offset::from_seconds(stamp.offset).map_err(|e| FuncError::call(e.to_string()))?;
    let dt = off.to_datetime(out);
    Ok(Value::String(
        Stamp {
            dt,
            offset: stamp.offset,
        }
        .rfc3339(),
    ))
}

/// Parses a duration as Go's `time.ParseDuration`, in nanoseconds.
pub(crate) fn parse_go_duration(s: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", go_quote(s));
    let mut rest = s;
    let neg = match rest.as_bytes().first() {
        Some(b'-') => {
            rest = &rest[1..];
            true
        }
        Some(b'+') => {
            rest = &rest[1..];
            false
        }
        _ => false,
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &rest[..int_len];
        rest = &rest[int_len..];
        let mut frac_part = "";
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &r[..n];
            rest = &r[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale: u128 = match unit {
            "" => return Err(format!("time: missing unit in duration {}", go_quote(s))),
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            u => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(u),
                    go_quote(s)
                ))
            }
        };
        let int: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| invalid())?
        };
        let mut v = int.checked_mul(scale).ok_or_else(invalid)?;
        // Fractional part, truncated to nanoseconds as Go does.
        let mut f_scale = scale;
        for d in frac_part.bytes() {
            f_scale /= 10;
            if f_scale == 0 {
                break;
            }
            v += u128::from(d - b'0') * f_scale;
        }
        total = total.checked_add(v).ok_or_else(invalid)?;
        if total > i64::MAX as u128 + u128::from(neg) {
            return Err(invalid());
        }
    }
    let total = total as i128;
    Ok(if neg { (-total) as i64 } else { total as i64 })
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

fn formatdate(args: &[Value], _: &FuncContext) -> FuncResult {
    let format = arg(args, 0);
    let stamp = parse_rfc3339(arg(args, 1)).map_err(|message| FuncError::Arg {
        arg: 1,
        param: "time".into(),
        message,
    })?;
    render_date(format, &stamp)
        .map(Value::String)
        .map_err(|message| FuncError::Arg {
            arg: 0,
            param: "format".into(),
            message,
        })
}

/// Renders `stamp` with Terraform's date format language.
fn render_date(format: &str, stamp: &Stamp) -> Result<String, String> {
    let d = stamp.dt;
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c == '\'' {
            // A quoted literal; '' inside (or alone) is a literal quote.
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Err("unterminated literal '".to_string()),
                    Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                        out.push('\'');
                        j += 2;
                    }
                    Some('\'') => break,
                    Some(&ch) => {
                        out.push(ch);
                        j += 1;
                    }
                }
            }
            i = j + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let n = chars[i..].iter().take_while(|&&x| x == c).count();
        let verb: String = std::iter::repeat_n(c, n).collect();
        i += n;
        let bad = |why: &str| {
            if why.is_empty() {
                format!("invalid date format verb {verb:?}")
            } else {
                format!("invalid date format verb {verb:?}: {why}")
            }
        };
        let hour12 = match d.hour() % 12 {
            0 => 12,
            h => h,
        };
        let month_name = MONTHS
            .get((d.month() as usize).saturating_sub(1))
            .copied()
            .unwrap_or_default();
        let piece = match (c, n) {
            ('Y', 4) => year4(d.year()),
            ('Y', 2) => format!("{:02}", (d.year() as i32).rem_euclid(100)),
            ('Y', _) => return Err(bad("year must either be \"YY\" or \"YYYY\"")),
            ('M', 1) => d.month().to_string(),
            ('M', 2) => format!("{:02}", d.month()),
            ('M', 3) => month_name.chars().take(3).collect(),
            ('M', 4) => month_name.to_string(),
            ('M', _) => return Err(bad("month must be \"M\", \"MM\", \"MMM\", or \"MMMM\"")),
            ('D', 1) => d.day().to_string(),
            ('D', 2) => format!("{:02}", d.day()),
            ('D', _) => return Err(bad("day of month must either be \"D\" or \"DD\"")),
            ('E', 3) => weekday_name(d.weekday()).chars().take(3).collect(),
            ('E', 4) => weekday_name(d.weekday()).to_string(),
            ('E', _) => return Err(bad("day of week must either be \"EEE\" or \"EEEE\"")),
            ('h', 1) => d.hour().to_string(),
            ('h', 2) => format!("{:02}", d.hour()),
            ('h', _) => return Err(bad("24-hour must either be \"h\" or \"hh\"")),
            ('H', 1) => hour12.to_string(),
            ('H', 2) => format!("{hour12:02}"),
            ('H', _) => return Err(bad("12-hour must either be \"H\" or \"HH\"")),
            ('A' | 'a', 2) => {
                let s = if d.hour() < 12 { "AM" } else { "PM" };
                if c == 'a' {
                    s.to_lowercase()
                } else {
                    s.to_string()
                }
            }
            ('A', _) => return Err(bad("must be \"AA\"")),
            ('a', _) => return Err(bad("must be \"aa\"")),
            ('m', 1) => d.minute().to_string(),
            ('m', 2) => format!("{:02}", d.minute()),
            ('m', _) => return Err(bad("minute must either be \"m\" or \"mm\"")),
            ('s', 1) => d.second().to_string(),
            ('s', 2) => format!("{:02}", d.second()),
            ('s', _) => return Err(bad("second must either be \"s\" or \"ss\"")),
            ('Z', 1) => offset_text(stamp.offset, true, true),
            ('Z', 3) if stamp.offset == 0 => "UTC".to_string(),
            ('Z', 3) | ('Z', 4) => offset_text(stamp.offset, false, false),
            ('Z', 5) => offset_text(stamp.offset, true, false),
            ('Z', _) => return Err(bad("timezone must be Z, ZZZZ, or ZZZZZ")),
            _ => return Err(bad("")),
        };
        out.push_str(&piece);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        for (input, want) in [
            ("0", Ok(0)),
            ("1h30m", Ok(5_400_000_000_000)),
            ("-10s", Ok(-10_000_000_000)),
            ("1.5h", Ok(5_400_000_000_000)),
            (".5s", Ok(500_000_000)),
            ("1.s", Ok(1_000_000_000)),
            ("+1us", Ok(1_000)),
            ("1µs1ns", Ok(1_001)),
            ("1", Err("time: missing unit in duration \"1\"")),
            ("", Err("time: invalid duration \"\"")),
            ("1d", Err("time: unknown unit \"d\" in duration \"1d\"")),
            ("3000000h", Err("time: invalid duration \"3000000h\"")),
            (".s", Err("time: invalid duration \".s\"")),
        ] {
            assert_eq!(
                parse_go_duration(input),
                want.map_err(str::to_string),
                "{input}"
            );
        }
    }
}
