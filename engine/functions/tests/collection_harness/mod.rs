//! A small evaluator for table-driven function tests.
//!
//! Expressions are HCL-like literals and function calls:
//! `concat(tolist(["a"]), ["b", 1])`, `{a = 1, "b" = [true]}`,
//! `max([1, 2]...)`. Besides the library's functions it knows
//! `tolist`/`toset`/`tomap` (via `gitform_value::convert`),
//! `unknown(TYPE)` and `sensitive(EXPR)`. Expected results use the same
//! syntax, or `error: TEXT` for an error whose message contains TEXT.

#![allow(dead_code)]

use gitform_functions::{call, FuncContext, FuncError};
use gitform_value::convert::convert;
use gitform_value::{Number, Type, Value};
use std::collections::BTreeMap;

#[derive(Debug)]
pub enum Outcome {
    Value(Value),
    Error(String),
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

type PResult<T> = Result<T, String>;

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn eat(&mut self, s: &str) -> bool {
        self.skip_ws();
        if self.src[self.pos..].starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, s: &str) -> PResult<()> {
        if self.eat(s) {
            Ok(())
        } else {
            Err(format!("expected {s:?} at {} in {:?}", self.pos, self.src))
        }
    }

    fn ident(&mut self) -> Option<&'a str> {
        self.skip_ws();
        let rest = &self.src[self.pos..];
        let len = rest
            .char_indices()
            .find(|(i, c)| !(c.is_ascii_alphanumeric() || *c == '_' || (*i > 0 && *c == '-')))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        self.pos += len;
        Some(&rest[..len])
    }

    fn expr(&mut self) -> PResult<Result<Value, FuncError>> {
        self.skip_ws();
        let Some(c) = self.peek() else {
            return Err("unexpected end".into());
        };
        match c {
            '"' => self.string().map(|s| Ok(Value::String(s))),
            '[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    if self.eat("]") {
                        break;
                    }
                    match self.expr()? {
                        Ok(v) => items.push(v),
                        Err(e) => return Ok(Err(e)),
                    }
                    if !self.eat(",") {
                        self.expect("]")?;
                        break;
                    }
                }
                Ok(Ok(Value::Tuple(items)))
            }
            '{' => {
                self.pos += 1;
                let mut attrs = BTreeMap::new();
                loop {
                    if self.eat("}") {
                        break;
                    }
                    self.skip_ws();
                    let key = if self.peek() == Some('"') {
                        self.string()?
                    } else {
                        self.ident()
                            .ok_or_else(|| format!("bad key at {} in {:?}", self.pos, self.src))?
                            .to_string()
                    };
                    if !self.eat("=") {
                        self.expect(":")?;
                    }
                    match self.expr()? {
                        Ok(v) => attrs.insert(key, v),
                        Err(e) => return Ok(Err(e)),
                    };
                    self.eat(",");
                }
                Ok(Ok(Value::Object(attrs)))
            }
            c if c == '-' || c.is_ascii_digit() => self.number().map(Ok),
            _ => {
                let name = self
                    .ident()
                    .ok_or_else(|| format!("unexpected {c:?} at {} in {:?}", self.pos, self.src))?;
                match name {
                    "true" => return Ok(Ok(Value::Bool(true))),
                    "false" => return Ok(Ok(Value::Bool(false))),
                    "null" => return Ok(Ok(Value::Null)),
                    _ => {}
                }
                self.expect("(")?;
                if name == "unknown" {
                    let ty = self.ty()?;
                    self.expect(")")?;
                    return Ok(Ok(Value::Unknown(ty)));
                }
                let mut args = Vec::new();
                let mut expand = false;
                loop {
                    if self.eat(")") {
                        break;
                    }
                    match self.expr()? {
                        Ok(v) => args.push(v),
                        Err(e) => return Ok(Err(e)),
                    }
                    if self.eat("...") {
                        expand = true;
                    }
                    if !self.eat(",") {
                        self.expect(")")?;
                        break;
                    }
                }
                if expand {
                    if let Some(last) = args.pop() {
                        args.extend(last.as_elements().unwrap_or_default().iter().cloned());
                    }
                }
                Ok(apply(name, args))
            }
        }
    }

    fn number(&mut self) -> PResult<Value> {
        let rest = &self.src[self.pos..];
        let mut len = 0;
        let bytes = rest.as_bytes();
        if bytes.first() == Some(&b'-') {
            len = 1;
        }
        while len < bytes.len() {
            let c = bytes[len];
            let exp_sign =
                (c == b'-' || c == b'+') && len > 0 && matches!(bytes[len - 1], b'e' | b'E');
            if c.is_ascii_digit() || c == b'.' || c == b'e' || c == b'E' || exp_sign {
                len += 1;
            } else {
                break;
            }
        }
        let text = &rest[..len];
        self.pos += len;
        Number::parse(text)
            .map(Value::Number)
            .ok_or_else(|| format!("bad number {text:?}"))
    }

    fn string(&mut self) -> PResult<String> {
        self.expect("\"")?;
        let mut out = String::new();
        let mut chars = self.src[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => {
                    let (_, e) = chars.next().ok_or("bad escape")?;
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        'u' | 'U' => {
                            let n = if e == 'u' { 4 } else { 8 };
                            let hex: String = (0..n)
                                .filter_map(|_| chars.next().map(|(_, h)| h))
                                .collect();
                            let code = u32::from_str_radix(&hex, 16).map_err(|e| e.to_string())?;
                            out.push(char::from_u32(code).ok_or("bad code point")?);
                        }
                        other => return Err(format!("unsupported escape \\{other}")),
                    }
                }
                '$' | '%' if self.src[self.pos + i + 1..].starts_with('{') => {
                    return Err("templates are not supported".into());
                }
                '$' | '%'
                    if self.src[self.pos + i + 1..].starts_with(c)
                        && self.src[self.pos + i + 2..].starts_with('{') =>
                {
                    out.push(c);
                    chars.next();
                }
                c => out.push(c),
            }
        }
        Err("unterminated string".into())
    }

    fn ty(&mut self) -> PResult<Type> {
        let name = self.ident().ok_or("expected a type")?;
        let ty = match name {
            "string" => Type::String,
            "number" => Type::Number,
            "bool" => Type::Bool,
            "any" | "dynamic" => Type::Dynamic,
            "list" | "set" | "map" => {
                self.expect("(")?;
                let inner = self.ty()?;
                self.expect(")")?;
                match name {
                    "list" => Type::list(inner),
                    "set" => Type::set(inner),
                    _ => Type::map(inner),
                }
            }
            "tuple" => {
                self.expect("(")?;
                self.expect("[")?;
                let mut ts = Vec::new();
                while !self.eat("]") {
                    ts.push(self.ty()?);
                    self.eat(",");
                }
                self.expect(")")?;
                Type::Tuple(ts)
            }
            "object" => {
                self.expect("(")?;
                self.expect("{")?;
                let mut attrs = Vec::new();
                while !self.eat("}") {
                    let k = self.ident().ok_or("expected attribute")?.to_string();
                    if !self.eat("=") {
                        self.expect(":")?;
                    }
                    attrs.push((k, self.ty()?));
                    self.eat(",");
                }
                self.expect(")")?;
                Type::object(attrs)
            }
            other => return Err(format!("unknown type {other}")),
        };
        Ok(ty)
    }
}

