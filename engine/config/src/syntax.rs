//! Parsing one file with hcl-edit, with error recovery and clear messages.
//!
//! The whole file is parsed first (the common, fast path). When that fails,
//! the file is split into its top-level items with [`crate::scan`], every item
//! is parsed on its own to find all the bad ones, the bad items are blanked
//! out (replaced by spaces, so byte offsets stay the same) and the file is
//! parsed again. Every span in the resulting AST is a byte offset into the
//! original text.

use crate::body::short_range;
use crate::scan::{self, LexError, LexErrorKind};
use gitform_value::{Diagnostic, Diagnostics, Pos, SourceFile, SourceRange};
use hcl_edit::structure::{self, Body};
use hcl_edit::Span;
use std::ops::Range;
use std::sync::Arc;

/// How many times the final re-parse may find a problem the per-item pass missed.
const MAX_FALLBACK_ROUNDS: usize = 16;
/// How many redefined arguments one item may contain before it is given up.
const MAX_REDEFINITIONS_PER_ITEM: usize = 256;

/// Decodes a file's bytes as UTF-8, or explains where it is not.
pub(crate) fn decode_utf8(name: &str, bytes: Vec<u8>) -> Result<String, Box<Diagnostic>> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let prefix = std::str::from_utf8(e.as_bytes().get(..at).unwrap_or_default()).unwrap_or_default();
        let line = prefix.matches('\n').count() + 1;
        let line_start = prefix.rfind('\n').map_or(0, |p| p + 1);
        let column = prefix.get(line_start..).unwrap_or_default().chars().count() + 1;
        let start = Pos { line, column, byte: at };
        let end = Pos { line, column: column + 1, byte: at + 1 };
        Box::new(Diagnostic::error(
            "Invalid character encoding",
            format!(
                "The file contains bytes that are not valid UTF-8 at byte offset {at} (line {line}, column {column}). \
                 gitform reads configuration files as UTF-8: re-save the file with UTF-8 encoding."
            ),
        )
        .with_range(Some(SourceRange { filename: name.into(), start, end })))
    })
}

