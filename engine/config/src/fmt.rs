//! `terraform fmt`: the canonical layout of HCL native syntax.
//!
//! Terraform's formatter (HCL's `hclwrite` plus a few rewrites done by the
//! `fmt` command) works on tokens, not on a syntax tree: it only ever changes
//! the spaces *between* tokens. This module does the same:
//!
//! 1. `lexer` splits the source into the same tokens as HCL's scanner
//!    (comments keep their trailing newline, heredocs and strings are split
//!    into literal and template tokens, the spaces between tokens are dropped
//!    and only counted);
//! 2. `rewrite_body` applies the `terraform fmt` rewrites: block labels are
//!    quoted, `"${expr}"` becomes `expr`, and legacy `variable` types such as
//!    `"string"` or bare `list` become `string` and `list(any)`;
//! 3. `layout` recomputes every space: two spaces of indent per open
//!    bracket line, one space between most tokens, and the `=` of consecutive
//!    one-line attributes (and trailing comments) aligned in columns.
//!
//! Invalid files are never formatted: their syntax errors are returned.

use gitform_value::{Diagnostic, Diagnostics, SourceFile};
use unicode_segmentation::UnicodeSegmentation;

/// The file name used in diagnostics by [`format_source`], as `terraform fmt -` does.
pub const STDIN_NAME: &str = "<stdin>";

/// Formats HCL source the way `terraform fmt` does. Syntax errors are
/// returned as diagnostics naming the file `<stdin>`.
///
/// The result is what `terraform fmt -write` puts in the file: like
/// Terraform, no newline is added at the end of a file that lacks one
/// (`terraform fmt -` adds one only when printing to its standard output).
pub fn format_source(text: &str) -> Result<String, Diagnostics> {
    format_file(STDIN_NAME, text)
}

/// Formats the source of file `name` (used only in diagnostics) the way
/// `terraform fmt` does.
pub fn format_file(name: &str, text: &str) -> Result<String, Diagnostics> {
    let source = SourceFile::new(name, text);
    let (mut tokens, lex_errors) = lexer::lex(text);
    if !lex_errors.is_empty() {
        return Err(Diagnostics(
            lex_errors
                .into_iter()
                .map(|e| e.into_diagnostic(&source))
                .collect(),
        ));
    }
    let template_errors = check_template_directives(&source, &tokens);
    if !template_errors.is_empty() {
        return Err(Diagnostics(template_errors));
    }
    // Like Terraform, ignore a UTF-8 byte order mark (and drop it).
    let (body, bom) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, text.len() - rest.len()),
        None => (text, 0),
    };
    if let Err(e) = hcl_edit::parser::parse_body(body) {
        return Err(parse_error_diagnostic(&source, &e, bom).into());
    }
    rewrite_body(&mut tokens);
    Ok(layout::render(tokens))
}

/// A unified diff of `old` and `new` as printed by `terraform fmt -diff`
/// (which runs `diff -u --label=old/PATH --label=new/PATH`). Empty when the
/// texts are equal.
pub fn format_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = similar::TextDiff::from_lines(old, new);
    diff.unified_diff()
        .context_radius(3)
        .header(&format!("old/{path}"), &format!("new/{path}"))
        .to_string()
}

fn parse_error_diagnostic(
    source: &SourceFile,
    err: &hcl_edit::parser::Error,
    shift: usize,
) -> Diagnostic {
    let offset = (err.location().offset() + shift).min(source.text.len());
    let mut end = offset;
    if let Some(c) = source.text.get(offset..).and_then(|s| s.chars().next()) {
        end += c.len_utf8();
    }
    let mut detail = err.message().to_string();
    if let Some(first) = detail.get(..1) {
        let upper = first.to_uppercase();
        detail.replace_range(..1, &upper);
    }
    if !detail.ends_with('.') {
        detail.push('.');
    }
    Diagnostic::error("Invalid syntax", detail).with_range(Some(source.range(offset..end)))
}