fn apply(name: &str, args: Vec<Value>) -> Result<Value, FuncError> {
    let first = args.first().cloned().unwrap_or(Value::Null);
    let conv = |ty: Type| convert(first.clone(), &ty).map_err(|e| FuncError::call(e.message));
    match name {
        "tolist" => conv(Type::list(Type::Dynamic)),
        "toset" => conv(Type::set(Type::Dynamic)),
        "tomap" => conv(Type::map(Type::Dynamic)),
        "tostring" => conv(Type::String),
        "tonumber" => conv(Type::Number),
        "sensitive" => Ok(first.clone().sensitive()),
        _ => call(name, args, &FuncContext::default()),
    }
}

/// Parses and evaluates an expression. `Err` is a syntax problem of the test itself.
pub fn eval(src: &str) -> Result<Result<Value, FuncError>, String> {
    let mut p = Parser { src, pos: 0 };
    let v = p.expr()?;
    p.skip_ws();
    if p.pos != src.len() {
        return Err(format!("trailing input at {} in {src:?}", p.pos));
    }
    Ok(v)
}

/// The expected outcome: `error: TEXT` or a value expression.
pub fn expected(src: &str) -> Outcome {
    if let Some(text) = src.strip_prefix("error:") {
        return Outcome::Error(text.trim().to_string());
    }
    match eval(src) {
        Ok(Ok(v)) => Outcome::Value(v),
        Ok(Err(e)) => panic!("expected value {src:?} fails: {e}"),
        Err(e) => panic!("expected value {src:?} does not parse: {e}"),
    }
}

/// Runs a table of `(expression, expected)` cases and fails listing every mismatch.
pub fn run_table(cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (expr, want) in cases {
        let got = match eval(expr) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{expr}\n    does not parse: {e}"));
                continue;
            }
        };
        match (expected(want), got) {
            (Outcome::Value(w), Ok(g)) if w == g => {}
            (Outcome::Error(text), Err(e)) if e.to_string().contains(&text) => {}
            (w, g) => failures.push(format!("{expr}\n    want {w:?}\n    got  {g:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
