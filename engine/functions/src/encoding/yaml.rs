//! `yamldecode` and `yamlencode`, following Terraform's go-cty-yaml.
//!
//! Decoding uses `yaml-rust2`'s event parser, so that scalar styles, tags and
//! the exact text of numbers are available: plain scalars are resolved as
//! cty-yaml does (YAML 1.1 booleans such as `yes`/`on`, decimal numbers at
//! full precision, `0x`/`0o` integers, timestamps as RFC 3339 strings), and
//! quoted scalars are always strings.
//!
//! Encoding is a small block-style emitter that reproduces the output of the
//! libyaml-derived emitter Terraform uses: double-quoted strings (literal
//! block style for strings with newlines), quoted keys, folding of long
//! quoted strings at 80 columns and `...` after a plain top-level scalar.

use super::b64_decode;
use gitform_value::display::go_quote;
use gitform_value::{Number, Value};
use std::collections::{BTreeMap, HashMap};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

const STR: &str = "tag:yaml.org,2002:str";
const BINARY: &str = "tag:yaml.org,2002:binary";
const BOOL: &str = "tag:yaml.org,2002:bool";
const INT: &str = "tag:yaml.org,2002:int";
const FLOAT: &str = "tag:yaml.org,2002:float";
const NULL: &str = "tag:yaml.org,2002:null";
const TIMESTAMP: &str = "tag:yaml.org,2002:timestamp";
const MAP: &str = "tag:yaml.org,2002:map";
const SEQ: &str = "tag:yaml.org,2002:seq";

/// Deepest nesting accepted, and the most values aliases may produce.
const MAX_DEPTH: usize = 1000;
const MAX_ALIAS_NODES: usize = 1_000_000;

// ---------------------------------------------------------------- decoding

struct Decoder<'a> {
    src: &'a str,
    parser: Parser<std::str::Chars<'a>>,
    anchors: HashMap<usize, (Value, usize)>,
    /// Anchors of collections still being read.
    open_anchors: Vec<usize>,
    alias_nodes: usize,
}

/// Decodes one YAML document into a value.
pub(super) fn decode(src: &str) -> Result<Value, String> {
    let mut d = Decoder {
        src,
        parser: Parser::new_from_str(src),
        anchors: HashMap::new(),
        open_anchors: Vec::new(),
        alias_nodes: 0,
    };
    let mut root = None;
    loop {
        let (ev, mark) = d.next()?;
        match ev {
            Event::StreamStart | Event::Nothing => {}
            Event::DocumentStart if root.is_some() => {
                return Err(at(mark, "unexpected extra content after value"));
            }
            Event::DocumentStart => {
                let (ev, mark) = d.next()?;
                root = Some(d.node(ev, mark, 0)?.0);
            }
            Event::DocumentEnd => {}
            Event::StreamEnd => break,
            _ => return Err(at(mark, "unexpected extra content after value")),
        }
    }
    root.ok_or_else(|| "on line 1, column 1: missing start of document".to_string())
}

fn at(mark: Marker, msg: &str) -> String {
    format!("on line {}, column {}: {msg}", mark.line(), mark.col() + 1)
}

fn full_tag(tag: Option<yaml_rust2::parser::Tag>) -> String {
    tag.map(|t| format!("{}{}", t.handle, t.suffix))
        .unwrap_or_default()
}