/// Checks that the `%{...}` directives of every template are known keywords
/// and balanced, as HCL's parser does (hcl-edit is more lenient).
fn check_template_directives(source: &SourceFile, tokens: &[Token]) -> Vec<Diagnostic> {
    struct Open {
        keyword: &'static str,
        range: std::ops::Range<usize>,
        in_else: bool,
    }
    let range_str = |r: &std::ops::Range<usize>| {
        let r = source.range(r.clone());
        if r.start.line == r.end.line {
            format!(
                "{}:{},{}-{}",
                r.filename, r.start.line, r.start.column, r.end.column
            )
        } else {
            format!(
                "{}:{},{}-{},{}",
                r.filename, r.start.line, r.start.column, r.end.line, r.end.column
            )
        }
    };
    let mut diags = Vec::new();
    let mut error = |summary: &str, detail: String, range: std::ops::Range<usize>| {
        diags.push(Diagnostic::error(summary, detail).with_range(Some(source.range(range))));
    };
    // One stack of open directives per template being read.
    let mut templates: Vec<Vec<Open>> = Vec::new();
    let end_of = |t: &Token| t.start + t.text.len();
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Kind::OQuote | Kind::OHeredoc => templates.push(Vec::new()),
            Kind::CQuote | Kind::CHeredoc => {
                for open in templates.pop().unwrap_or_default() {
                    let end = if open.keyword == "if" {
                        "endif"
                    } else {
                        "endfor"
                    };
                    error(
                        "Unexpected end of template",
                        format!(
                            "The {} directive at {} is missing its corresponding {end} directive.",
                            open.keyword,
                            range_str(&open.range)
                        ),
                        t.start..end_of(t),
                    );
                }
            }
            Kind::TemplateControl => {
                let mut depth = 0;
                let close = tokens[i..]
                    .iter()
                    .position(|t| {
                        depth += t.kind.bracket_change();
                        depth == 0
                    })
                    .map_or(source.text.len(), |j| end_of(&tokens[i + j]));
                let range = t.start..close;
                let Some(stack) = templates.last_mut() else {
                    continue;
                };
                let keyword = tokens.get(i + 1).filter(|k| k.kind == Kind::Ident);
                let Some(keyword) = keyword else {
                    error(
                        "Invalid template directive",
                        "A template directive keyword (\"if\", \"for\", etc) is expected at the beginning of a %{ sequence.".into(),
                        range,
                    );
                    continue;
                };
                let unbalanced = "The control directives within this template are unbalanced.";
                match keyword.text.as_str() {
                    "if" => stack.push(Open {
                        keyword: "if",
                        range,
                        in_else: false,
                    }),
                    "for" => stack.push(Open {
                        keyword: "for",
                        range,
                        in_else: false,
                    }),
                    kw @ ("else" | "endif" | "endfor") => {
                        let summary = format!("Unexpected {kw} directive");
                        match stack.last_mut() {
                            None => error(&summary, unbalanced.into(), range),
                            Some(open) if open.keyword == "for" && kw != "endfor" => {
                                let detail = format!(
                                    "Expecting an endfor directive corresponding to the for directive at {}.",
                                    range_str(&open.range)
                                );
                                stack.pop();
                                error(&summary, detail, range);
                            }
                            Some(open) if open.keyword == "if" && kw == "endfor" => {
                                let detail = format!(
                                    "Expecting an endif directive for the if started at {}.",
                                    range_str(&open.range)
                                );
                                stack.pop();
                                error(&summary, detail, range);
                            }
                            Some(open) if kw == "else" && open.in_else => {
                                let detail = format!(
                                    "Already in the else clause for the if started at {}.",
                                    range_str(&open.range)
                                );
                                stack.pop();
                                error(&summary, detail, range);
                            }
                            Some(open) if kw == "else" => open.in_else = true,
                            Some(_) => {
                                stack.pop();
                            }
                        }
                    }
                    other => {
                        let mut detail =
                            format!("\"{other}\" is not a valid template control keyword.");
                        let keywords = ["if", "else", "endif", "for", "endfor"];
                        if let Some(s) = crate::suggest::suggest(other, keywords) {
                            detail.push_str(&format!(" Did you mean \"{s}\"?"));
                        }
                        error(
                            "Invalid template control keyword",
                            detail,
                            keyword.start..end_of(keyword),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    diags
}

// ---------------------------------------------------------------------------
// Token model
// ---------------------------------------------------------------------------

/// The token types of HCL's native syntax scanner that matter to the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    OQuote,
    CQuote,
    OHeredoc,
    CHeredoc,
    Star,
    Slash,
    Plus,
    Minus,
    Percent,
    Equal,
    EqualOp,
    NotEqual,
    LessThan,
    LessThanEq,
    GreaterThan,
    GreaterThanEq,
    And,
    Or,
    Bang,
    Dot,
    Comma,
    DoubleColon,
    Ellipsis,
    FatArrow,
    Question,
    Colon,
    TemplateInterp,
    TemplateControl,
    TemplateSeqEnd,
    QuotedLit,
    StringLit,
    NumberLit,
    Ident,
    Comment,
    Newline,
    QuotedNewline,
    Invalid,
    Eof,
}

impl Kind {
    /// +1 for tokens that open a bracket, -1 for those that close one.
    pub(crate) fn bracket_change(self) -> i32 {
        match self {
            Kind::OBrace
            | Kind::OBrack
            | Kind::OParen
            | Kind::TemplateControl
            | Kind::TemplateInterp => 1,
            Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateSeqEnd => -1,
            _ => 0,
        }
    }
}

/// One token: its type, its text and the spaces written before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub text: String,
    pub spaces_before: usize,
    /// Byte offset of the token in the original source (0 for synthesized tokens).
    pub start: usize,
}

impl Token {
    fn new(kind: Kind, text: &str) -> Token {
        Token {
            kind,
            text: text.to_string(),
            spaces_before: 0,
            start: 0,
        }
    }

    fn is_newline(&self) -> bool {
        self.kind == Kind::Newline || (self.kind == Kind::Comment && self.text.ends_with('\n'))
    }
}

// ---------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------

/// A scanner for HCL native syntax producing the same token boundaries as
/// HCL's own scanner. Also used by the diagnostics renderer to find the block
/// a diagnostic is in.
pub(crate) mod lexer {
    use super::{Kind, Token};
    use gitform_value::{Diagnostic, SourceFile};

    /// A problem found while scanning.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub(crate) struct LexError {
        pub summary: &'static str,
        pub detail: String,
        pub start: usize,
        pub end: usize,
    }

    impl LexError {
        pub(crate) fn into_diagnostic(self, source: &SourceFile) -> Diagnostic {
            Diagnostic::error(self.summary, self.detail)
                .with_range(Some(source.range(self.start..self.end)))
        }
    }

    enum Mode {
        Main,
        Quoted,
        Heredoc {
            marker: String,
            start_of_line: bool,
            open: usize,
        },
    }

    struct Scanner<'a> {
        src: &'a str,
        pos: usize,
        last_end: usize,
        tokens: Vec<Token>,
        errors: Vec<LexError>,
        modes: Vec<Mode>,
        braces: usize,
        ret_braces: Vec<usize>,
    }

    /// Scans `src`. The result always ends with an EOF token whose
    /// `spaces_before` counts the spaces and tabs before the end.
    pub(crate) fn lex(src: &str) -> (Vec<Token>, Vec<LexError>) {
        let (body, bom) = match src.strip_prefix('\u{feff}') {
            Some(rest) => (rest, 3),
            None => (src, 0),
        };
        let mut s = Scanner {
            src: body,
            pos: 0,
            last_end: 0,
            tokens: Vec::new(),
            errors: Vec::new(),
            modes: vec![Mode::Main],
            braces: 0,
            ret_braces: Vec::new(),
        };
        s.run();
        let mut tokens = s.tokens;
        let errors = s
            .errors
            .into_iter()
            .map(|e| LexError {
                start: e.start + bom,
                end: e.end + bom,
                ..e
            })
            .collect();
        for t in &mut tokens {
            t.start += bom;
        }
        if let Some(first) = tokens.first_mut() {
            first.spaces_before += bom;
        }
        (tokens, errors)
    }

    fn is_ident_start(c: char) -> bool {
        c == '_' || c.is_alphabetic()
    }

    fn is_ident_continue(c: char) -> bool {
        c == '_' || c == '-' || c.is_alphanumeric() || is_combining(c)
    }

    fn is_combining(c: char) -> bool {
        matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F | 0x200C | 0x200D)
    }

    impl<'a> Scanner<'a> {
        fn rest(&self) -> &'a str {
            self.src.get(self.pos..).unwrap_or("")
        }

        fn emit(&mut self, kind: Kind, start: usize, end: usize) {
            let text = self.src.get(start..end).unwrap_or("");
            self.tokens.push(Token {
                kind,
                text: text.to_string(),
                spaces_before: start.saturating_sub(self.last_end),
                start,
            });
            self.last_end = end;
            self.pos = end;
        }

        fn error(&mut self, summary: &'static str, detail: &str, start: usize, end: usize) {
            if self.errors.len() >= 100 {
                return;
            }
            self.errors.push(LexError {
                summary,
                detail: detail.to_string(),
                start,
                end,
            });
        }

        fn run(&mut self) {
            while self.pos < self.src.len() {
                let mode_is = match self.modes.last() {
                    Some(Mode::Main) | None => 0,
                    Some(Mode::Quoted) => 1,
                    Some(Mode::Heredoc { .. }) => 2,
                };
                match mode_is {
                    0 => self.scan_main(),
                    1 => self.scan_quoted(),
                    _ => self.scan_heredoc(),
                }
            }
            let end = self.src.len();
            // Anything still open at the end of the input is unterminated.
            for mode in self.modes.iter().rev() {
                match mode {
                    Mode::Quoted => self.errors.push(LexError {
                        summary: "Unterminated template string",
                        detail: "No closing marker was found for the string.".into(),
                        start: end,
                        end,
                    }),
                    Mode::Heredoc { open, .. } => self.errors.push(LexError {
                        summary: "Unterminated template string",
                        detail: "No closing marker was found for the string.".into(),
                        start: *open,
                        end,
                    }),
                    Mode::Main => {}
                }
            }
            let eof = Token {
                kind: Kind::Eof,
                text: String::new(),
                spaces_before: end - self.last_end,
                start: end,
            };
            self.tokens.push(eof);
        }

        fn begin_template_seq(&mut self, kind: Kind, start: usize, len: usize) {
            self.emit(kind, start, start + len);
            self.braces += 1;
            self.ret_braces.push(self.braces);
            if let Some(Mode::Heredoc { start_of_line, .. }) = self.modes.last_mut() {
                *start_of_line = false;
            }
            self.modes.push(Mode::Main);
        }

        /// Length of `${`, `${~`, `%{` or `%{~` at the start of `rest`, if any.
        fn template_intro(rest: &str) -> Option<(Kind, usize)> {
            let kind = if rest.starts_with("${") {
                Kind::TemplateInterp
            } else if rest.starts_with("%{") {
                Kind::TemplateControl
            } else {
                return None;
            };
            let len = if rest[2..].starts_with('~') { 3 } else { 2 };
            Some((kind, len))
        }

        fn scan_main(&mut self) {
            let start = self.pos;
            let rest = self.rest();
            let Some(c) = rest.chars().next() else { return };
            let bytes = rest.as_bytes();
            let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
            match c {
                ' ' | '\t' => {
                    let n = bytes
                        .iter()
                        .take_while(|b| **b == b' ' || **b == b'\t')
                        .count();
                    self.pos += n;
                }
                '0'..='9' => {
                    let len = number_len(bytes);
                    self.emit(Kind::NumberLit, start, start + len);
                }
                '#' => self.line_comment(start),
                '/' if at(1) == b'/' => self.line_comment(start),
                '/' if at(1) == b'*' => match rest[2..].find("*/") {
                    Some(i) => self.emit(Kind::Comment, start, start + 2 + i + 2),
                    None => {
                        self.error(
                            "Unterminated comment",
                            "There is no closing marker for this comment.",
                            start,
                            start + 2,
                        );
                        self.emit(Kind::Invalid, start, self.src.len());
                    }
                },
                '\n' => self.emit(Kind::Newline, start, start + 1),
                '\r' if at(1) == b'\n' => self.emit(Kind::Newline, start, start + 2),
                '"' => {
                    self.emit(Kind::OQuote, start, start + 1);
                    self.modes.push(Mode::Quoted);
                }
                '<' if at(1) == b'<' => {
                    if let Some((len, marker)) = heredoc_intro(rest) {
                        self.emit(Kind::OHeredoc, start, start + len);
                        self.modes.push(Mode::Heredoc {
                            marker,
                            start_of_line: true,
                            open: start,
                        });
                    } else {
                        self.emit(Kind::LessThan, start, start + 1);
                    }
                }
                '{' => {
                    self.emit(Kind::OBrace, start, start + 1);
                    self.braces += 1;
                }
                '}' => self.close_brace(start, 1),
                '~' if at(1) == b'}' => self.close_brace(start, 2),
                c if is_ident_start(c) => {
                    let len: usize = rest
                        .char_indices()
                        .find(|&(i, ch)| i > 0 && !is_ident_continue(ch))
                        .map(|(i, _)| i)
                        .unwrap_or(rest.len());
                    self.emit(Kind::Ident, start, start + len);
                }
                _ => {
                    let two = rest.get(..2).unwrap_or("");
                    let (kind, len) = match (rest.get(..3).unwrap_or(""), two) {
                        ("...", _) => (Kind::Ellipsis, 3),
                        (_, "==") => (Kind::EqualOp, 2),
                        (_, "!=") => (Kind::NotEqual, 2),
                        (_, ">=") => (Kind::GreaterThanEq, 2),
                        (_, "<=") => (Kind::LessThanEq, 2),
                        (_, "&&") => (Kind::And, 2),
                        (_, "||") => (Kind::Or, 2),
                        (_, "::") => (Kind::DoubleColon, 2),
                        (_, "=>") => (Kind::FatArrow, 2),
                        _ => {
                            let kind = match c {
                                '[' => Kind::OBrack,
                                ']' => Kind::CBrack,
                                '(' => Kind::OParen,
                                ')' => Kind::CParen,
                                '.' => Kind::Dot,
                                ',' => Kind::Comma,
                                '*' => Kind::Star,
                                '/' => Kind::Slash,
                                '%' => Kind::Percent,
                                '+' => Kind::Plus,
                                '-' => Kind::Minus,
                                '=' => Kind::Equal,
                                '<' => Kind::LessThan,
                                '>' => Kind::GreaterThan,
                                '!' => Kind::Bang,
                                '?' => Kind::Question,
                                ':' => Kind::Colon,
                                _ => Kind::Invalid,
                            };
                            (kind, c.len_utf8())
                        }
                    };
                    if kind == Kind::Invalid {
                        let (summary, detail) = invalid_char_message(c);
                        self.error(summary, detail, start, start + len);
                    }
                    self.emit(kind, start, start + len);
                }
            }
        }

        fn line_comment(&mut self, start: usize) {
            let rest = self.rest();
            let end = match rest.find('\n') {
                Some(i) => start + i + 1,
                None => self.src.len(),
            };
            self.emit(Kind::Comment, start, end);
        }

        fn close_brace(&mut self, start: usize, len: usize) {
            let returns = self.ret_braces.last() == Some(&self.braces);
            if returns || len == 2 {
                self.emit(Kind::TemplateSeqEnd, start, start + len);
                if returns {
                    self.ret_braces.pop();
                    self.modes.pop();
                }
            } else {
                self.emit(Kind::CBrace, start, start + len);
            }
            self.braces = self.braces.saturating_sub(1);
        }

        fn scan_quoted(&mut self) {
            let start = self.pos;
            let rest = self.rest();
            if let Some((kind, len)) = Self::template_intro(rest) {
                self.begin_template_seq(kind, start, len);
                return;
            }
            let bytes = rest.as_bytes();
            match bytes.first().copied().unwrap_or(0) {
                b'"' => {
                    self.emit(Kind::CQuote, start, start + 1);
                    self.modes.pop();
                }
                b'\r' | b'\n' => {
                    let n = bytes
                        .iter()
                        .take_while(|b| **b == b'\r' || **b == b'\n')
                        .count();
                    self.error(
                        "Invalid multi-line string",
                        "Quoted strings may not be split over multiple lines. To produce a multi-line string, either use the \\n escape to represent a newline character or use the \"heredoc\" multi-line template syntax.",
                        start,
                        start + n,
                    );
                    self.emit(Kind::QuotedNewline, start, start + n);
                }
                b'$' | b'%' => {
                    let len = escaped_intro_len(rest);
                    self.emit(Kind::QuotedLit, start, start + len);
                }
                _ => {
                    let mut i = 0;
                    while let Some(ch) = rest.get(i..).and_then(|r| r.chars().next()) {
                        match ch {
                            '"' | '$' | '%' | '\r' | '\n' => break,
                            '\\' => {
                                i += 1;
                                match rest.get(i..).and_then(|r| r.chars().next()) {
                                    Some(next) if next != '\r' && next != '\n' => {
                                        i += next.len_utf8()
                                    }
                                    _ => break,
                                }
                            }
                            _ => i += ch.len_utf8(),
                        }
                    }
                    let len = i.max(1);
                    self.emit(Kind::QuotedLit, start, start + len);
                }
            }
        }

        fn scan_heredoc(&mut self) {
            let start = self.pos;
            let rest = self.rest();
            if let Some((kind, len)) = Self::template_intro(rest) {
                self.begin_template_seq(kind, start, len);
                return;
            }
            let bytes = rest.as_bytes();
            let mut len = if bytes.first() == Some(&b'$') || bytes.first() == Some(&b'%') {
                escaped_intro_len(rest)
            } else {
                bytes
                    .iter()
                    .take_while(|b| !matches!(b, b'$' | b'%' | b'\r' | b'\n'))
                    .count()
            };
            let eol = if rest[len..].starts_with("\r\n") {
                2
            } else if rest[len..].starts_with('\n') {
                1
            } else {
                0
            };
            if len == 0 && eol == 0 {
                // A carriage return not followed by a newline.
                self.error(
                    "Invalid character",
                    "A lone carriage return is not allowed here.",
                    start,
                    start + 1,
                );
                self.emit(Kind::Invalid, start, start + 1);
                return;
            }
            let Some(Mode::Heredoc {
                marker,
                start_of_line,
                ..
            }) = self.modes.last_mut()
            else {
                return;
            };
            if eol == 0 {
                *start_of_line = false;
                self.emit(Kind::StringLit, start, start + len);
                return;
            }
            if *start_of_line && rest[..len].trim() == marker.as_str() {
                self.modes.pop();
                self.emit(Kind::CHeredoc, start, start + len);
                self.emit(Kind::Newline, start + len, start + len + eol);
                return;
            }
            *start_of_line = true;
            len += eol;
            self.emit(Kind::StringLit, start, start + len);
        }
    }

    /// HCL's messages for characters that are not part of the language.
    fn invalid_char_message(c: char) -> (&'static str, &'static str) {
        match c {
            '&' => ("Unsupported operator", "Bitwise operators are not supported. Did you mean boolean AND (\"&&\")?"),
            '|' => ("Unsupported operator", "Bitwise operators are not supported. Did you mean boolean OR (\"||\")?"),
            '~' => ("Unsupported operator", "Bitwise operators are not supported. Did you mean boolean NOT (\"!\")?"),
            '^' => ("Unsupported operator", "Bitwise operators are not supported."),
            '\'' => ("Invalid character", "Single quotes are not valid. Use double quotes (\") to enclose strings."),
            '`' => (
                "Invalid character",
                "The \"`\" character is not valid. To create a multi-line string, use the \"heredoc\" syntax, like \"<<EOT\".",
            ),
            ';' => (
                "Invalid character",
                "The \";\" character is not valid. Use newlines to separate arguments and blocks, and commas to separate items in collection values.",
            ),
            _ => ("Invalid character", "This character is not used within the language."),
        }
    }

    /// At a `$` or `%` that does not start a template sequence: the length
    /// of the escaped introducer `$${` / `%%{` (with an optional `~`), or 1.
    fn escaped_intro_len(rest: &str) -> usize {
        let b = rest.as_bytes();
        match (b.first(), b.get(1), b.get(2)) {
            (Some(c), Some(d), Some(b'{')) if c == d => {
                if b.get(3) == Some(&b'~') {
                    4
                } else {
                    3
                }
            }
            _ => 1,
        }
    }

    /// The length of the number literal at the start of `b` (which starts with a digit).
    fn number_len(b: &[u8]) -> usize {
        let mut i = 1;
        let mut end = 1; // the longest prefix not ending in '.'
        loop {
            match b.get(i) {
                Some(c) if c.is_ascii_digit() => {
                    i += 1;
                    end = i;
                }
                Some(b'.') => i += 1,
                Some(b'e') | Some(b'E') => {
                    let mut j = i + 1;
                    if matches!(b.get(j), Some(b'+') | Some(b'-')) {
                        j += 1;
                    }
                    if b.get(j).is_some_and(u8::is_ascii_digit) {
                        i = j + 1;
                        end = i;
                    } else {
                        break;
                    }
                }
                _ => break,
            }
        }
        end
    }

    /// `<<EOT\n` or `<<-EOT\r\n`: the introducer's length and its marker.
    fn heredoc_intro(rest: &str) -> Option<(usize, String)> {
        let after = rest.get(2..)?;
        let (dash, after) = match after.strip_prefix('-') {
            Some(a) => (1, a),
            None => (0, after),
        };
        let mut chars = after.char_indices();
        let (_, first) = chars.next()?;
        if !is_ident_start(first) {
            return None;
        }
        let ident_len = after
            .char_indices()
            .find(|&(i, ch)| i > 0 && !is_ident_continue(ch))
            .map(|(i, _)| i)
            .unwrap_or(after.len());
        let tail = &after[ident_len..];
        let nl = if tail.starts_with("\r\n") {
            2
        } else if tail.starts_with('\n') {
            1
        } else {
            return None;
        };
        Some((2 + dash + ident_len + nl, after[..ident_len].to_string()))
    }
}

