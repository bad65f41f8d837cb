//! `csvdecode`: RFC 4180 CSV read as Go's `encoding/csv` reads it (blank
//! lines skipped, CRLF folded, strict quoting, every record as wide as the
//! header), with Terraform's messages.

use crate::{FuncError, FuncResult};
use gitform_value::display::go_quote;
use gitform_value::Value;
use std::collections::BTreeMap;

/// A CSV syntax error: the line it was found on and Go's message.
struct CsvError {
    line: usize,
    message: &'static str,
}

const BARE_QUOTE: &str = "bare \" in non-quoted-field";
const QUOTE: &str = "extraneous or missing \" in quoted-field";
const FIELD_COUNT: &str = "wrong number of fields";

/// Reads records one by one.
struct Reader<'a> {
    lines: std::iter::Peekable<std::str::SplitInclusive<'a, char>>,
    line: usize,
}

impl<'a> Reader<'a> {
    fn new(src: &'a str) -> Reader<'a> {
        Reader {
            lines: src.split_inclusive('\n').peekable(),
            line: 0,
        }
    }

    /// The next line without its line ending ("\r\n" or "\n"), and whether it had one.
    fn next_line(&mut self) -> Option<(String, bool)> {
        let raw = self.lines.next()?;
        self.line += 1;
        let (body, nl) = match raw.strip_suffix('\n') {
            Some(b) => (b.strip_suffix('\r').unwrap_or(b), true),
            None => (raw, false),
        };
        Some((body.to_string(), nl))
    }

    /// The next record, or `None` at the end of input.
    fn read(&mut self) -> Result<Option<(usize, Vec<String>)>, CsvError> {
        let (mut line, mut had_nl) = loop {
            match self.next_line() {
                None => return Ok(None),
                Some((l, nl)) if l.is_empty() && nl => continue,
                Some((l, _)) if l.is_empty() => return Ok(None),
                Some(x) => break x,
            }
        };
        let start = self.line;
        let mut fields = Vec::new();
        let mut pos = 0usize;
        loop {
            let rest = &line[pos..];
            if !rest.starts_with('"') {
                // A non-quoted field runs to the next comma.
                let end = rest.find(',').unwrap_or(rest.len());
                let field = &rest[..end];
                if field.contains('"') {
                    return Err(CsvError {
                        line: self.line,
                        message: BARE_QUOTE,
                    });
                }
                fields.push(field.to_string());
                if end == rest.len() {
                    return Ok(Some((start, fields)));
                }
                pos += end + 1;
                continue;
            }
            // A quoted field, possibly spanning lines.
            let mut field = String::new();
            let mut i = pos + 1;
            loop {
                let rest = &line[i..];
                match rest.find('"') {
                    Some(q) => {
                        field.push_str(&rest[..q]);
                        let after = &rest[q + 1..];
                        if after.starts_with('"') {
                            field.push('"');
                            i += q + 2;
                        } else if after.starts_with(',') {
                            fields.push(std::mem::take(&mut field));
                            pos = i + q + 2;
                            break;
                        } else if after.is_empty() {
                            fields.push(std::mem::take(&mut field));
                            return Ok(Some((start, fields)));
                        } else {
                            return Err(CsvError {
                                line: self.line,
                                message: QUOTE,
                            });
                        }
                    }
                    None => {
                        field.push_str(rest);
                        if !had_nl {
                            return Err(CsvError {
                                line: self.line,
                                message: QUOTE,
                            });
                        }
                        field.push('\n');
                        match self.next_line() {
                            Some((l, nl)) => {
                                line = l;
                                had_nl = nl;
                                i = 0;
                            }
                            None => {
                                return Err(CsvError {
                                    line: self.line,
                                    message: QUOTE,
                                })
                            }
                        }
                    }
                }
            }
        }
    }
}

fn parse_error(e: CsvError) -> FuncError {
    FuncError::call(format!("CSV parse error on line {}: {}", e.line, e.message))
}

pub(super) fn csvdecode(src: &str) -> FuncResult {
    let mut reader = Reader::new(src);
    let Some((_, headers)) = reader.read().map_err(parse_error)? else {
        return Err(FuncError::call("missing header line"));
    };
    let mut seen = std::collections::BTreeSet::new();
    for h in &headers {
        if !seen.insert(h.as_str()) {
            return Err(FuncError::call(format!(
                "duplicate column name {}",
                go_quote(h)
            )));
        }
    }
    let mut rows = Vec::new();
    while let Some((line, fields)) = reader.read().map_err(parse_error)? {
        if fields.len() != headers.len() {
            return Err(parse_error(CsvError {
                line,
                message: FIELD_COUNT,
            }));
        }
        let row: BTreeMap<String, Value> = headers
            .iter()
            .cloned()
            .zip(fields.into_iter().map(Value::String))
            .collect();
        rows.push(Value::Object(row));
    }
    Ok(Value::List(rows))
}