impl Decoder<'_> {
    fn next(&mut self) -> Result<(Event, Marker), String> {
        self.parser.next_token().map_err(|e| {
            if e.info().contains("unknown anchor") {
                let name = self.alias_name(*e.marker());
                return format!("reference to undefined anchor {}", go_quote(&name));
            }
            format!(
                "on line {}, column {}: {}",
                e.marker().line(),
                e.marker().col() + 1,
                e.info()
            )
        })
    }

    /// Decodes the node starting with `ev`; returns it with its size in values.
    fn node(&mut self, ev: Event, mark: Marker, depth: usize) -> Result<(Value, usize), String> {
        if depth > MAX_DEPTH {
            return Err(at(mark, "document is nested too deeply"));
        }
        match ev {
            Event::Alias(id) => {
                if self.open_anchors.contains(&id) {
                    return Err(format!(
                        "cannot refer to anchor {} from inside its own definition",
                        go_quote(&self.alias_name(mark))
                    ));
                }
                let (v, size) = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| at(mark, "unknown anchor"))?;
                self.alias_nodes += size;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err("document contains excessive aliasing".to_string());
                }
                Ok((v, size))
            }
            Event::Scalar(text, style, anchor, tag) => {
                let v = resolve_scalar(&text, style, &full_tag(tag))?;
                self.remember(anchor, &v, 1);
                Ok((v, 1))
            }
            Event::SequenceStart(anchor, tag) => {
                let tag = full_tag(tag);
                if !tag.is_empty() && tag != SEQ {
                    return Err(format!("can't interpret sequence as {tag}"));
                }
                let mut items = Vec::new();
                let mut size = 1;
                self.open_anchors.push(anchor);
                loop {
                    let (ev, mark) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    let (v, n) = self.node(ev, mark, depth + 1)?;
                    size += n;
                    items.push(v);
                }
                let v = Value::Tuple(items);
                self.open_anchors.pop();
                self.remember(anchor, &v, size);
                Ok((v, size))
            }
            Event::MappingStart(anchor, tag) => {
                let tag = full_tag(tag);
                if !tag.is_empty() && tag != MAP {
                    return Err(format!("can't interpret mapping as {tag}"));
                }
                let mut attrs = BTreeMap::new();
                let mut merged: Vec<(String, Value)> = Vec::new();
                let mut size = 1;
                self.open_anchors.push(anchor);
                loop {
                    let (kev, kmark) = self.next()?;
                    if matches!(kev, Event::MappingEnd) {
                        break;
                    }
                    let is_merge =
                        matches!(&kev, Event::Scalar(s, TScalarStyle::Plain, _, None) if s == "<<");
                    let (key, _) = self.node(kev, kmark, depth + 1)?;
                    let (vev, vmark) = self.next()?;
                    let (val, n) = self.node(vev, vmark, depth + 1)?;
                    size += n;
                    if is_merge {
                        merge_into(&mut merged, val).map_err(|m| at(vmark, m))?;
                        continue;
                    }
                    attrs.insert(key_string(key)?, val);
                }
                for (k, v) in merged {
                    attrs.entry(k).or_insert(v);
                }
                let v = Value::Object(attrs);
                self.open_anchors.pop();
                self.remember(anchor, &v, size);
                Ok((v, size))
            }
            _ => Err(at(mark, "did not find expected node content")),
        }
    }

    /// The anchor name of the alias at `mark`, read from the source.
    fn alias_name(&self, mark: Marker) -> String {
        self.src
            .chars()
            .skip(mark.index())
            .skip_while(|c| *c == '*')
            .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
            .collect()
    }

    fn remember(&mut self, anchor: usize, v: &Value, size: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, (v.clone(), size));
        }
    }
}

/// Collects the entries of a `<<` merge value (a mapping or a sequence of
/// mappings; earlier ones win).
fn merge_into(merged: &mut Vec<(String, Value)>, val: Value) -> Result<(), &'static str> {
    match val {
        Value::Object(m) => {
            for (k, v) in m {
                if !merged.iter().any(|(mk, _)| *mk == k) {
                    merged.push((k, v));
                }
            }
            Ok(())
        }
        Value::Tuple(items) => {
            for item in items {
                match item {
                    Value::Object(_) => merge_into(merged, item)?,
                    _ => return Err("map merge requires map or sequence of maps as the value"),
                }
            }
            Ok(())
        }
        _ => Err("map merge requires map or sequence of maps as the value"),
    }
}

fn key_string(key: Value) -> Result<String, String> {
    match key {
        Value::String(s) => Ok(s),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Err("mapping key cannot be null".to_string()),
        _ => Err("mapping key must be a string".to_string()),
    }
}

fn resolvable(tag: &str) -> bool {
    matches!(
        tag,
        "" | STR | BOOL | INT | FLOAT | NULL | TIMESTAMP | BINARY
    )
}

/// How the first character of a plain scalar hints at its type.
fn hint(src: &str) -> Option<char> {
    match src.as_bytes().first() {
        None => Some('N'),
        Some(b'+' | b'-') => Some('S'),
        Some(b'0'..=b'9') => Some('D'),
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => {
            Some('M')
        }
        Some(b'.') => Some('.'),
        _ => None,
    }
}