// ---------------------------------------------------------------------------
// terraform fmt rewrites
// ---------------------------------------------------------------------------

/// An edit of the token list: replace `start..end` by `with`.
struct Edit {
    start: usize,
    end: usize,
    with: Vec<Token>,
}

/// Applies the rewrites of `terraform fmt` that go beyond spacing.
fn rewrite_body(tokens: &mut Vec<Token>) {
    let mut edits = Vec::new();
    let mut walker = BodyWalker {
        tokens,
        edits: &mut edits,
    };
    let mut i = 0;
    walker.body(&mut i, &[]);
    edits.sort_by_key(|e| e.start);
    for e in edits.into_iter().rev() {
        if e.start <= e.end && e.end <= tokens.len() {
            tokens.splice(e.start..e.end, e.with);
        }
    }
}

struct BodyWalker<'a> {
    tokens: &'a [Token],
    edits: &'a mut Vec<Edit>,
}

impl BodyWalker<'_> {
    fn kind(&self, i: usize) -> Kind {
        self.tokens.get(i).map_or(Kind::Eof, |t| t.kind)
    }

    /// Walks body items from `*i` until the closing brace of the body (left
    /// unconsumed) or the end of input.
    fn body(&mut self, i: &mut usize, in_blocks: &[&str]) {
        loop {
            match self.kind(*i) {
                Kind::Newline | Kind::Comment => *i += 1,
                Kind::Eof | Kind::CBrace => return,
                Kind::Ident => {
                    if !self.item(i, in_blocks) {
                        return;
                    }
                }
                _ => return, // not valid HCL; the parser would have said so
            }
        }
    }

    /// One attribute or block starting at the identifier `*i`. Returns false
    /// when the input does not look like a body item.
    fn item(&mut self, i: &mut usize, in_blocks: &[&str]) -> bool {
        let name_at = *i;
        let name = self.tokens.get(name_at).map_or("", |t| t.text.as_str());
        *i += 1;
        while self.kind(*i) == Kind::Comment && !self.tokens[*i].is_newline() {
            *i += 1;
        }
        if self.kind(*i) == Kind::Equal {
            *i += 1;
            self.attribute(i, name, in_blocks);
            return true;
        }
        // A block: labels, then `{`.
        let header_start = name_at + 1;
        // Each label's value, or its original tokens when hclwrite could not
        // read it (Terraform then drops the label, changing the meaning of
        // the file; we keep it as written instead).
        let mut labels: Vec<Result<String, std::ops::Range<usize>>> = Vec::new();
        let mut last_label_end = header_start;
        loop {
            match self.kind(*i) {
                Kind::Ident => {
                    labels.push(Ok(self.tokens[*i].text.clone()));
                    *i += 1;
                    last_label_end = *i;
                }
                Kind::OQuote => {
                    let open = *i;
                    *i += 1;
                    while !matches!(self.kind(*i), Kind::CQuote | Kind::Eof | Kind::Newline) {
                        *i += 1;
                    }
                    if self.kind(*i) != Kind::CQuote {
                        return false;
                    }
                    *i += 1;
                    labels.push(quoted_label_value(&self.tokens[open..*i]).ok_or(open..*i));
                    last_label_end = *i;
                }
                Kind::Comment if !self.tokens[*i].is_newline() => *i += 1,
                Kind::OBrace => break,
                _ => return false,
            }
        }
        let mut with = Vec::new();
        for label in &labels {
            match label {
                Ok(value) => {
                    with.push(Token::new(Kind::OQuote, "\""));
                    with.push(Token::new(Kind::QuotedLit, &escape_quoted(value)));
                    with.push(Token::new(Kind::CQuote, "\""));
                }
                Err(range) => with.extend_from_slice(&self.tokens[range.clone()]),
            }
        }
        let original = &self.tokens[header_start..last_label_end];
        let same = original.len() == with.len()
            && original
                .iter()
                .zip(&with)
                .all(|(a, b)| a.kind == b.kind && a.text == b.text);
        if !same {
            self.edits.push(Edit {
                start: header_start,
                end: last_label_end,
                with,
            });
        }
        *i += 1; // the `{`
        let mut inner: Vec<&str> = in_blocks.to_vec();
        inner.push(name);
        self.body(i, &inner);
        if self.kind(*i) == Kind::CBrace {
            *i += 1;
        }
        true
    }

    /// The expression of an attribute, from `*i` (just after `=`) to the end
    /// of its line (or the `}` closing a one-line block).
    fn attribute(&mut self, i: &mut usize, name: &str, in_blocks: &[&str]) {
        let mut depth = 0i32;
        let mut first: Option<usize> = None;
        let mut last = *i;
        let mut in_heredoc = 0;
        while let Some(t) = self.tokens.get(*i) {
            match t.kind {
                Kind::Eof => break,
                Kind::OHeredoc => in_heredoc += 1,
                Kind::CHeredoc => in_heredoc -= 1,
                _ => {}
            }
            if depth == 0 && in_heredoc == 0 && (t.is_newline() || t.kind == Kind::CBrace) {
                break;
            }
            depth += t.kind.bracket_change();
            if t.kind != Kind::Comment || depth > 0 || in_heredoc > 0 {
                first.get_or_insert(*i);
                last = *i + 1;
            }
            *i += 1;
        }
        let Some(first) = first else { return };
        let expr = &self.tokens[first..last];
        let replaced = if in_blocks == ["variable"] && name == "type" {
            format_type_expr(expr)
        } else {
            format_value_expr(expr)
        };
        if let Some(with) = replaced {
            self.edits.push(Edit {
                start: first,
                end: last,
                with,
            });
        }
    }
}

