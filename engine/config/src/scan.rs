//! A small lexical scanner for HCL source that failed to parse.
//!
//! hcl-edit stops at the first syntax error of a file and some of its messages
//! point at the wrong place. This scanner knows just enough of HCL's lexical
//! structure (strings, templates, heredocs, comments and brackets) to
//!
//! - split a file into its top-level items (blocks and arguments), so each
//!   one can be parsed on its own and one bad block doesn't hide the others;
//! - find lexical problems (unterminated strings, comments, heredocs,
//!   template directives, unclosed blocks) with a precise position.
//!
//! It is iterative (an explicit stack), so deeply nested input cannot
//! overflow the call stack.

use std::ops::Range;

/// A lexical problem found by the scanner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    pub kind: LexErrorKind,
    /// The bytes the problem is about (e.g. the opening quote or brace).
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LexErrorKind {
    /// A quoted string reached the end of its line.
    MultiLineString,
    /// A quoted string or interpolation reached the end of the file.
    UnterminatedString,
    /// `${` inside a quoted string not closed on its line.
    UnclosedInterpolation,
    /// `/*` without `*/`.
    UnterminatedComment,
    /// `<<EOT` without the closing `EOT` line.
    UnterminatedHeredoc { marker: String },
    /// A block's `{` without its `}`.
    UnclosedBlock,
    /// `[` or `(` without its closing bracket.
    UnclosedBracket { open: char, close: char },
    /// `%{ if }` or `%{ for }` without `%{ endif }` / `%{ endfor }`.
    UnclosedDirective {
        keyword: String,
        end_keyword: &'static str,
    },
    /// `%{ endif }`, `%{ else }` or `%{ endfor }` without its opening directive.
    UnexpectedDirective { keyword: String },
}

/// The result of scanning one file.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// The byte ranges of the top-level items, in order. An item runs from its
    /// first character to the end of its last line (newline excluded).
    pub items: Vec<Range<usize>>,
    pub errors: Vec<LexError>,
}

#[derive(Debug)]
enum Frame {
    /// `{` of a block or an object.
    Brace(usize),
    Bracket(usize),
    Paren(usize),
    /// A quoted template, with its open `%{ if }`/`%{ for }` directives.
    Quoted {
        start: usize,
        directives: Vec<(String, Range<usize>)>,
    },
    /// `${ ... }` or `%{ ... }` inside a quoted template.
    Interp(usize),
}

/// Block types that start a new top-level item when they appear at the start
/// of a line while a previous item is still open (a likely unclosed block).
const TOP_LEVEL_KEYWORDS: &[&str] = &[
    "resource",
    "data",
    "variable",
    "output",
    "locals",
    "module",
    "provider",
    "terraform",
    "moved",
    "import",
    "removed",
    "check",
];

/// Scans `src` into top-level items and lexical errors.
pub(crate) fn scan(src: &str) -> Scan {
    scan_items(src, false)
}