fn keyword(src: &str) -> Option<Result<Value, String>> {
    Some(Ok(match src {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Value::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" => {
            return Some(Err("infinity is not supported".to_string()))
        }
        ".nan" | ".NaN" | ".NAN" => {
            return Some(Err("floating point NaN is not supported".to_string()))
        }
        _ => return None,
    }))
}

/// A decimal number in YAML's float syntax, at full precision.
fn decimal(src: &str) -> Option<Number> {
    let b = src.strip_prefix(['+', '-']).unwrap_or(src).as_bytes();
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = int;
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac;
    }
    if int == 0 && frac == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return None;
        }
        i += exp;
    }
    if i != b.len() {
        return None;
    }
    let text = src.strip_suffix('.').unwrap_or(src);
    let text = text.replace("+.", "+0.").replace("-.", "-0.");
    let text = if text.starts_with('.') {
        format!("0{text}")
    } else {
        text
    };
    Number::parse(&text)
}

fn int_in_base(digits: &str, radix: u32) -> Option<Number> {
    if digits.is_empty() {
        return None;
    }
    i128::from_str_radix(digits, radix).ok().and_then(|v| {
        i64::try_from(v)
            .ok()
            .map(Number::from_i64)
            .or_else(|| u64::try_from(v).ok().map(Number::from_u64))
    })
}

/// Go's `strconv.ParseInt(s, 0, 64)` (or `ParseUint`): sign, then a `0x`,
/// `0o`, `0b` or `0` prefix choosing the base.
fn go_int_base0(s: &str) -> Option<Number> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let n = if let Some(h) = lower.strip_prefix("0x") {
        int_in_base(h, 16)
    } else if let Some(o) = lower.strip_prefix("0o") {
        int_in_base(o, 8)
    } else if let Some(b) = lower.strip_prefix("0b") {
        int_in_base(b, 2)
    } else if lower.len() > 1 && lower.starts_with('0') {
        int_in_base(&lower[1..], 8)
    } else {
        int_in_base(&lower, 10)
    }?;
    Some(if neg { Number(-n.0) } else { n })
}

fn resolve_scalar(src: &str, style: TScalarStyle, tag: &str) -> Result<Value, String> {
    if !resolvable(tag) {
        return Err(format!("unsupported tag {}", go_quote(tag)));
    }
    let binary_check = |src: &str| {
        b64_decode(src)
            .map(|_| Value::String(src.to_string()))
            .map_err(|_| format!("cannot parse {} as {tag}: not valid base64", go_quote(src)))
    };
    if style != TScalarStyle::Plain {
        return if tag == BINARY {
            binary_check(src)
        } else {
            Ok(Value::String(src.to_string()))
        };
    }
    if let Some(h) = hint(src) {
        if tag != STR && tag != BINARY {
            if let Some(v) = keyword(src) {
                return v;
            }
            match h {
                '.' => {
                    if let Some(n) = decimal(src) {
                        return Ok(Value::Number(n));
                    }
                }
                'D' | 'S' => {
                    if tag.is_empty() || tag == TIMESTAMP {
                        if let Some(ts) = yaml_timestamp(src) {
                            return Ok(Value::String(ts));
                        }
                    }
                    if let Some(n) = decimal(src) {
                        return Ok(Value::Number(n));
                    }
                    if let Some(n) = src.strip_prefix("0x").and_then(|h| {
                        h.bytes()
                            .all(|b| b.is_ascii_hexdigit())
                            .then(|| int_in_base(h, 16))
                            .flatten()
                    }) {
                        return Ok(Value::Number(n));
                    }
                    if let Some(n) = src.strip_prefix("0o").and_then(|o| {
                        o.bytes()
                            .all(|b| (b'0'..=b'7').contains(&b))
                            .then(|| int_in_base(o, 8))
                            .flatten()
                    }) {
                        return Ok(Value::Number(n));
                    }
                }
                _ => {}
            }
        }
    }
    let cannot = || format!("cannot parse {} as {tag}", go_quote(src));
    match tag {
        STR => Ok(Value::String(src.to_string())),
        BINARY => binary_check(src),
        BOOL => match keyword(src) {
            Some(Ok(Value::Bool(b))) => Ok(Value::Bool(b)),
            _ => Err(cannot()),
        },
        INT | FLOAT => {
            let plain = src.replace('_', "");
            decimal(&plain)
                .or_else(|| go_int_base0(&plain))
                .map(Value::Number)
                .ok_or_else(cannot)
        }
        TIMESTAMP => yaml_timestamp(src).map(Value::String).ok_or_else(cannot),
        NULL => Ok(Value::Null),
        _ => Ok(Value::String(src.to_string())),
    }
}

