//! Terraform's console format for values (`terraform console`, and the
//! values shown in `terraform output`).
//!
//! Tuples print as `[...]`, lists as `tolist([...])`, sets as `toset([...])`,
//! objects as `{...}` and maps as `tomap({...})`, with one element per line,
//! two spaces of indentation per level, a trailing comma after each sequence
//! element and `"key" = value` entries (not aligned). Strings with a newline
//! print as heredocs. Unknowns print `(known after apply)` and sensitive values
//! `(sensitive value)`. A null inside a list, set or map prints with its type
//! (`tostring(null)`), inferred from its siblings since [`Value::Null`] is
//! untyped.

use crate::convert::value_type;
use crate::types::Type;
use crate::value::Value;

/// Formats a value as `terraform console` prints it.
pub fn format_console(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, 0, &Type::Dynamic);
    out
}

/// Formats a value as `terraform console` prints it, using `ty` (such as a
/// variable's type constraint) to print typed nulls like `tostring(null)`
/// where the value alone cannot say.
pub fn format_console_typed(v: &Value, ty: &Type) -> String {
    let mut out = String::new();
    write_value(&mut out, v, 0, ty);
    out
}

/// The element type of a collection: from `hint` when it says, else inferred.
fn element_hint(v: &Value, hint: &Type) -> Type {
    match hint.element_type() {
        Some(t) if *t != Type::Dynamic => t.clone(),
        _ => value_type(v)
            .element_type()
            .cloned()
            .unwrap_or(Type::Dynamic),
    }
}

fn write_value(out: &mut String, v: &Value, indent: usize, ty: &Type) {
    match v {
        Value::Unknown(_) => out.push_str("(known after apply)"),
        Value::Sensitive(_) => out.push_str("(sensitive value)"),
        Value::Null => out.push_str(&typed_null(ty)),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_canonical_string()),
        Value::String(s) => write_string(out, s, indent),
        Value::Tuple(elems) => {
            let hint = |i: usize| match ty {
                Type::Tuple(ts) => ts.get(i).cloned().unwrap_or(Type::Dynamic),
                _ => Type::Dynamic,
            };
            write_sequence(
                out,
                elems.iter().enumerate().map(|(i, e)| (e, hint(i))),
                indent,
            )
        }
        Value::List(elems) | Value::Set(elems) => {
            let ety = element_hint(v, ty);
            out.push_str(if matches!(v, Value::List(_)) {
                "tolist("
            } else {
                "toset("
            });
            write_sequence(out, elems.iter().map(|e| (e, ety.clone())), indent);
            out.push(')');
        }
        Value::Object(attrs) => {
            let hint = |k: &str| match ty {
                Type::Object(o) => o.attrs.get(k).cloned().unwrap_or(Type::Dynamic),
                _ => Type::Dynamic,
            };
            write_mapping(out, attrs.iter().map(|(k, e)| (k, e, hint(k))), indent)
        }
        Value::Map(entries) => {
            let ety = element_hint(v, ty);
            out.push_str("tomap(");
            write_mapping(
                out,
                entries.iter().map(|(k, e)| (k, e, ety.clone())),
                indent,
            );
            out.push(')');
        }
    }
}

fn typed_null(ty: &Type) -> String {
    match ty {
        Type::Dynamic => "null".into(),
        Type::String => "tostring(null)".into(),
        Type::Number => "tonumber(null)".into(),
        Type::Bool => "tobool(null)".into(),
        Type::List(e) => format!("tolist(null) /* of {} */", e.friendly_name()),
        Type::Set(e) => format!("toset(null) /* of {} */", e.friendly_name()),
        Type::Map(e) => format!("tomap(null) /* of {} */", e.friendly_name()),
        other => format!("null /* {} */", other.friendly_name()),
    }
}

fn write_sequence<'a>(
    out: &mut String,
    elems: impl Iterator<Item = (&'a Value, Type)>,
    indent: usize,
) {
    out.push('[');
    let inner = indent + 2;
    let mut any = false;
    for (e, ty) in elems {
        any = true;
        out.push('\n');
        push_indent(out, inner);
        write_value(out, e, inner, &ty);
        out.push(',');
    }
    if any {
        out.push('\n');
        push_indent(out, indent);
    }
    out.push(']');
}

