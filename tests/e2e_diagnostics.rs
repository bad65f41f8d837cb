//! End-to-end: error diagnostics of the real binary. Each case is a folder
//! under `tests/fixtures/e2e/diagnostics/`; `plan` must exit 1 with the
//! snapshotted stderr, name what the table says, and never panic.

#[path = "fixtures/e2e/support.rs"]
mod support;

use support::{insta_settings, Work};

struct Case {
    /// The fixture folder.
    name: &'static str,
    /// Text stderr must contain.
    needles: &'static [&'static str],
    /// `validate -json`: the first diagnostic's summary and start
    /// (line, column); `None` for errors only a plan finds.
    validate: Option<(&'static str, usize, usize)>,
}

const CASES: &[Case] = &[
    Case {
        name: "cycle",
        needles: &[
            "Error: Cycle in the configuration",
            "terraform_data.a (main.tf:1:1)",
            "terraform_data.b (main.tf:5:1)",
            "terraform_data.c (main.tf:9:1)",
        ],
        validate: Some(("Cycle in the configuration", 1, 1)),
    },
    Case {
        name: "cycle_locals",
        needles: &[
            "Cycle in the configuration",
            "local.a (main.tf:2:3)",
            "local.b (main.tf:3:3)",
        ],
        validate: Some(("Cycle in the configuration", 2, 3)),
    },
    Case {
        name: "self_reference",
        needles: &["terraform_data.a", "main.tf"],
        validate: None,
    },
    Case {
        name: "undeclared_variable",
        needles: &[
            "Error: Reference to undeclared input variable",
            "on main.tf line 7, in resource \"terraform_data\" \"a\":",
            "   7:   input = var.regoin",
            "Did you mean",
            "region",
        ],
        validate: Some(("Reference to undeclared input variable", 7, 11)),
    },
    Case {
        name: "undeclared_resource",
        needles: &[
            "Error: Reference to undeclared resource",
            "Did you mean \"terraform_data.server\"?",
        ],
        validate: Some(("Reference to undeclared resource", 6, 11)),
    },
    Case {
        name: "syntax_error",
        needles: &[
            "on main.tf line 6, in resource \"terraform_data\" \"b\":",
            "   6:   input = [\"a\", \"b\"",
        ],
        validate: Some(("Unclosed bracket", 6, 11)),
    },
    Case {
        name: "missing_required_variable",
        needles: &[
            "Error: No value for required variable",
            "The input variable \"name\" is not set",
            "   1: variable \"name\" {",
        ],
        validate: None,
    },
    Case {
        name: "unknown_function",
        needles: &["Error: Call to unknown function", "Did you mean \"upper\"?"],
        validate: None,
    },
    Case {
        name: "bad_variable_default",
        needles: &["var.n", "a number is required"],
        validate: None,
    },
    Case {
        name: "unknown_resource_type",
        needles: &[
            "Error: Invalid resource type",
            "Did you mean \"terraform_data\"?",
        ],
        validate: Some(("Invalid resource type", 1, 1)),
    },
    Case {
        name: "duplicate_resource",
        needles: &[
            "Error: Duplicate resource \"terraform_data\" configuration",
            "already declared at main.tf:1",
        ],
        validate: Some(("Duplicate resource \"terraform_data\" configuration", 5, 1)),
    },
    Case {
        name: "failed_validation",
        needles: &[
            "Error: Invalid value for variable",
            "The size must be at most 10.",
        ],
        validate: None,
    },
    Case {
        name: "wrong_attribute_type",
        needles: &["Error: Incorrect attribute value type", "string required"],
        validate: None,
    },
    Case {
        name: "unsupported_block",
        needles: &[
            "Error: Unsupported block type",
            "Blocks of type \"setting\" are not expected here.",
        ],
        validate: Some(("Unsupported block type", 4, 3)),
    },
    Case {
        name: "index_out_of_range",
        needles: &["Error: Invalid index", "terraform_data.a[2].output"],
        validate: None,
    },
];