/// Takes 1 or 2 digits (Go's non-padded layout fields).
fn short_num(s: &str) -> Option<(u32, &str)> {
    let n = s.bytes().take(2).take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

/// The timestamp forms cty-yaml accepts, as an RFC 3339 string (whole
/// seconds), or `None`.
fn yaml_timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let year: i16 = s[..4].parse().ok()?;
    let (month, rest) = short_num(&s[5..])?;
    let rest = rest.strip_prefix('-')?;
    let (day, rest) = short_num(rest)?;
    jiff::civil::Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()?;
    let date = format!("{year:04}-{month:02}-{day:02}");
    if rest.is_empty() {
        return Some(format!("{date}T00:00:00Z"));
    }
    let (zoned, rest) = match rest.as_bytes().first()? {
        b'T' | b't' => (true, &rest[1..]),
        b' ' => (false, &rest[1..]),
        _ => return None,
    };
    let (h, rest) = short_num(rest)?;
    let (m, rest) = short_num(rest.strip_prefix(':')?)?;
    let (sec, mut rest) = short_num(rest.strip_prefix(':')?)?;
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    if let Some(f) = rest.strip_prefix('.') {
        let n = f.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &f[n..];
    }
    let time = format!("{date}T{h:02}:{m:02}:{sec:02}");
    if !zoned {
        return rest.is_empty().then(|| format!("{time}Z"));
    }
    if rest == "Z" {
        return Some(format!("{time}Z"));
    }
    let sign = rest
        .as_bytes()
        .first()
        .filter(|c| matches!(c, b'+' | b'-'))?;
    let off = &rest[1..];
    let ob = off.as_bytes();
    if ob.len() != 5 || ob[2] != b':' || !ob[..2].iter().chain(&ob[3..]).all(u8::is_ascii_digit) {
        return None;
    }
    let (oh, om): (u32, u32) = (off[..2].parse().ok()?, off[3..].parse().ok()?);
    if oh > 23 || om > 59 {
        return None;
    }
    if oh == 0 && om == 0 {
        return Some(format!("{time}Z"));
    }
    Some(format!("{time}{}{off}", *sign as char))
}

// ---------------------------------------------------------------- encoding

/// Encodes a value as Terraform's `yamlencode` does.
pub(super) fn encode(v: &Value) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
        open_ended: false,
        indent: -1,
        indents: Vec::new(),
    };
    e.node(
        v,
        Ctx {
            root: true,
            ..Ctx::default()
        },
    );
    // Document end.
    e.write_indent();
    if e.open_ended {
        e.write_indicator("...", true, false, false);
        e.write_indent();
    }
    e.out
}

const BEST_INDENT: i32 = 2;
const BEST_WIDTH: usize = 80;

#[derive(Clone, Copy, Default)]
struct Ctx {
    root: bool,
    mapping: bool,
    simple_key: bool,
}

/// What the emitter learns about a scalar before choosing its style.
struct Analysis {
    multiline: bool,
    block_allowed: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        && c != '\u{feff}'
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let (mut line_breaks, mut special, mut trailing_space, mut space_break) =
        (false, false, false, false);
    let mut previous_space = false;
    for (i, &c) in chars.iter().enumerate() {
        let last = i + 1 == chars.len();
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            trailing_space |= last;
            previous_space = true;
        } else if is_break(c) {
            line_breaks = true;
            space_break |= previous_space;
            previous_space = false;
        } else {
            previous_space = false;
        }
    }
    Analysis {
        multiline: line_breaks,
        block_allowed: !(trailing_space || space_break || special),
    }
}