fn write_mapping<'a>(
    out: &mut String,
    entries: impl Iterator<Item = (&'a String, &'a Value, Type)>,
    indent: usize,
) {
    out.push('{');
    let inner = indent + 2;
    let mut any = false;
    for (k, e, ty) in entries {
        any = true;
        out.push('\n');
        push_indent(out, inner);
        write_string(out, k, inner);
        out.push_str(" = ");
        write_value(out, e, inner, &ty);
    }
    if any {
        out.push('\n');
        push_indent(out, indent);
    }
    out.push('}');
}

fn push_indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A string as Terraform's console prints it: quoted, or as a heredoc
/// (`<<EOT` at the top level, `<<-EOT` when indented) when it has a newline.
fn write_string(out: &mut String, s: &str, indent: usize) {
    if !s.contains('\n') {
        out.push_str(&go_quote(s));
        return;
    }
    let lines: Vec<&str> = s.split('\n').collect();
    let mut delimiter = String::from("EOT");
    while lines.iter().any(|l| l.trim() == delimiter) {
        delimiter.push('_');
    }
    out.push_str(if indent > 0 { "<<-" } else { "<<" });
    out.push_str(&delimiter);
    for line in lines {
        out.push('\n');
        push_indent(out, indent);
        out.push_str(line);
    }
    out.push('\n');
    push_indent(out, indent);
    out.push_str(&delimiter);
}