fn scan_items(src: &str, first_only: bool) -> Scan {
    let b = src.as_bytes();
    let mut out = Scan::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut item_start: Option<usize> = None;
    // The end of the last token (not comment or space) of the current item.
    let mut last_end = 0;
    // How many errors were known when the current item started: an unclosed
    // block after an earlier error in the same item is usually its consequence.
    let mut item_first_error = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if let Some(Frame::Quoted { .. }) = stack.last() {
            let was_newline = c == b'\n';
            i = scan_quoted(src, i, &mut stack, &mut out.errors);
            if !was_newline {
                last_end = i;
            }
            continue;
        }
        match c {
            b'\n' => {
                // An interpolation in a quoted string that runs past the end of
                // its line: almost always a missing `}`.
                if let [.., Frame::Quoted { .. }, Frame::Interp(p)] = stack.as_slice() {
                    out.errors.push(LexError {
                        kind: LexErrorKind::UnclosedInterpolation,
                        span: *p..*p + 2,
                    });
                    stack.truncate(stack.len() - 2);
                }
                if stack.is_empty() {
                    if let Some(s) = item_start.take() {
                        out.items.push(s..last_end.max(s));
                        if first_only {
                            return out;
                        }
                    }
                } else if starts_top_level_block(b, i + 1) {
                    if out.errors.len() == item_first_error {
                        report_open_frames(&stack, &mut out.errors);
                    }
                    stack.clear();
                    if let Some(s) = item_start.take() {
                        out.items.push(s..last_end.max(s));
                    }
                }
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                i = line_end(b, i);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = line_end(b, i);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                match find(b, i + 2, b"*/") {
                    Some(end) => i = end + 2,
                    None => {
                        out.errors.push(LexError {
                            kind: LexErrorKind::UnterminatedComment,
                            span: i..i + 2,
                        });
                        i = b.len();
                    }
                }
                continue;
            }
            _ => {}
        }
        if item_start.is_none() {
            item_start = Some(i);
            item_first_error = out.errors.len();
        }
        match c {
            b'"' => {
                stack.push(Frame::Quoted {
                    start: i,
                    directives: Vec::new(),
                });
                i += 1;
            }
            b'<' if b.get(i + 1) == Some(&b'<') => i = scan_heredoc(src, i, &mut out.errors),
            b'{' => {
                stack.push(Frame::Brace(i));
                i += 1;
            }
            b'[' => {
                stack.push(Frame::Bracket(i));
                i += 1;
            }
            b'(' => {
                stack.push(Frame::Paren(i));
                i += 1;
            }
            b'}' | b']' | b')' => {
                close(&mut stack, c, &mut out.errors);
                i += 1;
            }
            _ => i = next_char(src, i),
        }
        last_end = i.min(b.len());
    }
    if item_start.is_none() || out.errors.len() == item_first_error {
        report_open_frames(&stack, &mut out.errors);
    }
    if let Some(s) = item_start {
        out.items.push(s..last_end.max(s));
    }
    out
}

/// Handles a closing bracket in code: pops its opener. When brackets opened
/// after that opener are still open, the innermost of them is reported as
/// unclosed (e.g. `x = [1, 2` followed by the block's `}`). A closer without
/// opener is left to the parser.
fn close(stack: &mut Vec<Frame>, c: u8, errors: &mut Vec<LexError>) {
    let matches = |f: &Frame| match c {
        b'}' => matches!(f, Frame::Brace(_) | Frame::Interp(_)),
        b']' => matches!(f, Frame::Bracket(_)),
        _ => matches!(f, Frame::Paren(_)),
    };
    let Some(pos) = stack
        .iter()
        .rposition(|f| matches(f) || matches!(f, Frame::Quoted { .. }))
    else {
        return;
    };
    if !matches(&stack[pos]) {
        return;
    }
    if let Some(inner) = stack.get(pos + 1..) {
        if let Some(last) = inner.last() {
            report_open_frames(std::slice::from_ref(last), errors);
        }
    }
    stack.truncate(pos);
}