struct Emitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
    indent: i32,
    indents: Vec<i32>,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        ind: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn node(&mut self, v: &Value, ctx: Ctx) {
        match v {
            Value::Sensitive(inner) => self.node(inner, ctx),
            Value::Null | Value::Unknown(_) => self.plain("null", ctx),
            Value::Bool(b) => self.plain(if *b { "true" } else { "false" }, ctx),
            Value::Number(n) => self.plain(&n.to_string(), ctx),
            Value::String(s) => self.string(s, ctx),
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                self.sequence(items, ctx)
            }
            Value::Map(m) | Value::Object(m) => self.mapping(m, ctx),
        }
    }

    fn plain(&mut self, text: &str, ctx: Ctx) {
        self.increase_indent(true, false);
        if !self.whitespace {
            self.put(' ');
        }
        for c in text.chars() {
            self.put(c);
        }
        self.whitespace = false;
        self.indention = false;
        if ctx.root {
            self.open_ended = true;
        }
        self.pop_indent();
    }

    fn string(&mut self, s: &str, ctx: Ctx) {
        let a = analyze(s);
        let literal = s.contains('\n') && a.block_allowed && !ctx.simple_key;
        self.increase_indent(true, false);
        if literal {
            self.literal(s);
        } else {
            self.double_quoted(s, !ctx.simple_key);
        }
        self.pop_indent();
    }

    fn double_quoted(&mut self, s: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        // The emitter checks for a byte order mark at the start of the
        // value on every character, so a leading one escapes everything.
        let bom = chars.first() == Some(&'\u{feff}');
        let mut spaces = false;
        let mut byte_pos = 0usize;
        for (i, &c) in chars.iter().enumerate() {
            let at_byte = byte_pos;
            byte_pos += c.len_utf8();
            if bom || !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let esc = match c {
                    '\0' => "0".to_string(),
                    '\u{7}' => "a".to_string(),
                    '\u{8}' => "b".to_string(),
                    '\t' => "t".to_string(),
                    '\n' => "n".to_string(),
                    '\u{b}' => "v".to_string(),
                    '\u{c}' => "f".to_string(),
                    '\r' => "r".to_string(),
                    '\u{1b}' => "e".to_string(),
                    '"' => "\"".to_string(),
                    '\\' => "\\".to_string(),
                    '\u{85}' => "N".to_string(),
                    '\u{a0}' => "_".to_string(),
                    '\u{2028}' => "L".to_string(),
                    '\u{2029}' => "P".to_string(),
                    c if (c as u32) <= 0xff => format!("x{:02X}", c as u32),
                    c if (c as u32) <= 0xffff => format!("u{:04X}", c as u32),
                    c => format!("U{:08X}", c as u32),
                };
                for e in esc.chars() {
                    self.put(e);
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && at_byte > 0
                    && at_byte + 1 < s.len()
                {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn literal(&mut self, s: &str) {
        self.write_indicator("|", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        if chars.first().is_some_and(|c| *c == ' ' || is_break(*c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        self.open_ended = false;
        let chomp = match chars.as_slice() {
            [] => Some("-"),
            [.., last] if !is_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., prev, _] if is_break(*prev) => Some("+"),
            _ => None,
        };
        if let Some(h) = chomp {
            self.write_indicator(h, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.out.push(c);
                self.column += 1;
                self.indention = false;
                breaks = false;
            }
        }
    }

    fn sequence(&mut self, items: &[Value], ctx: Ctx) {
        if items.is_empty() {
            // Only empty collections are written in flow style.
            self.write_indicator("[", true, true, false);
            self.write_indicator("]", false, false, false);
            return;
        }
        let indentless = ctx.mapping && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, Ctx::default());
        }
        self.pop_indent();
    }

    fn mapping(&mut self, m: &BTreeMap<String, Value>, _ctx: Ctx) {
        if m.is_empty() {
            self.write_indicator("{", true, true, false);
            self.write_indicator("}", false, false, false);
            return;
        }
        self.increase_indent(false, false);
        for (k, v) in m {
            self.write_indent();
            let simple = !analyze(k).multiline && k.len() <= 128;
            let value_ctx = Ctx {
                mapping: true,
                ..Ctx::default()
            };
            if simple {
                self.string(
                    k,
                    Ctx {
                        mapping: true,
                        simple_key: true,
                        ..Ctx::default()
                    },
                );
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.string(k, value_ctx);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(v, value_ctx);
        }
        self.pop_indent();
    }
}