/// Quotes a string as Go's `strconv.Quote` does: `\"`, `\\`, the short
/// escapes `\a \b \f \n \r \t \v`, `\xHH` for other ASCII controls and
/// `\uHHHH`/`\UHHHHHHHH` for other non-printable characters. Printable
/// Unicode is kept as is.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint`: letters, marks, numbers,
/// punctuation, symbols and the ASCII space. Controls, other spaces, format
/// characters, private-use characters and non-characters are not printable.
fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    let non_printable: &[(u32, u32)] = &[
        (0x00A0, 0x00A0),
        (0x00AD, 0x00AD),
        (0x0600, 0x0605),
        (0x061C, 0x061C),
        (0x06DD, 0x06DD),
        (0x070F, 0x070F),
        (0x08E2, 0x08E2),
        (0x180E, 0x180E),
        (0x200B, 0x200F),
        (0x2028, 0x202F),
        (0x205F, 0x206F),
        (0xD800, 0xF8FF),
        (0xFEFF, 0xFEFF),
        (0xFFF0, 0xFFFB),
        (0xFFFE, 0xFFFF),
        (0x110BD, 0x110BD),
        (0x110CD, 0x110CD),
        (0x13430, 0x1343F),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0000, 0xE007F),
        (0xF0000, 0x10FFFF),
    ];
    !non_printable.iter().any(|&(lo, hi)| (lo..=hi).contains(&u)) && (u & 0xFFFE) != 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::from_tagged_json;

    /// (Terraform expression, the same value in tagged JSON, what
    /// `terraform console` 1.11.4 printed for it). Generated by running
    /// terraform (with a `terraform_data.x` resource and `-plan` for the
    /// unknowns); CI does not run terraform.
    const CASES: &[(&str, &str, &str)] = &[
        (r"1", r"1", r"1"),
        (r"-12.5", r"-12.5", r"-12.5"),
        (
            r"1e40",
            r"10000000000000000000000000000000000000000",
            r"10000000000000000000000000000000000000000",
        ),
        (r"0.1", r"0.1", r"0.1"),
        (
            r"123456789012345678901234567890.5",
            r"123456789012345678901234567890.5",
            r"123456789012345678901234567890.5",
        ),
        (r#""hello""#, r#""hello""#, r#""hello""#),
        (r#""""#, r#""""#, r#""""#),
        (
            r#""quote \" and \\ back""#,
            r#""quote \" and \\ back""#,
            r#""quote \" and \\ back""#,
        ),
        (r#""tab\tcr\r""#, r#""tab\tcr\r""#, r#""tab\tcr\r""#),
        (
            r#""a\nb""#,
            r#""a\nb""#,
            r"<<EOT
a
b
EOT",
        ),
        (
            r#""a\nb\n""#,
            r#""a\nb\n""#,
            r"<<EOT
a
b

EOT",
        ),
        (
            r#""EOT\nx""#,
            r#""EOT\nx""#,
            r"<<EOT_
EOT
x
EOT_",
        ),
        (
            r#""  EOT  \nEOT_\n""#,
            r#""  EOT  \nEOT_\n""#,
            r"<<EOT__
  EOT  
EOT_

EOT__",
        ),
        (r"true", r"true", r"true"),
        (r"false", r"false", r"false"),
        (r"null", r"null", r"null"),
        (r"[]", r"[]", r"[]"),
        (r"{}", r"{}", r"{}"),
        (r"tolist([])", r#"{"$t": "list", "v": []}"#, r"tolist([])"),
        (r"toset([])", r#"{"$t": "set", "v": []}"#, r"toset([])"),
        (r"tomap({})", r#"{"$t": "map", "v": {}}"#, r"tomap({})"),
        (
            r#"[1, "a", true, null]"#,
            r#"[1, "a", true, null]"#,
            r#"[
  1,
  "a",
  true,
  null,
]"#,
        ),
        (
            r#"tolist(["a", "b"])"#,
            r#"{"$t": "list", "v": ["a", "b"]}"#,
            r#"tolist([
  "a",
  "b",
])"#,
        ),
        (
            r#"toset(["b", "a"])"#,
            r#"{"$t": "set", "v": ["a", "b"]}"#,
            r#"toset([
  "a",
  "b",
])"#,
        ),
        (
            r"toset([3, 1, 2, 10])",
            r#"{"$t": "set", "v": [1, 2, 3, 10]}"#,
            r"toset([
  1,
  2,
  3,
  10,
])",
        ),
        (
            r"tomap({a = 1, b = 2})",
            r#"{"$t": "map", "v": {"a": 1, "b": 2}}"#,
            r#"tomap({
  "a" = 1
  "b" = 2
})"#,
        ),
        (
            r#"{a = 1, bb = "x", ccc = [1]}"#,
            r#"{"a": 1, "bb": "x", "ccc": [1]}"#,
            r#"{
  "a" = 1
  "bb" = "x"
  "ccc" = [
    1,
  ]
}"#,
        ),
        (
            r"{a = {b = [1, {c = 2}]}}",
            r#"{"a": {"b": [1, {"c": 2}]}}"#,
            r#"{
  "a" = {
    "b" = [
      1,
      {
        "c" = 2
      },
    ]
  }
}"#,
        ),
        (
            r#"{a = "x\ny"}"#,
            r#"{"a": "x\ny"}"#,
            r#"{
  "a" = <<-EOT
  x
  y
  EOT
}"#,
        ),
        (
            r#"["EOT\nz"]"#,
            r#"["EOT\nz"]"#,
            r"[
  <<-EOT_
  EOT
  z
  EOT_,
]",
        ),
        (
            r#"{a = [{b = "p\nq"}]}"#,
            r#"{"a": [{"b": "p\nq"}]}"#,
            r#"{
  "a" = [
    {
      "b" = <<-EOT
      p
      q
      EOT
    },
  ]
}"#,
        ),
        (
            r#"tolist([null, "a"])"#,
            r#"{"$t": "list", "v": [null, "a"]}"#,
            r#"tolist([
  tostring(null),
  "a",
])"#,
        ),
        (
            r"tomap({a = null, b = 1})",
            r#"{"$t": "map", "v": {"a": null, "b": 1}}"#,
            r#"tomap({
  "a" = tonumber(null)
  "b" = 1
})"#,
        ),
        (
            r"tolist([null, true])",
            r#"{"$t": "list", "v": [null, true]}"#,
            r"tolist([
  tobool(null),
  true,
])",
        ),
        (
            r"tomap({a = tomap({x = 1}), b = null})",
            r#"{"$t": "map", "v": {"a": {"$t": "map", "v": {"x": 1}}, "b": null}}"#,
            r#"tomap({
  "a" = tomap({
    "x" = 1
  })
  "b" = tomap(null) /* of number */
})"#,
        ),
        (
            r#"{"a b" = 1, "c\"d" = 2}"#,
            r#"{"a b": 1, "c\"d": 2}"#,
            r#"{
  "a b" = 1
  "c\"d" = 2
}"#,
        ),
        (
            r#"{"x\ny" = 1}"#,
            r#"{"x\ny": 1}"#,
            r"{
  <<-EOT
  x
  y
  EOT = 1
}",
        ),
        (
            r"sensitive(1)",
            r#"{"$t": "sensitive", "v": 1}"#,
            r"(sensitive value)",
        ),
        (
            r#"[sensitive("x"), 2]"#,
            r#"[{"$t": "sensitive", "v": "x"}, 2]"#,
            r"[
  (sensitive value),
  2,
]",
        ),
        (
            r"{a = sensitive({b = 1})}",
            r#"{"a": {"$t": "sensitive", "v": {"b": 1}}}"#,
            r#"{
  "a" = (sensitive value)
}"#,
        ),
        (
            r#"tomap({k = sensitive("v")})"#,
            r#"{"$t": "map", "v": {"k": {"$t": "sensitive", "v": "v"}}}"#,
            r#"tomap({
  "k" = (sensitive value)
})"#,
        ),
        (
            r"terraform_data.x.id",
            r#"{"$t": "unknown", "type": "string"}"#,
            r"(known after apply)",
        ),
        (
            r"[terraform_data.x.id, 1]",
            r#"[{"$t": "unknown", "type": "string"}, 1]"#,
            r"[
  (known after apply),
  1,
]",
        ),
        (
            r"{a = terraform_data.x.id}",
            r#"{"a": {"$t": "unknown", "type": "string"}}"#,
            r#"{
  "a" = (known after apply)
}"#,
        ),
        (
            r"tolist([[1], [2]])",
            r#"{"$t": "list", "v": [[1], [2]]}"#,
            r"tolist([
  [
    1,
  ],
  [
    2,
  ],
])",
        ),
        (r#""é ü 日本 ✓""#, r#""é ü 日本 ✓""#, r#""é ü 日本 ✓""#),
        (
            r#""\u00a0\u200b\u0007\u007f\ufeff\u00ad""#,
            r#""\u00a0\u200b\u0007\u007f\ufeff\u00ad""#,
            r#""\u00a0\u200b\a\x7f\ufeff\u00ad""#,
        ),
        (
            r"[[], {}, tolist([]), tomap({})]",
            r#"[[], {}, {"$t": "list", "v": []}, {"$t": "map", "v": {}}]"#,
            r"[
  [],
  {},
  tolist([]),
  tomap({}),
]",
        ),
        (
            r#"{"" = 1}"#,
            r#"{"": 1}"#,
            r#"{
  "" = 1
}"#,
        ),
        (
            r"{b = 1, a = 2, A = 3, _ = 4}",
            r#"{"b": 1, "a": 2, "A": 3, "_": 4}"#,
            r#"{
  "A" = 3
  "_" = 4
  "a" = 2
  "b" = 1
}"#,
        ),
        (
            r"[[[1]]]",
            r"[[[1]]]",
            r"[
  [
    [
      1,
    ],
  ],
]",
        ),
        (r"-0.000001", r"-1e-06", r"-0.000001"),
    ];

    #[test]
    fn matches_terraform_console() {
        let mut failures = Vec::new();
        for (hcl, tagged, want) in CASES {
            let j: serde_json::Value = serde_json::from_str(tagged).unwrap();
            let v = from_tagged_json(&j).unwrap();
            let got = format_console(&v);
            if got != *want {
                failures.push(format!("{hcl}:\n--- want\n{want}\n--- got\n{got}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} differ:\n{}",
            failures.len(),
            CASES.len(),
            failures.join("\n\n")
        );
    }

    #[test]
    fn go_quote_escapes() {
        for (input, want) in [
            ("plain", r#""plain""#),
            ("\u{1}\u{1f}", r#""\x01\x1f""#),
            ("\u{85}", r#""\u0085""#),
            ("\u{e000}", r#""\ue000""#),
            ("\u{10fffd}", r#""\U0010fffd""#),
            ("\u{1f600}", "\"\u{1f600}\""),
        ] {
            assert_eq!(go_quote(input), want, "{input:?}");
        }
    }
}
