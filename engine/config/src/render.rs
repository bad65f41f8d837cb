//! Diagnostics as Terraform prints them.
//!
//! Two layouts, both byte-for-byte Terraform's:
//!
//! - [`Style::Boxed`] is what Terraform prints by default (a left rule made
//!   of `╷ │ ╵`), with ANSI colors when [`RenderOptions::color`] is set: red
//!   for errors, yellow for warnings, bold summary and the source span
//!   underlined;
//! - [`Style::Plain`] is what `terraform ... -no-color` prints: no rule, no
//!   colors, a blank line before each diagnostic.
//!
//! ```text
//! ╷
//! │ Error: Reference to undeclared input variable
//! │
//! │   on main.tf line 2, in resource "terraform_data" "x":
//! │    2:   input = var.regon
//! │
//! │ An input variable with the name "regon" has not been declared. Did you mean "region"?
//! ╵
//! ```
//!
//! The `in resource "terraform_data" "x"` context names the top-level block
//! around the start of the diagnostic's range, found by scanning the source.

use crate::fmt::{lexer, Kind, Token};
use gitform_value::{Diagnostic, Pos, Severity, SourceFile, SourceRange};
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

pub use crate::suggest::suggest;

/// Finds the source text of the file a diagnostic points into.
pub trait SourceLookup {
    /// The source file named `filename` (as in [`SourceRange::filename`]).
    fn source(&self, filename: &str) -> Option<Arc<SourceFile>>;
}

impl<S: BuildHasher> SourceLookup for HashMap<Arc<str>, Arc<SourceFile>, S> {
    fn source(&self, filename: &str) -> Option<Arc<SourceFile>> {
        self.get(filename).cloned()
    }
}

impl<S: BuildHasher> SourceLookup for HashMap<String, Arc<SourceFile>, S> {
    fn source(&self, filename: &str) -> Option<Arc<SourceFile>> {
        self.get(filename).cloned()
    }
}

impl SourceLookup for [Arc<SourceFile>] {
    fn source(&self, filename: &str) -> Option<Arc<SourceFile>> {
        self.iter().find(|f| &*f.name == filename).cloned()
    }
}

impl SourceLookup for Vec<Arc<SourceFile>> {
    fn source(&self, filename: &str) -> Option<Arc<SourceFile>> {
        self.as_slice().source(filename)
    }
}

impl SourceLookup for () {
    fn source(&self, _filename: &str) -> Option<Arc<SourceFile>> {
        None
    }
}

impl<T: SourceLookup + ?Sized> SourceLookup for &T {
    fn source(&self, filename: &str) -> Option<Arc<SourceFile>> {
        (**self).source(filename)
    }
}

/// The overall layout of a rendered diagnostic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Style {
    /// Terraform's default layout, framed by a left rule.
    #[default]
    Boxed,
    /// The layout of Terraform's `-no-color` mode: no rule, never colored.
    Plain,
}

/// How to render diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RenderOptions {
    /// Use ANSI colors (only in [`Style::Boxed`], as Terraform does).
    pub color: bool,
    /// Wrap detail paragraphs to this terminal width. Terraform uses the
    /// terminal's width, or 78 columns when the output is not a terminal.
    /// `None` disables wrapping.
    pub width: Option<usize>,
    /// Boxed (Terraform's default) or plain (`-no-color`).
    pub style: Style,
}

impl RenderOptions {
    /// The options matching Terraform's: boxed and colored, or plain when
    /// colors are off (`-no-color`).
    pub fn terraform(color: bool, width: Option<usize>) -> RenderOptions {
        let style = if color { Style::Boxed } else { Style::Plain };
        RenderOptions {
            color,
            width,
            style,
        }
    }
}

/// Renders several diagnostics, one after the other.
pub fn render_diagnostics<'a>(
    diags: impl IntoIterator<Item = &'a Diagnostic>,
    sources: &dyn SourceLookup,
    opts: &RenderOptions,
) -> String {
    diags
        .into_iter()
        .map(|d| render_diagnostic(d, sources, opts))
        .collect()
}