/// Collapses whitespace runs, so that needles match across wrapped lines.
fn flatten(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_fixture_has_a_case() {
    let mut dirs: Vec<String> = std::fs::read_dir(support::fixtures().join("diagnostics"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut names: Vec<String> = CASES.iter().map(|c| c.name.to_string()).collect();
    names.sort();
    assert_eq!(dirs, names);
}

#[test]
fn plan_diagnostics() {
    let settings = insta_settings();
    for case in CASES {
        let w = Work::fixture(&format!("diagnostics/{}", case.name));
        let r = w.run(&["plan"]);
        assert_eq!(r.code, 1, "{}: {}", case.name, r.stderr);
        let flat = flatten(&r.stderr);
        for n in case.needles {
            assert!(
                flat.contains(&flatten(n)),
                "{}: stderr lacks {n:?}:\n{}",
                case.name,
                r.stderr
            );
        }
        assert!(
            !r.stdout.contains("Error:"),
            "{}: errors go to stderr",
            case.name
        );
        assert!(!w.path().join(".gitform/state.db").exists() || w.state_list().is_empty());
        settings.bind(|| insta::assert_snapshot!(case.name, r.stderr));
    }
}

#[test]
fn validate_json_ranges() {
    for case in CASES {
        let Some((summary, line, column)) = case.validate else {
            continue;
        };
        let w = Work::fixture(&format!("diagnostics/{}", case.name));
        w.run(&["validate"]).code(1);
        let v = w.run(&["validate", "-json"]).code(1).json();
        assert_eq!(v["valid"], false, "{}", case.name);
        let d = &v["diagnostics"][0];
        assert_eq!(d["severity"], "error", "{}", case.name);
        assert_eq!(d["summary"], summary, "{}: {d:#}", case.name);
        assert_eq!(d["range"]["filename"], "main.tf", "{}", case.name);
        assert_eq!(d["range"]["start"]["line"], line, "{}: {d:#}", case.name);
        assert_eq!(
            d["range"]["start"]["column"], column,
            "{}: {d:#}",
            case.name
        );
    }
}

/// Terraform: `Did you mean "region"?` (the bare name, not `var.region`).
#[test]
fn undeclared_variable_suggestion_wording() {
    let w = Work::fixture("diagnostics/undeclared_variable");
    w.run(&["plan"])
        .code(1)
        .stderr_has("Did you mean\n\"region\"?");
}

/// Odd inputs: every command exits 0 or 1 and never panics.
#[test]
fn odd_inputs_never_panic() {
    let deep = format!(
        "locals {{\n  x = {}1{}\n}}\n",
        "[".repeat(200),
        "]".repeat(200)
    );
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("binary", vec![0, 159, 146, 150, 255, 0, 1, 2]),
        ("only a brace", b"}".to_vec()),
        (
            "unterminated block",
            b"resource \"terraform_data\" \"a\" {".to_vec(),
        ),
        (
            "unicode",
            "resource \"terraform_data\" \"\u{e9}\u{1f600}\" {\n  input = \"\u{2603}\"\n}\n"
                .as_bytes()
                .to_vec(),
        ),
        ("deep nesting", deep.into_bytes()),
        (
            "heredoc unterminated",
            b"locals {\n  x = <<EOT\nabc\n".to_vec(),
        ),
        (
            "template unterminated",
            b"locals {\n  x = \"${\n}\n".to_vec(),
        ),
        (
            "crlf",
            b"resource \"terraform_data\" \"a\" {\r\n  input = \"x\"\r\n}\r\n".to_vec(),
        ),
        (
            "bom",
            b"\xef\xbb\xbfresource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\n".to_vec(),
        ),
        (
            "huge number",
            b"locals {\n  x = 1e999999\n}\noutput \"x\" {\n  value = local.x\n}\n".to_vec(),
        ),
        (
            "count negative",
            b"resource \"terraform_data\" \"a\" {\n  count = -1\n}\n".to_vec(),
        ),
        (
            "count fraction",
            b"resource \"terraform_data\" \"a\" {\n  count = 1.5\n}\n".to_vec(),
        ),
        (
            "division by zero",
            b"output \"x\" {\n  value = 1 / 0\n}\n".to_vec(),
        ),
    ];
    for (name, bytes) in inputs {
        let w = Work::empty();
        std::fs::write(w.path().join("main.tf"), &bytes).unwrap();
        for args in [&["validate"][..], &["plan"][..], &["graph"][..]] {
            let r = w.run(args);
            assert!(
                r.code == 0 || r.code == 1,
                "{name}: {args:?} exited {}: {}",
                r.code,
                r.stderr
            );
        }
    }
}