/// The value of a quoted label made of one literal, as hclwrite reads it;
/// `None` for labels hclwrite cannot read.
fn quoted_label_value(tokens: &[Token]) -> Option<String> {
    match tokens {
        [o, c] if o.kind == Kind::OQuote && c.kind == Kind::CQuote => Some(String::new()),
        [o, lit, c]
            if o.kind == Kind::OQuote && lit.kind == Kind::QuotedLit && c.kind == Kind::CQuote =>
        {
            unescape_quoted(&lit.text)
        }
        _ => None,
    }
}

/// Decodes the escapes of a quoted string literal (`\n`, `\u0041`, `$${`, …).
fn unescape_quoted(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                u @ ('u' | 'U') => {
                    let n = if u == 'u' { 4 } else { 8 };
                    let hex: String = (0..n).filter_map(|_| chars.next()).collect();
                    let code = u32::from_str_radix(&hex, 16).ok()?;
                    out.push(char::from_u32(code)?);
                }
                _ => return None,
            },
            '$' | '%' if chars.peek() == Some(&c) => {
                // $${ and %%{ stand for ${ and %{
                let mut ahead = chars.clone();
                ahead.next();
                if ahead.peek() == Some(&'{') {
                    chars.next();
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// Quotes a string the way hclwrite writes string values.
fn escape_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' => {
                out.push(c);
                if chars.peek() == Some(&'{') {
                    out.push(c);
                }
            }
            c if c.is_control() => {
                let code = c as u32;
                if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `"${expr}"` → `expr` (wrapped in parentheses when it spans lines).
fn format_value_expr(tokens: &[Token]) -> Option<Vec<Token>> {
    let n = tokens.len();
    if n < 5 {
        return None;
    }
    if tokens[0].kind != Kind::OQuote
        || tokens[1].kind != Kind::TemplateInterp
        || tokens[n - 2].kind != Kind::TemplateSeqEnd
        || tokens[n - 1].kind != Kind::CQuote
    {
        return None;
    }
    let inside = &tokens[2..n - 2];
    let mut quotes = 0;
    for t in inside {
        match t.kind {
            Kind::OQuote => quotes += 1,
            Kind::CQuote => quotes -= 1,
            _ if quotes > 0 => {}
            Kind::TemplateInterp | Kind::TemplateSeqEnd | Kind::QuotedLit => return None,
            _ => {}
        }
    }
    let lead = inside
        .iter()
        .take_while(|t| t.kind == Kind::Newline)
        .count();
    let trail = inside[lead..]
        .iter()
        .rev()
        .take_while(|t| t.kind == Kind::Newline)
        .count();
    let trimmed = &inside[lead..inside.len() - trail];
    let multi_line = trimmed.iter().any(|t| t.kind == Kind::Newline);
    let parens = trimmed.first().is_some_and(|t| t.kind == Kind::OParen)
        && trimmed.len() > 1
        && trimmed.last().is_some_and(|t| t.kind == Kind::CParen);
    let mut out = Vec::with_capacity(trimmed.len() + 2);
    if multi_line && !parens {
        out.push(Token::new(Kind::OParen, "("));
        out.extend_from_slice(trimmed);
        out.push(Token::new(Kind::CParen, ")"));
    } else {
        out.extend_from_slice(trimmed);
    }
    Some(out)
}

/// Legacy type constraints of `variable` blocks: `"string"` → `string`,
/// `"list"` → `list(string)`, `list` → `list(any)`, …
fn format_type_expr(tokens: &[Token]) -> Option<Vec<Token>> {
    let call = |name: &str, arg: &str| {
        Some(vec![
            Token::new(Kind::Ident, name),
            Token::new(Kind::OParen, "("),
            Token::new(Kind::Ident, arg),
            Token::new(Kind::CParen, ")"),
        ])
    };
    match tokens {
        [kw] if kw.kind == Kind::Ident => match kw.text.as_str() {
            "list" | "map" | "set" => call(&kw.text, "any"),
            _ => None,
        },
        [o, lit, c]
            if o.kind == Kind::OQuote && lit.kind == Kind::QuotedLit && c.kind == Kind::CQuote =>
        {
            match lit.text.as_str() {
                "string" => Some(vec![Token::new(Kind::Ident, "string")]),
                "list" => call("list", "string"),
                "map" => call("map", "string"),
                _ => None,
            }
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------

mod layout {
    use super::{Kind, Token, UnicodeSegmentation};

    /// One source line split into cells: `lead`, then the `= value` of a
    /// one-line attribute (`assign`), then a trailing `comment`. The cells
    /// are index ranges into the token list.
    #[derive(Clone, Debug, Default)]
    struct Line {
        lead: (usize, usize),
        assign: Option<(usize, usize)>,
        comment: Option<(usize, usize)>,
    }

    /// Recomputes all spacing and writes the tokens out.
    pub(super) fn render(mut tokens: Vec<Token>) -> String {
        let lines = split_lines(&tokens);
        indent(&mut tokens, &lines);
        spaces(&mut tokens, &lines);
        align(&mut tokens, &lines);
        let mut out = String::new();
        for t in &tokens {
            out.extend(std::iter::repeat_n(' ', t.spaces_before));
            out.push_str(&t.text);
        }
        out
    }

    fn split_lines(tokens: &[Token]) -> Vec<Line> {
        let mut lines = Vec::new();
        let mut start = 0;
        for (i, t) in tokens.iter().enumerate() {
            if t.kind == Kind::Eof {
                lines.push(Line {
                    lead: (start, i),
                    ..Line::default()
                });
                start = usize::MAX;
                break;
            }
            if t.is_newline() {
                lines.push(Line {
                    lead: (start, i + 1),
                    ..Line::default()
                });
                start = i + 1;
            }
        }
        if start != usize::MAX && start < tokens.len() {
            lines.push(Line {
                lead: (start, tokens.len()),
                ..Line::default()
            });
        }
        for line in &mut lines {
            let (s, e) = line.lead;
            if e == s {
                continue;
            }
            if e - s > 1 && tokens[e - 1].kind == Kind::Comment {
                line.comment = Some((e - 1, e));
                line.lead = (s, e - 1);
            }
            let (s, e) = line.lead;
            if let Some(eq) = (s + 1..e).find(|&i| tokens[i].kind == Kind::Equal) {
                let net: i32 = tokens[eq..e].iter().map(|t| t.kind.bracket_change()).sum();
                if net == 0 {
                    line.assign = Some((eq, e));
                    line.lead = (s, eq);
                }
            }
        }
        lines
    }

    fn indent(tokens: &mut [Token], lines: &[Line]) {
        let mut indents: Vec<i32> = Vec::new();
        for line in lines {
            let (s, e) = line.lead;
            if e == s {
                continue;
            }
            if tokens[s].kind == Kind::Newline {
                tokens[s].spaces_before = 0;
                continue;
            }
            let mut net = 0;
            for t in &tokens[s..e] {
                net += t.kind.bracket_change();
                if t.kind == Kind::OHeredoc {
                    break;
                }
            }
            if let Some((a, b)) = line.assign {
                net += tokens[a..b]
                    .iter()
                    .map(|t| t.kind.bracket_change())
                    .sum::<i32>();
            }
            if net > 0 {
                tokens[s].spaces_before = 2 * indents.len();
                indents.push(net);
            } else {
                let mut closed = -net;
                while closed > 0 {
                    let Some(top) = indents.last_mut() else { break };
                    if closed >= *top {
                        closed -= *top;
                        indents.pop();
                    } else {
                        *top -= closed;
                        closed = 0;
                    }
                }
                tokens[s].spaces_before = 2 * indents.len();
            }
        }
    }

    fn spaces(tokens: &mut [Token], lines: &[Line]) {
        for line in lines {
            space_cell(tokens, line.lead);
            if let Some(assign) = line.assign {
                tokens[assign.0].spaces_before = 1;
                space_cell(tokens, assign);
            }
        }
    }

    fn space_cell(tokens: &mut [Token], (s, e): (usize, usize)) {
        for i in s..e {
            if i + 1 >= e {
                continue;
            }
            let before = if i > s {
                Some(tokens[i - 1].kind)
            } else {
                None
            };
            let space = space_after(&tokens[i], before, &tokens[i + 1]);
            tokens[i + 1].spaces_before = usize::from(space);
        }
    }

    /// Whether `subject` is followed by a space, given the kinds of its
    /// neighbours (`before` is `None` at the start of a cell).
    fn space_after(subject: &Token, before: Option<Kind>, after: &Token) -> bool {
        use Kind::*;
        let (s, a) = (subject.kind, after.kind);
        match () {
            _ if a == Newline => false,
            _ if s == Ident && a == OParen => false,
            _ if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) => false,
            _ if s == Dot || a == Dot => false,
            _ if a == Comma || a == Ellipsis => false,
            _ if s == Comma => true,
            _ if matches!(s, QuotedLit | StringLit | OQuote | OHeredoc)
                || matches!(a, QuotedLit | StringLit | CQuote | CHeredoc) =>
            {
                false
            }
            _ if s == Ident && subject.text == "in" && before == Some(Ident) => true,
            _ if a == OBrack && (s == Ident || s == NumberLit || s.bracket_change() < 0) => false,
            _ if s == Bang => false,
            _ if s == Minus => !matches!(
                before,
                None | Some(
                    OParen
                        | OBrace
                        | OBrack
                        | Equal
                        | Colon
                        | Comma
                        | Question
                        | Plus
                        | Star
                        | Slash
                        | Percent
                        | Minus
                        | EqualOp
                        | NotEqual
                        | GreaterThan
                        | GreaterThanEq
                        | LessThan
                        | LessThanEq
                        | And
                        | Or
                        | Bang
                )
            ),
            _ if s == OBrace || a == CBrace => !(s == OBrace && a == CBrace),
            _ if matches!(s, TemplateInterp | TemplateControl) && a == OBrace => true,
            _ if s == CBrace && a == TemplateSeqEnd => true,
            _ if s == TemplateSeqEnd && matches!(a, TemplateInterp | TemplateControl) => false,
            _ if s.bracket_change() > 0 => false,
            _ if a.bracket_change() < 0 => false,
            _ => true,
        }
    }

    fn columns(tokens: &[Token], (s, e): (usize, usize)) -> usize {
        tokens[s..e]
            .iter()
            .map(|t| t.spaces_before + t.text.graphemes(true).count())
            .sum()
    }

    fn align(tokens: &mut [Token], lines: &[Line]) {
        // The `=` of consecutive one-line attributes.
        let mut chain: Vec<&Line> = Vec::new();
        let flush_assign = |tokens: &mut [Token], chain: &mut Vec<&Line>| {
            let max = chain
                .iter()
                .map(|l| columns(tokens, l.lead))
                .max()
                .unwrap_or(0);
            for l in chain.drain(..) {
                let cols = columns(tokens, l.lead);
                if let Some((a, _)) = l.assign {
                    tokens[a].spaces_before = max - cols + 1;
                }
            }
        };
        for line in lines {
            if line.assign.is_some() {
                chain.push(line);
            } else {
                flush_assign(tokens, &mut chain);
            }
        }
        flush_assign(tokens, &mut chain);

        // Trailing comments of consecutive lines.
        let width = |tokens: &[Token], l: &Line| {
            columns(tokens, l.lead) + l.assign.map_or(0, |a| columns(tokens, a))
        };
        let flush_comments = |tokens: &mut [Token], chain: &mut Vec<&Line>| {
            let max = chain.iter().map(|l| width(tokens, l)).max().unwrap_or(0);
            for l in chain.drain(..) {
                let cols = width(tokens, l);
                if let Some((c, _)) = l.comment {
                    tokens[c].spaces_before = max - cols + 1;
                }
            }
        };
        for line in lines {
            if line.comment.is_some() {
                chain.push(line);
            } else {
                flush_comments(tokens, &mut chain);
            }
        }
        flush_comments(tokens, &mut chain);
    }
}
