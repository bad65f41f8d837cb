//! `regex` and `regexall`, plus the RE2 (Go) to Rust pattern translation
//! that `replace` also uses.
//!
//! Go's RE2 and the `regex` crate share their syntax, with a few
//! differences that [`translate_re2`] smooths over: in Go, `\d`, `\w`,
//! `\s` and `\b` are ASCII-only; `\Q...\E` quotes literally; and inside a
//! character class `[`, `&&`, `--` and `~~` are plain characters.

use crate::numeric::invalid_arg;
use crate::string::str_arg;
use crate::{FuncContext, FuncError, FuncResult, FuncSpec, Param};
use gitform_value::{Type, Value};
use regex::Regex;
use std::collections::BTreeMap;

pub(crate) fn functions() -> Vec<FuncSpec> {
    let params = || {
        vec![
            Param::new("pattern", Type::String),
            Param::new("string", Type::String),
        ]
    };
    vec![
        FuncSpec::new("regex", params(), Type::Dynamic, regex_fn),
        FuncSpec::new("regexall", params(), Type::list(Type::Dynamic), regexall),
    ]
}

/// Compiles an RE2 pattern with Go's semantics. The error is a short message.
pub(crate) fn compile_re2(pattern: &str) -> Result<Regex, String> {
    Regex::new(&translate_re2(pattern)).map_err(|e| short_error(&e))
}

fn short_error(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .map(str::to_string)
        .unwrap_or(text)
}

const ASCII_DIGIT: &str = "0-9";
const ASCII_WORD: &str = "0-9A-Za-z_";
const ASCII_SPACE: &str = r"\t\n\x0C\r\x20";

/// Rewrites a Go RE2 pattern into an equivalent `regex` crate pattern.
pub(crate) fn translate_re2(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        let at_class_start = std::mem::replace(&mut class_start, false);
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let class_body = match e {
                    'd' | 'D' => Some(ASCII_DIGIT),
                    'w' | 'W' => Some(ASCII_WORD),
                    's' | 'S' => Some(ASCII_SPACE),
                    _ => None,
                };
                match (class_body, in_class) {
                    (Some(body), false) if e.is_ascii_lowercase() => {
                        out.push_str(&format!("[{body}]"))
                    }
                    (Some(body), false) => out.push_str(&format!("[^{body}]")),
                    (Some(body), true) if e.is_ascii_lowercase() => out.push_str(body),
                    (Some(body), true) => out.push_str(&format!("[^{body}]")),
                    (None, false) if e == 'b' || e == 'B' => out.push_str(&format!("(?-u:\\{e})")),
                    (None, _) if e == 'Q' => {
                        let mut literal = String::new();
                        while let Some(q) = chars.next() {
                            if q == '\\' && chars.peek() == Some(&'E') {
                                chars.next();
                                break;
                            }
                            literal.push(q);
                        }
                        if in_class {
                            for q in literal.chars() {
                                push_class_char(&mut out, q);
                            }
                        } else {
                            out.push_str(&regex::escape(&literal));
                        }
                    }
                    _ => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
                class_start = true;
            }
            '[' if chars.peek() == Some(&':') => {
                // A POSIX class such as [:alpha:]: copy through to ":]".
                out.push('[');
                let mut prev = '[';
                for p in chars.by_ref() {
                    out.push(p);
                    if prev == ':' && p == ']' {
                        break;
                    }
                    prev = p;
                }
            }
            ']' if in_class && at_class_start => out.push_str("\\]"),
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            c if in_class => push_class_char(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

fn push_class_char(out: &mut String, c: char) {
    match c {
        '[' | '&' | '~' | ']' | '\\' | '^' => {
            out.push('\\');
            out.push(c);
        }
        '-' => out.push('-'),
        c => out.push(c),
    }
}

/// What a match produces, from the pattern's capture groups.
enum Shape {
    Whole,
    Groups(usize),
    Named(Vec<String>),
}

fn shape(re: &Regex) -> Result<Shape, FuncError> {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    if names.is_empty() {
        return Ok(Shape::Whole);
    }
    let named = names.iter().filter(|n| n.is_some()).count();
    if named == 0 {
        Ok(Shape::Groups(names.len()))
    } else if named == names.len() {
        Ok(Shape::Named(
            names.iter().flatten().map(|n| n.to_string()).collect(),
        ))
    } else {
        Err(invalid_arg(
            0,
            "pattern",
            "invalid regexp pattern: cannot mix both named and unnamed capture groups",
        ))
    }
}

fn match_value(shape: &Shape, caps: &regex::Captures<'_>) -> Value {
    let group = |i: usize| {
        caps.get(i)
            .map(|m| Value::from(m.as_str()))
            .unwrap_or(Value::Null)
    };
    match shape {
        Shape::Whole => group(0),
        Shape::Groups(n) => Value::Tuple((1..=*n).map(group).collect()),
        Shape::Named(names) => Value::Object(
            names
                .iter()
                .map(|n| {
                    (
                        n.clone(),
                        caps.name(n)
                            .map(|m| Value::from(m.as_str()))
                            .unwrap_or(Value::Null),
                    )
                })
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

fn compile_arg(pattern: &str) -> Result<(Regex, Shape), FuncError> {
    let re = compile_re2(pattern)
        .map_err(|e| invalid_arg(0, "pattern", format!("invalid regexp pattern: {e}")))?;
    let shape = shape(&re)?;
    Ok((re, shape))
}

fn regex_fn(args: &[Value], _: &FuncContext) -> FuncResult {
    let (re, shape) = compile_arg(str_arg(&args[0])?)?;
    let s = str_arg(&args[1])?;
    let caps = re
        .captures(s)
        .ok_or_else(|| FuncError::call("pattern did not match any part of the given string"))?;
    Ok(match_value(&shape, &caps))
}

fn regexall(args: &[Value], _: &FuncContext) -> FuncResult {
    let (re, shape) = compile_arg(str_arg(&args[0])?)?;
    let s = str_arg(&args[1])?;
    Ok(Value::List(
        re.captures_iter(s)
            .map(|c| match_value(&shape, &c))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation_keeps_go_semantics() {
        for (pattern, input, want) in [
            (r"\d+", "٣33", Some("33")),
            (r"[^\d]+", "٣33", Some("٣")),
            (r"\w+", "héllo", Some("h")),
            (r"[\w]+", "héllo", Some("h")),
            (r"\bfoo\b", "a foo b", Some("foo")),
            (r"\Qa.b\E", "xa.by", Some("a.b")),
            (r"[a[]+", "x[a[", Some("[a[")),
            (r"[]a]+", "x]a", Some("]a")),
            (r"[[:alpha:]]+", "ab1", Some("ab")),
            (r"[a&&b]+", "x&&", Some("&&")),
            (r"\S+", "\u{a0}ab", Some("\u{a0}ab")),
        ] {
            let re = compile_re2(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            assert_eq!(re.find(input).map(|m| m.as_str()), want, "{pattern}");
        }
    }
}