/// Parses `file` into an hcl-edit body, recovering from syntax errors so that
/// as much of the file as possible is returned, with one diagnostic per problem.
pub(crate) fn parse_file(file: &Arc<SourceFile>) -> (Body, Diagnostics) {
    let text: &str = &file.text;
    let mut diags = Diagnostics::new();
    // A UTF-8 byte order mark is not HCL; parse it as three spaces so offsets stay put.
    let bom = text.starts_with('\u{feff}');
    let first = if bom {
        hcl_edit::parser::parse_body(&format!("   {}", &text[3..]))
    } else {
        hcl_edit::parser::parse_body(text)
    };
    if let Ok(body) = first {
        return (body, diags);
    }

    let scan = scan::scan(text);
    let mut blanked: Vec<u8> = text.as_bytes().to_vec();
    if bom {
        blanked[..3].copy_from_slice(b"   ");
    }
    let mut redefinitions: Vec<Redefinition> = Vec::new();
    let mut errors = scan.errors.clone();
    errors.sort_by_key(|e| e.span.start);
    let mut in_item = vec![false; errors.len()];
    let mut next_error = 0;

    for item in &scan.items {
        while next_error < errors.len() && errors[next_error].span.start < item.start {
            next_error += 1;
        }
        let mut item_errors = Vec::new();
        let mut k = next_error;
        while k < errors.len() && errors[k].span.start < item.end {
            item_errors.push(&errors[k]);
            in_item[k] = true;
            k += 1;
        }
        let Some(item_text) = std::str::from_utf8(&blanked[item.clone()])
            .ok()
            .map(str::to_owned)
        else {
            continue;
        };
        match parse_item(item_text, item.start) {
            ItemResult::Ok { blanks, redefs } => {
                for r in blanks {
                    blank(&mut blanked, r);
                }
                redefinitions.extend(redefs);
            }
            ItemResult::Failed(err) => {
                if item_errors.is_empty() {
                    diags.push(translate(file, &err));
                } else {
                    for e in item_errors {
                        diags.push(lex_diagnostic(file, e));
                    }
                }
                blank(&mut blanked, item.clone());
            }
        }
    }
    // Lexical problems outside any item (e.g. an unterminated comment between items).
    for (e, inside) in errors.iter().zip(&in_item) {
        if !inside {
            diags.push(lex_diagnostic(file, e));
            blank(&mut blanked, e.span.start..text.len());
        }
    }

    let mut body = None;
    for _ in 0..MAX_FALLBACK_ROUNDS {
        let Ok(s) = std::str::from_utf8(&blanked) else {
            break;
        };
        match hcl_edit::parser::parse_body(s) {
            Ok(b) => {
                body = Some(b);
                break;
            }
            Err(e) => {
                let at = e.location().offset();
                if e.message().contains("redefined attribute") {
                    // Redefined across top-level items (e.g. in a tfvars file).
                    let end = scan::statement_end(s, at);
                    if let Some(r) = redefinition_at(s, at, end) {
                        blank(&mut blanked, r.span.clone());
                        redefinitions.push(r);
                        continue;
                    }
                }
                diags.push(translate(
                    file,
                    &ParseFailure {
                        offset: at,
                        message: e.message().to_string(),
                    },
                ));
                let item = scan
                    .items
                    .iter()
                    .find(|r| r.start <= at && at < r.end.max(r.start + 1))
                    .cloned();
                let range = item.unwrap_or_else(|| line_range(text, at));
                if range.is_empty() {
                    break;
                }
                blank(&mut blanked, range);
            }
        }
    }
    let body = body.unwrap_or_default();
    for r in redefinitions {
        diags.push(redefinition_diagnostic(file, &body, &r));
    }
    if !diags.has_errors() {
        // The whole file failed but no item did: should not happen, but never hide the failure.
        if let Err(e) = hcl_edit::parser::parse_body(text) {
            diags.push(translate(
                file,
                &ParseFailure {
                    offset: e.location().offset(),
                    message: e.message().to_string(),
                },
            ));
        }
    }
    (body, diags)
}

/// A parse error, with its offset in the file.
struct ParseFailure {
    offset: usize,
    message: String,
}

/// An argument defined a second time in the same body (hcl-edit rejects this).
struct Redefinition {
    name: String,
    /// The span of the second definition.
    span: Range<usize>,
}

enum ItemResult {
    Ok {
        blanks: Vec<Range<usize>>,
        redefs: Vec<Redefinition>,
    },
    Failed(ParseFailure),
}

/// Parses one top-level item on its own. Redefined arguments are blanked and
/// recorded, so the rest of the item still loads.
fn parse_item(mut text: String, base: usize) -> ItemResult {
    let mut blanks = Vec::new();
    let mut redefs = Vec::new();
    for _ in 0..MAX_REDEFINITIONS_PER_ITEM {
        let err = match hcl_edit::parser::parse_body(&text) {
            Ok(_) => return ItemResult::Ok { blanks, redefs },
            Err(e) => e,
        };
        let at = err.location().offset();
        if err.message().contains("redefined attribute") {
            let end = scan::statement_end(&text, at);
            if let Some(mut r) = redefinition_at(&text, at, end) {
                let mut bytes = std::mem::take(&mut text).into_bytes();
                blank(&mut bytes, r.span.clone());
                text = String::from_utf8(bytes).unwrap_or_default();
                r.span = base + r.span.start..base + r.span.end;
                blanks.push(r.span.clone());
                redefs.push(r);
                continue;
            }
        }
        return ItemResult::Failed(ParseFailure {
            offset: base + at,
            message: err.message().to_string(),
        });
    }
    ItemResult::Failed(ParseFailure {
        offset: base,
        message: "too many redefined attributes".into(),
    })
}