/// Renders one diagnostic the way Terraform prints it.
pub fn render_diagnostic(
    d: &Diagnostic,
    sources: &dyn SourceLookup,
    opts: &RenderOptions,
) -> String {
    match opts.style {
        Style::Boxed => render_boxed(d, sources, opts),
        Style::Plain => render_plain(d, sources, opts.width),
    }
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const UNDERLINE: &str = "\x1b[4m";

fn render_boxed(d: &Diagnostic, sources: &dyn SourceLookup, opts: &RenderOptions) -> String {
    let (label, color) = match d.severity {
        Severity::Error => ("Error: ", "\x1b[31m"),
        Severity::Warning => ("Warning: ", "\x1b[33m"),
    };
    let mut body = String::new();
    let (rule_line, rule_start, rule_end);
    if opts.color {
        // Each colored fragment ends with a reset, as Terraform's colorizer adds one.
        body.push_str(&format!("{BOLD}{color}{label}{RESET}{RESET}"));
        body.push_str(&format!("{BOLD}{}{RESET}\n\n{RESET}", d.summary));
        rule_line = format!("{color}│{RESET} {RESET}");
        rule_start = format!("{color}╷{RESET}{RESET}");
        rule_end = format!("{color}╵{RESET}{RESET}");
    } else {
        body.push_str(label);
        body.push_str(&d.summary);
        body.push_str("\n\n");
        rule_line = "│ ".to_string();
        rule_start = "╷".to_string();
        rule_end = "╵".to_string();
    }
    write_snippet(&mut body, d, sources, opts.color);
    if !d.detail.is_empty() {
        match opts.width.map(|w| w as isize - 3) {
            Some(para) if para > 0 => write_wrapped(&mut body, &d.detail, para as usize),
            _ => {
                body.push_str(&d.detail);
                body.push('\n');
            }
        }
    }

    let mut out = String::with_capacity(body.len() + 64);
    out.push_str(&rule_start);
    out.push('\n');
    for line in scan_lines(&body) {
        if line.is_empty() {
            out.push_str(rule_line.trim());
        } else {
            out.push_str(&rule_line);
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&rule_end);
    out.push('\n');
    out
}

fn render_plain(d: &Diagnostic, sources: &dyn SourceLookup, width: Option<usize>) -> String {
    let mut out = String::new();
    out.push_str(match d.severity {
        Severity::Error => "\nError: ",
        Severity::Warning => "\nWarning: ",
    });
    out.push_str(&d.summary);
    out.push_str("\n\n");
    write_snippet(&mut out, d, sources, false);
    if !d.detail.is_empty() {
        match width {
            Some(w) if w > 1 => write_wrapped(&mut out, &d.detail, w - 1),
            _ => {
                out.push_str(&d.detail);
                out.push('\n');
            }
        }
    }
    out
}

/// The lines of `s` as Go's `bufio.ScanLines` yields them: split at `\n`,
/// a trailing `\r` dropped, no empty last line after a final newline.
fn scan_lines(s: &str) -> impl Iterator<Item = &str> {
    let s = s.strip_suffix('\n').unwrap_or(s);
    let lines: Vec<&str> = if s.is_empty() {
        Vec::new()
    } else {
        s.split('\n').collect()
    };
    lines.into_iter().map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// Detail paragraphs, each line word-wrapped unless it starts with a space.
fn write_wrapped(out: &mut String, detail: &str, width: usize) {
    for line in detail.split('\n') {
        if line.starts_with(' ') {
            out.push_str(line);
        } else {
            out.push_str(&wrap(line, width));
        }
        out.push('\n');
    }
}

/// Word-wrapping as Terraform does it (go-wordwrap): break at white space
/// only, never inside a word, widths counted in characters.
pub fn wrap(s: &str, lim: usize) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut current = 0usize;
    let (mut word, mut space) = (String::new(), String::new());
    let (mut word_len, mut space_len) = (0usize, 0usize);
    for c in s.chars() {
        if c == '\n' {
            if word.is_empty() {
                if current + space_len <= lim {
                    out.push_str(&space);
                }
            } else {
                out.push_str(&space);
                out.push_str(&word);
            }
            space.clear();
            word.clear();
            space_len = 0;
            word_len = 0;
            out.push('\n');
            current = 0;
        } else if c.is_whitespace() && c != '\u{a0}' {
            if space.is_empty() || !word.is_empty() {
                current += space_len + word_len;
                out.push_str(&space);
                out.push_str(&word);
                space.clear();
                word.clear();
                space_len = 0;
                word_len = 0;
            }
            space.push(c);
            space_len += 1;
        } else {
            word.push(c);
            word_len += 1;
            if current + space_len + word_len > lim && word_len < lim {
                out.push('\n');
                current = 0;
                space.clear();
                space_len = 0;
            }
        }
    }
    if word.is_empty() {
        if current + space_len <= lim {
            out.push_str(&space);
        }
    } else {
        out.push_str(&space);
        out.push_str(&word);
    }
    out
}

/// The `with ADDRESS,` line, then `on FILE line N, in CONTEXT:` and the
/// numbered source lines, then a blank line.
fn write_snippet(out: &mut String, d: &Diagnostic, sources: &dyn SourceLookup, color: bool) {
    if let Some(address) = &d.address {
        out.push_str(&format!("  with {address},\n"));
    }
    let Some(range) = &d.range else { return };
    let Some(file) = sources.source(&range.filename) else {
        out.push_str(&format!(
            "  on {} line {}:\n  (source code not available)\n\n",
            range.filename, range.start.line
        ));
        return;
    };
    let snippet = Snippet::new(&file, range);
    match &snippet.context {
        Some(ctx) => out.push_str(&format!(
            "  on {} line {}, in {ctx}:\n",
            range.filename, range.start.line
        )),
        None => out.push_str(&format!(
            "  on {} line {}:\n",
            range.filename, range.start.line
        )),
    }
    let code = &snippet.code;
    let start = snippet.highlight.0.min(code.len());
    let mut end = snippet.highlight.1.min(code.len());
    if end < start {
        end = (start + 1).min(code.len());
    }
    let mut bytes = Vec::with_capacity(code.len() + 16);
    bytes.extend_from_slice(&code[..start]);
    if color {
        bytes.extend_from_slice(UNDERLINE.as_bytes());
    }
    bytes.extend_from_slice(&code[start..end]);
    if color {
        bytes.extend_from_slice(RESET.as_bytes());
    }
    bytes.extend_from_slice(&code[end..]);
    if color {
        bytes.extend_from_slice(RESET.as_bytes());
    }
    let text = String::from_utf8_lossy(&bytes);
    for (i, line) in text.split('\n').enumerate() {
        out.push_str(&format!("{:4}: {line}\n", snippet.start_line + i));
    }
    out.push('\n');
}

/// The source lines shown for a diagnostic, computed as Terraform does.
struct Snippet {
    start_line: usize,
    code: Vec<u8>,
    /// The highlighted byte range within `code`.
    highlight: (usize, usize),
    context: Option<String>,
}

impl Snippet {
    fn new(file: &SourceFile, range: &SourceRange) -> Snippet {
        let src = file.text.as_bytes();
        let start = range.start.byte;
        let mut end = if range.end == Pos::default() {
            start
        } else {
            range.end.byte
        };
        if end < start {
            end = start;
        }
        // Empty ranges are widened to one byte.
        if end == start {
            end += 1;
        }
        let context = if file.name.ends_with(".json") {
            None
        } else {
            start
                .checked_sub(1)
                .and_then(|offset| context_string(&file.text, offset))
        };

        // Every line (without its line break) that overlaps the range.
        let overlaps = |ls: usize, le: usize| {
            let contains = |s: usize, e: usize, o: usize| o >= s && o < e;
            ls != le
                && (contains(ls, le, start)
                    || contains(ls, le, end)
                    || contains(start, end, ls)
                    || contains(start, end, le))
        };
        let mut code: Vec<u8> = Vec::new();
        let mut code_start: Option<usize> = None;
        let mut line_start = 0;
        while line_start < src.len() {
            let nl = src[line_start..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|i| line_start + i);
            let mut line_end = nl.unwrap_or(src.len());
            if nl.is_some() && line_end > line_start && src[line_end - 1] == b'\r' {
                line_end -= 1;
            }
            if overlaps(line_start, line_end) {
                code_start.get_or_insert(line_start);
                code.extend_from_slice(&src[line_start..line_end]);
                code.push(b'\n');
            }
            match nl {
                Some(i) => line_start = i + 1,
                None => break,
            }
        }
        if code.last() == Some(&b'\n') {
            code.pop();
        }
        let hl_start = start.saturating_sub(code_start.unwrap_or(0));
        let hl_end = hl_start + (end - start);
        Snippet {
            start_line: range.start.line,
            code,
            highlight: (hl_start, hl_end),
            context,
        }
    }
}

/// `resource "aws_vpc" "main"`: the header of the top-level block of `src`
/// that contains byte `offset`, as Terraform names it in diagnostics.
fn context_string(src: &str, offset: usize) -> Option<String> {
    let (tokens, _) = lexer::lex(src);
    let mut depth = 0i32;
    let mut line_start = true;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        match t.kind {
            Kind::Newline => line_start = true,
            Kind::Comment if t.text.ends_with('\n') => line_start = true,
            Kind::Comment => {}
            Kind::Ident if depth == 0 && line_start => {
                if let Some((labels, open)) = block_header(&tokens, i + 1) {
                    let close = matching_close(&tokens, open);
                    let end = tokens
                        .get(close)
                        .map_or(src.len(), |c| c.start + c.text.len());
                    if offset >= t.start && offset < end {
                        let mut s = t.text.clone();
                        for l in labels {
                            s.push(' ');
                            s.push_str(&go_quote(&l));
                        }
                        return Some(s);
                    }
                    if t.start > offset {
                        return None;
                    }
                    i = close + 1;
                    line_start = false;
                    continue;
                }
                line_start = false;
            }
            kind => {
                depth += kind.bracket_change();
                line_start = false;
            }
        }
        i += 1;
    }
    None
}

/// The labels of a block header starting at `i` and the index of its `{`.
fn block_header(tokens: &[Token], mut i: usize) -> Option<(Vec<String>, usize)> {
    let mut labels = Vec::new();
    loop {
        let t = tokens.get(i)?;
        match t.kind {
            Kind::Ident => labels.push(t.text.clone()),
            Kind::OQuote => {
                let mut raw = String::new();
                i += 1;
                while let Some(t) = tokens.get(i) {
                    match t.kind {
                        Kind::CQuote => break,
                        Kind::QuotedLit => raw.push_str(&t.text),
                        _ => return None,
                    }
                    i += 1;
                }
                labels.push(unescape_label(&raw));
            }
            Kind::Comment if !t.text.ends_with('\n') => {}
            Kind::OBrace => return Some((labels, i)),
            _ => return None,
        }
        i += 1;
    }
}

/// The index of the token closing the bracket opened at `open` (or the
/// index of the EOF token when it is never closed).
fn matching_close(tokens: &[Token], open: usize) -> usize {
    let mut depth = 0;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        depth += t.kind.bracket_change();
        if depth <= 0 || t.kind == Kind::Eof {
            return i;
        }
    }
    tokens.len()
}