/// Scans one step inside a quoted template starting at `i`; returns the next position.
fn scan_quoted(src: &str, i: usize, stack: &mut Vec<Frame>, errors: &mut Vec<LexError>) -> usize {
    let b = src.as_bytes();
    match b[i] {
        b'\\' => i + 2,
        b'"' => {
            if let Some(Frame::Quoted { directives, .. }) = stack.pop() {
                for (keyword, span) in directives {
                    let end_keyword = if keyword == "for" { "endfor" } else { "endif" };
                    errors.push(LexError {
                        kind: LexErrorKind::UnclosedDirective {
                            keyword,
                            end_keyword,
                        },
                        span,
                    });
                }
            }
            i + 1
        }
        b'\n' => {
            if let Some(Frame::Quoted { start, .. }) = stack.pop() {
                errors.push(LexError {
                    kind: LexErrorKind::MultiLineString,
                    span: start..trim_end(b, i),
                });
            }
            // The newline itself is handled in code mode.
            i
        }
        b'$' if b.get(i + 1) == Some(&b'$') && b.get(i + 2) == Some(&b'{') => i + 3,
        b'%' if b.get(i + 1) == Some(&b'%') && b.get(i + 2) == Some(&b'{') => i + 3,
        b'$' if b.get(i + 1) == Some(&b'{') => {
            stack.push(Frame::Interp(i));
            i + 2
        }
        b'%' if b.get(i + 1) == Some(&b'{') => {
            let keyword = directive_keyword(b, i + 2);
            let close = find(b, i + 2, b"}").map_or(i + 2, |e| e + 1);
            if let Some(Frame::Quoted { directives, .. }) = stack.last_mut() {
                match keyword.as_str() {
                    "if" | "for" => directives.push((keyword, i..close)),
                    "else" if directives.last().is_some_and(|(k, _)| k == "if") => {}
                    "endif" if directives.last().is_some_and(|(k, _)| k == "if") => {
                        directives.pop();
                    }
                    "endfor" if directives.last().is_some_and(|(k, _)| k == "for") => {
                        directives.pop();
                    }
                    "else" | "endif" | "endfor" => errors.push(LexError {
                        kind: LexErrorKind::UnexpectedDirective { keyword },
                        span: i..close,
                    }),
                    _ => {}
                }
            }
            stack.push(Frame::Interp(i));
            i + 2
        }
        _ => next_char(src, i),
    }
}

/// Skips a heredoc starting at `<<` at `i`; returns the position after its end marker.
fn scan_heredoc(src: &str, i: usize, errors: &mut Vec<LexError>) -> usize {
    let b = src.as_bytes();
    let mut j = i + 2;
    if b.get(j) == Some(&b'-') {
        j += 1;
    }
    let marker_start = j;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-') {
        j += 1;
    }
    let marker = &src[marker_start..j];
    let mut k = j;
    while k < b.len() && (b[k] == b' ' || b[k] == b'\t' || b[k] == b'\r') {
        k += 1;
    }
    if marker.is_empty() || b.get(k) != Some(&b'\n') {
        // Not a heredoc (e.g. a `<<` typo); let the parser report it.
        return i + 2;
    }
    let mut line_start = k + 1;
    while line_start < b.len() {
        let end = line_end(b, line_start);
        if src[line_start..end].trim() == marker {
            return end;
        }
        line_start = end + 1;
    }
    errors.push(LexError {
        kind: LexErrorKind::UnterminatedHeredoc {
            marker: marker.to_string(),
        },
        span: i..j,
    });
    b.len()
}

/// Reports what is still open at the end of an item. Only the outermost problem
/// is reported: the inner ones are usually consequences of it.
fn report_open_frames(stack: &[Frame], errors: &mut Vec<LexError>) {
    if let Some(Frame::Quoted { start, .. }) =
        stack.iter().find(|f| matches!(f, Frame::Quoted { .. }))
    {
        errors.push(LexError {
            kind: LexErrorKind::UnterminatedString,
            span: *start..*start + 1,
        });
        return;
    }
    match stack.first() {
        Some(Frame::Brace(p)) => errors.push(LexError {
            kind: LexErrorKind::UnclosedBlock,
            span: *p..*p + 1,
        }),
        Some(Frame::Bracket(p)) => errors.push(LexError {
            kind: LexErrorKind::UnclosedBracket {
                open: '[',
                close: ']',
            },
            span: *p..*p + 1,
        }),
        Some(Frame::Paren(p)) => errors.push(LexError {
            kind: LexErrorKind::UnclosedBracket {
                open: '(',
                close: ')',
            },
            span: *p..*p + 1,
        }),
        Some(Frame::Interp(p)) => errors.push(LexError {
            kind: LexErrorKind::UnterminatedString,
            span: *p..*p + 2,
        }),
        Some(Frame::Quoted { .. }) | None => {}
    }
}

