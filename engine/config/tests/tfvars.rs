//! Variable definition files, HCL and JSON: a table of inputs, one snapshot.

mod common;

use gitform_config::{load_tfvars, load_tfvars_json};
use std::fmt::Write;

fn render(vars: &[(String, gitform_config::Expr)], diags: &gitform_value::Diagnostics) -> String {
    let mut out = String::new();
    for (name, e) in vars {
        let _ = writeln!(out, "{name} = {} @{}", e.text(), common::range(&e.range()));
    }
    out.push_str(&common::diagnostics(diags));
    out
}

#[test]
fn hcl_tfvars() {
    let cases = [
        (
            "simple",
            "region = \"eu-west-1\"\ncount  = 3\ntags   = { a = 1, b = [true, null] }\n",
        ),
        ("heredoc", "script = <<EOT\necho hi\nEOT\n"),
        ("block", "region = \"x\"\nvariable \"a\" {\n}\nother = 1\n"),
        (
            "syntax errors",
            "a = \"unterminated\nb = 2\nc = [1,\nd = 4\n",
        ),
        ("redefined", "a = 1\na = 2\n"),
        ("empty", ""),
    ];
    let mut out = String::new();
    for (name, text) in cases {
        let (vars, diags) = load_tfvars("terraform.tfvars", text);
        let _ = writeln!(out, "## {name}\n{}", render(&vars, &diags));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn json_tfvars() {
    let cases = [
        (
            "values",
            r#"{"region": "eu-${west}", "n": 1.5e300, "big": 123456789012345678901234567890, "list": [1, "two", null, false], "obj": {"k": {"nested": "a\"b\\c\n"}}}"#,
        ),
        ("not an object", "[1, 2]"),
        ("invalid json", "{\"a\": }"),
        ("bad name", "{\"1a\": 1, \"ok\": 2}"),
    ];
    let mut out = String::new();
    for (name, text) in cases {
        let (vars, diags) = load_tfvars_json("x.tfvars.json", text);
        let _ = writeln!(out, "## {name}\n{}", render(&vars, &diags));
    }
    insta::assert_snapshot!(out);
}