fn unescape_label(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(u @ ('u' | 'U')) => {
                let n = if u == 'u' { 4 } else { 8 };
                let hex: String = chars.by_ref().take(n).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push('\\');
                        out.push(u);
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out.replace("$${", "${").replace("%%{", "%{")
}

/// A string quoted like Go's `%q`.
fn go_quote(s: &str) -> String {
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
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
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
    fn wraps_like_go_wordwrap() {
        let cases = [
            ("a b c", 3, "a b\nc"),
            ("hello world", 5, "hello\nworld"),
            ("averyveryverylongword x", 5, "averyveryverylongword\nx"),
            ("", 10, ""),
            ("two  spaces here", 9, "two\nspaces\nhere"),
        ];
        for (input, lim, want) in cases {
            assert_eq!(wrap(input, lim), want, "wrap({input:?}, {lim})");
        }
    }

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(go_quote("é"), "\"é\"");
    }

    #[test]
    fn finds_enclosing_top_level_block() {
        let src = "variable \"a\" {\n  default = 1\n}\n\nresource aws_vpc \"m\\u0041in\" {\n  x {\n    y = 1\n  }\n}\nlocals {\n  z = 2\n}\n";
        let at = |needle: &str| src.find(needle).unwrap();
        assert_eq!(
            context_string(src, at("default")).as_deref(),
            Some("variable \"a\"")
        );
        assert_eq!(
            context_string(src, at("y = 1")).as_deref(),
            Some("resource \"aws_vpc\" \"mAin\"")
        );
        assert_eq!(context_string(src, at("z = 2")).as_deref(), Some("locals"));
        assert_eq!(context_string(src, at("\n\nresource") + 1), None);
    }
}
