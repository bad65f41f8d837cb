//! Test helpers: a compact, type-explicit rendering of values and
//! diagnostics, and a JSON encoding matching Terraform's `jsonencode`.

#![allow(dead_code)]

use gitform_lang::{eval_str, EvalContext};
use gitform_value::{Diagnostics, Value};

/// `"s"`, `1`, `true`, `null`, `[a, b]` (tuple), `list[..]`, `set[..]`,
/// `{k = v}` (object), `map{k = v}`, `unknown(type)`, `sensitive(v)`.
pub fn show(v: &Value) -> String {
    fn seq(prefix: &str, items: &[Value]) -> String {
        format!(
            "{prefix}[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        )
    }
    fn entries(prefix: &str, m: &std::collections::BTreeMap<String, Value>) -> String {
        let inner: Vec<String> = m
            .iter()
            .map(|(k, v)| format!("{k} = {}", show(v)))
            .collect();
        format!("{prefix}{{{}}}", inner.join(", "))
    }
    match v {
        Value::Null => "null".into(),
        Value::Unknown(t) => format!("unknown({t})"),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::to_string(s).unwrap(),
        Value::List(items) => seq("list", items),
        Value::Set(items) => seq("set", items),
        Value::Tuple(items) => seq("", items),
        Value::Map(m) => entries("map", m),
        Value::Object(m) => entries("", m),
        Value::Sensitive(inner) => format!("sensitive({})", show(inner)),
    }
}

/// `ERR <summary> | <detail> @line:col-line:col`, one line per diagnostic.
pub fn show_diags(d: &Diagnostics) -> String {
    d.iter()
        .map(|d| {
            let at = d
                .range
                .as_ref()
                .map(|r| {
                    format!(
                        " @{}:{}-{}:{}",
                        r.start.line, r.start.column, r.end.line, r.end.column
                    )
                })
                .unwrap_or_default();
            format!("ERR {} | {}{at}", d.summary, d.detail)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn run(expr: &str, ctx: &EvalContext) -> String {
    match eval_str(expr, ctx) {
        Ok(v) => show(&v),
        Err(d) => show_diags(&d),
    }
}

/// Terraform's `jsonencode` of a wholly known value (marks looked through).
pub fn json(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Unknown(_) => "<unknown>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => go_json_string(s),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            format!("[{}]", items.iter().map(json).collect::<Vec<_>>().join(","))
        }
        Value::Map(m) | Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}:{}", go_json_string(k), json(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        Value::Sensitive(inner) => json(inner),
    }
}

fn go_json_string(s: &str) -> String {
    let mut out = serde_json::to_string(s).unwrap();
    out = out
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    out
}

/// Runs each `(expression, expected)` row and reports every mismatch at once.
pub fn check_table(ctx: &EvalContext, rows: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (expr, want) in rows {
        let got = run(expr, ctx);
        if got != *want {
            failures.push(format!("  {expr}\n    want: {want}\n    got:  {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
