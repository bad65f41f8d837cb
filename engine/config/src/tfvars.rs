//! Variable definition files: `terraform.tfvars`, `*.auto.tfvars`, `-var-file`
//! contents, and their JSON variants.

use crate::body::{convert_attribute, Expr};
use crate::syntax::parse_file;
use gitform_value::{Diagnostic, Diagnostics, Pos, SourceFile, SourceRange};
use hcl_edit::structure::Structure;
use hcl_edit::Span;
use std::fmt::Write;
use std::sync::Arc;

/// Parses an HCL variable definitions file: `name = value` lines. Values stay
/// unevaluated. Blocks are errors.
pub fn load_tfvars(name: &str, text: &str) -> (Vec<(String, Expr)>, Diagnostics) {
    let file = Arc::new(SourceFile::new(name, text));
    let (body, mut diags) = parse_file(&file);
    let mut out = Vec::new();
    for s in body {
        match s {
            Structure::Attribute(a) => {
                let a = convert_attribute(a, &file);
                out.push((a.name, a.expr));
            }
            Structure::Block(b) => {
                let span = b.ident.span().unwrap_or(0..0);
                diags.push(
                    Diagnostic::error(
                        format!("Unexpected \"{}\" block", b.ident.as_str()),
                        "Blocks are not allowed in a variable definitions file. Set each variable as `name = value`.",
                    )
                    .with_range(Some(file.range(span))),
                );
            }
        }
    }
    (out, diags)
}

/// Parses a JSON variable definitions file (`*.tfvars.json`): one object whose
/// properties are variable values. JSON strings are literal (no templates).
///
/// The values are converted to HCL expressions; their spans point into a
/// generated HCL text (the returned `Expr::file`, named `name`), not into the
/// JSON text.
pub fn load_tfvars_json(name: &str, text: &str) -> (Vec<(String, Expr)>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let pos = Pos {
                line: e.line(),
                column: e.column(),
                byte: 0,
            };
            diags.push(
                Diagnostic::error(
                    "Invalid JSON",
                    format!("This file is not valid JSON: {e}. Fix the syntax at this position."),
                )
                .with_range(Some(SourceRange {
                    filename: name.into(),
                    start: pos,
                    end: pos,
                })),
            );
            return (Vec::new(), diags);
        }
    };
    let serde_json::Value::Object(map) = value else {
        diags.push(
            Diagnostic::error(
                "Invalid variable definitions file",
                "The root of a .tfvars.json file must be an object whose properties are variable names, such as {\"region\": \"eu-west-1\"}.",
            )
            .with_range(Some(file_start(name))),
        );
        return (Vec::new(), diags);
    };
    let mut hcl = String::new();
    for (k, v) in &map {
        if !crate::decode::valid_name(k) {
            diags.push(
                Diagnostic::error(
                    "Invalid variable name",
                    format!("\"{k}\" in {name} is not a valid variable name: it must start with a letter or underscore and contain only letters, digits, underscores and dashes."),
                )
                .with_range(Some(file_start(name))),
            );
            continue;
        }
        let _ = write!(hcl, "{k} = ");
        write_hcl(&mut hcl, v);
        hcl.push('\n');
    }
    let (vars, more) = load_tfvars(name, &hcl);
    diags.extend(more);
    (vars, diags)
}

fn file_start(name: &str) -> SourceRange {
    let start = Pos {
        line: 1,
        column: 1,
        byte: 0,
    };
    SourceRange {
        filename: name.into(),
        start,
        end: start,
    }
}

/// Writes a JSON value as an HCL expression with the same value.
fn write_hcl(out: &mut String, v: &serde_json::Value) {
    use serde_json::Value as J;
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Number(n) => out.push_str(&n.to_string()),
        J::String(s) => write_hcl_string(out, s),
        J::Array(a) => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_hcl(out, e);
            }
            out.push(']');
        }
        J::Object(m) => {
            out.push('{');
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_hcl_string(out, k);
                out.push_str(" = ");
                write_hcl(out, e);
            }
            out.push('}');
        }
    }
}

fn write_hcl_string(out: &mut String, s: &str) {
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