/// The redefined argument whose name starts at `at` and whose statement ends at `end`.
fn redefinition_at(text: &str, at: usize, end: usize) -> Option<Redefinition> {
    let name: String = text
        .get(at..)
        .unwrap_or_default()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    (end > at && !name.is_empty()).then_some(Redefinition {
        name,
        span: at..end,
    })
}

/// Replaces the bytes in `range` with spaces, keeping newlines (and so every offset and line).
fn blank(bytes: &mut [u8], range: Range<usize>) {
    if let Some(s) = bytes.get_mut(range) {
        for b in s {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
}

fn line_range(text: &str, at: usize) -> Range<usize> {
    let at = at.min(text.len());
    let start = text
        .get(..at)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |p| p + 1);
    let end = text
        .get(at..)
        .and_then(|s| s.find('\n'))
        .map_or(text.len(), |p| at + p);
    start..end
}

fn char_range(text: &str, at: usize) -> Range<usize> {
    let len = text
        .get(at..)
        .and_then(|s| s.chars().next())
        .map_or(0, char::len_utf8);
    at..at + len
}

/// Turns one of hcl-edit's messages into a diagnostic that says what to do.
fn translate(file: &SourceFile, err: &ParseFailure) -> Diagnostic {
    let text: &str = &file.text;
    let at = err.offset.min(text.len());
    let msg = err.message.as_str();
    let here = text.get(at..).and_then(|s| s.chars().next());
    let before = text.get(..at).unwrap_or_default();
    let prev = before.trim_end_matches([' ', '\t']).chars().last();
    let (summary, detail) = if msg.contains("nesting depth") {
        (
            "Nesting too deep",
            "Brackets, parentheses, templates or blocks are nested more than 64 levels deep here, which gitform's parser does not support. Reduce the nesting, for example by moving parts into local values.".to_string(),
        )
    } else if msg.contains("binary operation") {
        (
            "Expression too complex",
            "This expression chains more than 128 binary operators. Split it into several local values.".to_string(),
        )
    } else if msg.contains("escape sequence") {
        // hcl-edit points just after the bad selector.
        let sym = before.chars().last().map(String::from).unwrap_or_default();
        let start = before.rfind('\\').unwrap_or(at);
        return Diagnostic::error(
            "Invalid escape sequence",
            format!(
                "The symbol \"{sym}\" is not a valid escape sequence selector. Valid escapes are \\n, \\r, \\t, \\\", \\\\, \\uNNNN and \\UNNNNNNNN; write \\\\ for a literal backslash."
            ),
        )
        .with_range(Some(file.range(start..at)));
    } else if msg.contains("expected newline or eof") {
        if matches!(here, Some('e' | 'E')) && prev.is_some_and(|c| c.is_ascii_digit()) {
            (
                "Unsupported number literal",
                "This number's exponent is too large for gitform's parser. Write the number with a smaller exponent.".to_string(),
            )
        } else if prev == Some('}') {
            (
                "Missing newline after block definition",
                "A block definition must end with a newline. Put whatever follows the closing brace on its own line.".to_string(),
            )
        } else {
            (
                "Missing newline after argument",
                "An argument definition must end with a newline. Put the next argument on its own line, or add the missing operator or comma.".to_string(),
            )
        }
    } else if msg.starts_with("invalid expression") {
        (
            "Invalid expression",
            "Expected the start of an expression, but found an invalid expression token. Write a value here: a quoted string, a number, a reference or a function call.".to_string(),
        )
    } else if msg.starts_with("invalid block body") || msg.starts_with("invalid structure") {
        (
            "Argument or block definition required",
            "An argument or block definition is required here. Write an argument as `name = value` and a block as `type \"label\" { ... }`, each on its own line, and close the block with `}`.".to_string(),
        )
    } else if msg.contains("heredoc") {
        (
            "Unterminated template string",
            "No closing marker was found for this heredoc. End it with a line containing only its marker (e.g. `EOT`).".to_string(),
        )
    } else if let Some(what) = msg.strip_prefix("expected ") {
        (
            "Invalid syntax",
            format!("Expected {what} here. Check for a missing comma, bracket or closing quote just before this point."),
        )
    } else {
        (
            "Invalid syntax",
            format!(
                "This definition could not be parsed ({msg}). Check its quotes, brackets and `=` signs; an argument is written `name = value` and a block `type \"label\" {{ ... }}`."
            ),
        )
    };
    Diagnostic::error(summary, detail).with_range(Some(file.range(char_range(text, at))))
}

fn lex_diagnostic(file: &SourceFile, e: &LexError) -> Diagnostic {
    let range = file.range(e.span.clone());
    let (summary, detail) = match &e.kind {
        LexErrorKind::MultiLineString => (
            "Invalid multi-line string".to_string(),
            "Quoted strings may not be split over multiple lines. Close the string with `\"` on the same line; to produce a multi-line string, either use the \\n escape to represent a newline character or use the \"heredoc\" multi-line template syntax.".to_string(),
        ),
        LexErrorKind::UnterminatedString => (
            "Unterminated template string".to_string(),
            "This string or interpolation sequence is not closed before the end of the file (or the next top-level block). Add the missing `\"` or `}`.".to_string(),
        ),
        LexErrorKind::UnclosedInterpolation => (
            "Unterminated template string".to_string(),
            "This interpolation sequence is not closed before the end of the line. Add the missing `}` (and the string's closing `\"`).".to_string(),
        ),
        LexErrorKind::UnterminatedComment => (
            "Unterminated comment".to_string(),
            "This /* comment has no closing */ before the end of the file. Add `*/` where the comment should end.".to_string(),
        ),
        LexErrorKind::UnterminatedHeredoc { marker } => (
            "Unterminated template string".to_string(),
            format!("No closing marker was found for this heredoc. End it with a line containing only `{marker}`."),
        ),
        LexErrorKind::UnclosedBlock => (
            "Unclosed configuration block".to_string(),
            "There is no closing brace for this block before the end of the file (or the next top-level block). Add the missing `}`; this may also be caused by incorrect brace nesting elsewhere in the block.".to_string(),
        ),
        LexErrorKind::UnclosedBracket { open, close } => (
            "Unclosed bracket".to_string(),
            format!("There is no closing `{close}` for this `{open}`. Add it, and separate the items inside with commas."),
        ),
        LexErrorKind::UnclosedDirective { keyword, end_keyword } => (
            "Unexpected end of template".to_string(),
            format!(
                "The {keyword} directive at {} is missing its corresponding {end_keyword} directive. Add `%{{ {end_keyword} }}` before the end of the template.",
                short_range(&range)
            ),
        ),
        LexErrorKind::UnexpectedDirective { keyword } => (
            format!("Unexpected {keyword} directive"),
            format!("This `%{{ {keyword} }}` has no matching opening `%{{ if }}` or `%{{ for }}` directive. Remove it or add the opening directive."),
        ),
    };
    Diagnostic::error(summary, detail).with_range(Some(range))
}

fn redefinition_diagnostic(file: &SourceFile, body: &Body, r: &Redefinition) -> Diagnostic {
    let first = innermost_body(body, r.span.start, 0)
        .get_attribute(&r.name)
        .and_then(|a| a.key.span())
        .map(|s| file.range(s));
    let detail = match first {
        Some(first) => format!(
            "The argument \"{}\" was already set at {}. Each argument may be set only once; remove one of the definitions.",
            r.name,
            short_range(&first)
        ),
        None => format!("The argument \"{}\" was already set in this block. Each argument may be set only once; remove one of the definitions.", r.name),
    };
    Diagnostic::error("Attribute redefined", detail).with_range(Some(file.range(r.span.clone())))
}

/// The innermost body (the file's or a block's) that contains `offset`.
fn innermost_body(body: &Body, offset: usize, depth: usize) -> &Body {
    if depth > 128 {
        return body;
    }
    for s in body.iter() {
        if let structure::Structure::Block(b) = s {
            if b.span().is_some_and(|sp| sp.contains(&offset)) {
                return innermost_body(&b.body, offset, depth + 1);
            }
        }
    }
    body
}