/// True when the line starting at `i` starts (in its first column) with a
/// top-level block keyword followed by a label or `{`.
fn starts_top_level_block(b: &[u8], i: usize) -> bool {
    let Some(rest) = b.get(i..) else { return false };
    TOP_LEVEL_KEYWORDS.iter().any(|k| {
        rest.starts_with(k.as_bytes())
            && matches!(rest.get(k.len()), Some(b' ' | b'\t' | b'{' | b'"'))
    })
}

fn directive_keyword(b: &[u8], mut i: usize) -> String {
    if b.get(i) == Some(&b'~') {
        i += 1;
    }
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let start = i;
    while b.get(i).is_some_and(|c| c.is_ascii_alphabetic()) {
        i += 1;
    }
    String::from_utf8_lossy(b.get(start..i).unwrap_or_default()).into_owned()
}

fn line_end(b: &[u8], i: usize) -> usize {
    b.get(i..)
        .and_then(|r| r.iter().position(|&c| c == b'\n'))
        .map_or(b.len(), |p| i + p)
}

fn trim_end(b: &[u8], mut end: usize) -> usize {
    while end > 0 && matches!(b.get(end - 1), Some(b' ' | b'\t' | b'\r')) {
        end -= 1;
    }
    end
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn next_char(src: &str, i: usize) -> usize {
    src.get(i..)
        .and_then(|s| s.chars().next())
        .map_or(i + 1, |c| i + c.len_utf8())
}

/// The end of the statement (argument) starting at `start`: the first newline
/// outside brackets, strings and heredocs. Used to skip a redefined argument.
pub(crate) fn statement_end(src: &str, start: usize) -> usize {
    let sub = src.get(start..).unwrap_or_default();
    let first = scan_items(sub, true);
    first.items.first().map_or(src.len(), |r| start + r.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_errors() {
        let cases: &[(&str, Vec<&str>, Vec<LexErrorKind>)] = &[
            (
                "a = 1\n# c\nb {\n x = \"}\"\n}\n",
                vec!["a = 1", "b {\n x = \"}\"\n}"],
                vec![],
            ),
            (
                "a = \"x\nb = 1\n",
                vec!["a = \"x", "b = 1"],
                vec![LexErrorKind::MultiLineString],
            ),
            (
                "a = <<EOT\n}\nEOT\nb = 2",
                vec!["a = <<EOT\n}\nEOT", "b = 2"],
                vec![],
            ),
            (
                "resource \"a\" \"b\" {\n x = 1\nresource \"c\" \"d\" {\n}\n",
                vec![
                    "resource \"a\" \"b\" {\n x = 1",
                    "resource \"c\" \"d\" {\n}",
                ],
                vec![LexErrorKind::UnclosedBlock],
            ),
            (
                "a = \"%{ if x }y\"\n",
                vec!["a = \"%{ if x }y\""],
                vec![LexErrorKind::UnclosedDirective {
                    keyword: "if".into(),
                    end_keyword: "endif",
                }],
            ),
            (
                "a = 1 /* x",
                vec!["a = 1"],
                vec![LexErrorKind::UnterminatedComment],
            ),
        ];
        for (src, items, errors) in cases {
            let s = scan(src);
            let got: Vec<&str> = s.items.iter().map(|r| &src[r.clone()]).collect();
            assert_eq!(&got, items, "{src:?}");
            let kinds: Vec<LexErrorKind> = s.errors.into_iter().map(|e| e.kind).collect();
            assert_eq!(&kinds, errors, "{src:?}");
        }
    }

    #[test]
    fn statement_end_skips_nested() {
        let src = "a = [\n1]\nb = 2";
        assert_eq!(&src[..statement_end(src, 0)], "a = [\n1]");
    }
}
