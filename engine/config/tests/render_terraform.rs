//! Diagnostics rendered exactly as Terraform prints them.
//!
//! Each `fixtures/render/NAME.tf` was validated with Terraform 1.11
//! (`terraform validate` and `terraform validate -no-color`, output not a
//! terminal, hence 78 columns); `NAME.color.txt` and `NAME.plain.txt` are
//! what it printed. The table below rebuilds the same diagnostic.

use gitform_config::render::{
    render_diagnostic, render_diagnostics, RenderOptions, SourceLookup, Style,
};
use gitform_value::{Diagnostic, SourceFile};
use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;

struct Case {
    name: &'static str,
    warning: bool,
    summary: &'static str,
    detail: &'static str,
    /// The highlighted text and which occurrence of it (0-based).
    highlight: (&'static str, usize),
}

const CASES: &[Case] = &[
    Case {
        name: "undeclared_variable",
        warning: false,
        summary: "Reference to undeclared input variable",
        detail: "An input variable with the name \"regon\" has not been declared. Did you mean \"region\"?",
        highlight: ("var.regon", 0),
    },
    Case {
        name: "undeclared_local_in_list",
        warning: false,
        summary: "Reference to undeclared local value",
        detail: "A local value with the name \"zzz\" has not been declared.",
        highlight: ("local.zzz", 0),
    },
    Case {
        name: "duplicate_resource",
        warning: false,
        summary: "Duplicate resource \"terraform_data\" configuration",
        detail: "A terraform_data resource named \"x\" was already declared at main.tf:1,1-30. Resource names must be unique per type in each module.",
        highlight: ("resource \"terraform_data\" \"x\"", 1),
    },
    Case {
        name: "invalid_expression_newline",
        warning: false,
        summary: "Invalid expression",
        detail: "Expected the start of an expression, but found an invalid expression token.",
        highlight: ("\n", 1),
    },
    Case {
        name: "multiline_for_each",
        warning: false,
        summary: "Invalid for_each argument",
        detail: "The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type tuple.",
        highlight: ("[\n    \"a\",\n  ]", 0),
    },
    Case {
        name: "redundant_ignore_changes",
        warning: true,
        summary: "Redundant ignore_changes element",
        detail: "Adding an attribute name to ignore_changes tells Terraform to ignore future changes to the argument in configuration after the object has been created, retaining the value originally configured.\n\nThe attribute output is decided by the provider alone and therefore there can be no configured value to compare with. Including this attribute in ignore_changes has no effect. Remove the attribute from ignore_changes to quiet this warning.",
        highlight: ("\"terraform_data\"", 0),
    },
    Case {
        name: "top_level_no_context",
        warning: false,
        summary: "Module uses experimental features",
        detail: "Experimental features are intended only for gathering early feedback on new language designs, and so are available only in alpha releases of Terraform.",
        highlight: ("experiments", 0),
    },
    Case {
        name: "unicode_and_tabs",
        warning: false,
        summary: "Reference to undeclared input variable",
        detail: "An input variable with the name \"ünknown\" has not been declared. This variable can be declared with a variable \"ünknown\" {} block.",
        highlight: ("var.ünknown", 0),
    },
];

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/render")
        .join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn build(case: &Case) -> (Diagnostic, Arc<SourceFile>) {
    let file = Arc::new(SourceFile::new(
        "main.tf",
        fixture(&format!("{}.tf", case.name)),
    ));
    let (needle, nth) = case.highlight;
    let start = file
        .text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .expect("highlight not found");
    let range = file.range(start..start + needle.len());
    let d = if case.warning {
        Diagnostic::warning(case.summary, case.detail)
    } else {
        Diagnostic::error(case.summary, case.detail)
    };
    (d.with_range(Some(range)), file)
}

#[test]
fn boxed_and_colored_like_terraform() {
    for case in CASES {
        let (d, file) = build(case);
        let sources = vec![file];
        let got = render_diagnostic(&d, &sources, &RenderOptions::terraform(true, Some(78)));
        assert_eq!(
            got,
            fixture(&format!("{}.color.txt", case.name)),
            "{}",
            case.name
        );
    }
}

#[test]
fn plain_like_terraform_no_color() {
    for case in CASES {
        let (d, file) = build(case);
        let sources: HashMap<Arc<str>, Arc<SourceFile>> =
            HashMap::from([(file.name.clone(), file)]);
        let got = render_diagnostic(&d, &sources, &RenderOptions::terraform(false, Some(78)));
        assert_eq!(
            got,
            fixture(&format!("{}.plain.txt", case.name)),
            "{}",
            case.name
        );
    }
}

fn file(text: &str) -> Vec<Arc<SourceFile>> {
    vec![Arc::new(SourceFile::new("main.tf", text))]
}

fn boxed() -> RenderOptions {
    RenderOptions {
        color: false,
        width: None,
        style: Style::Boxed,
    }
}

/// Layouts of situations Terraform's renderer handles but that are hard to
/// provoke with `terraform validate`; expected texts follow its code.
#[test]
fn layout_cases() {
    let src = file("resource \"terraform_data\" \"x\" {\r\n  input = 1\r\n}\r\n");
    let range = |s: usize, e: usize| Some(src[0].range(s..e));
    let at = src[0].text.find("input").unwrap();
    let cases: Vec<(&str, Diagnostic, &dyn SourceLookup, RenderOptions, &str)> = vec![
        (
            "no range, no detail",
            Diagnostic::error("No configuration files", ""),
            &src,
            boxed(),
            "╷\n│ Error: No configuration files\n│\n╵\n",
        ),
        (
            "no range, detail",
            Diagnostic::warning("Something odd", "First line.\n  indented line kept as is"),
            &src,
            boxed(),
            "╷\n│ Warning: Something odd\n│\n│ First line.\n│   indented line kept as is\n╵\n",
        ),
        (
            "address and range",
            Diagnostic::error("Provider error", "Boom.").with_address("terraform_data.x").with_range(range(at, at + 5)),
            &src,
            boxed(),
            "╷\n│ Error: Provider error\n│\n│   with terraform_data.x,\n│   on main.tf line 2, in resource \"terraform_data\" \"x\":\n│    2:   input = 1\n│\n│ Boom.\n╵\n",
        ),
        (
            "address without range",
            Diagnostic::error("Provider error", "Boom.").with_address("terraform_data.x"),
            &src,
            boxed(),
            "╷\n│ Error: Provider error\n│\n│   with terraform_data.x,\n│ Boom.\n╵\n",
        ),
        (
            "source not available",
            Diagnostic::error("Bad", "Detail.").with_range(range(at, at + 5)),
            &(),
            boxed(),
            "╷\n│ Error: Bad\n│\n│   on main.tf line 2:\n│   (source code not available)\n│\n│ Detail.\n╵\n",
        ),
        (
            "empty range widened to one character, colored",
            Diagnostic::error("Bad", "").with_range(range(at, at)),
            &src,
            RenderOptions { color: true, ..boxed() },
            "\x1b[31m╷\x1b[0m\x1b[0m\n\x1b[31m│\x1b[0m \x1b[0m\x1b[1m\x1b[31mError: \x1b[0m\x1b[0m\x1b[1mBad\x1b[0m\n\x1b[31m│\x1b[0m \x1b[0m\n\x1b[31m│\x1b[0m \x1b[0m\x1b[0m  on main.tf line 2, in resource \"terraform_data\" \"x\":\n\x1b[31m│\x1b[0m \x1b[0m   2:   \x1b[4mi\x1b[0mnput = 1\x1b[0m\n\x1b[31m│\x1b[0m \x1b[0m\n\x1b[31m╵\x1b[0m\x1b[0m\n",
        ),
        (
            "plain style ignores color",
            Diagnostic::error("Bad", "Detail.").with_range(range(at, at + 5)),
            &src,
            RenderOptions { color: true, width: None, style: Style::Plain },
            "\nError: Bad\n\n  on main.tf line 2, in resource \"terraform_data\" \"x\":\n   2:   input = 1\n\nDetail.\n",
        ),
        (
            "narrow width wraps detail",
            Diagnostic::error("Bad", "one two three four five"),
            &src,
            RenderOptions { width: Some(12), ..boxed() },
            "╷\n│ Error: Bad\n│\n│ one two\n│ three\n│ four five\n╵\n",
        ),
    ];
    for (what, d, sources, opts, want) in cases {
        assert_eq!(render_diagnostic(&d, sources, &opts), want, "{what}");
    }
}

#[test]
fn several_diagnostics_follow_each_other() {
    let diags = [Diagnostic::error("A", ""), Diagnostic::warning("B", "")];
    assert_eq!(
        render_diagnostics(&diags, &(), &boxed()),
        "╷\n│ Error: A\n│\n╵\n╷\n│ Warning: B\n│\n╵\n"
    );
    assert_eq!(
        render_diagnostics(&diags, &(), &RenderOptions::terraform(false, None)),
        "\nError: A\n\n\nWarning: B\n\n"
    );
}

#[test]
fn any_range_renders_without_panicking() {
    // Ranges at every offset of a source with multi-byte characters, CRLF
    // line ends and blank lines, including empty, inverted and stale ones.
    let text = "locals {\r\n\tnaïve = \"é\"\r\n\r\n  b = [\n    1,\n  ]\n}\n";
    let src = file(text);
    let len = text.len();
    for start in 0..=len + 2 {
        for end in [
            start.saturating_sub(1),
            start,
            start + 1,
            start + 7,
            len + 5,
        ] {
            let mut range = src[0].range(start.min(len)..end.min(len));
            range.start.byte = start;
            range.end.byte = end;
            let d = Diagnostic::error("S", "D").with_range(Some(range));
            let out = render_diagnostic(&d, &src, &RenderOptions::terraform(true, Some(40)));
            assert!(
                out.starts_with("\x1b[31m╷") && out.ends_with("╵\x1b[0m\x1b[0m\n"),
                "{start}..{end}: {out}"
            );
            let out = render_diagnostic(&d, &src, &RenderOptions::terraform(false, None));
            assert!(
                out.starts_with("\nError: S\n\n  on main.tf line "),
                "{start}..{end}: {out}"
            );
        }
    }
}
