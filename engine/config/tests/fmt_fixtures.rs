//! `format_source` against the real `terraform fmt`: every
//! `fixtures/fmt/NAME.out.tf` was produced by running Terraform 1.11's
//! `terraform fmt -` on `NAME.in.tf`.

use gitform_config::fmt::{format_diff, format_source};
use std::fs;
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<(String, PathBuf, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fmt");
    let mut cases: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let name = path
                .file_name()?
                .to_str()?
                .strip_suffix(".in.tf")?
                .to_string();
            let out = dir.join(format!("{name}.out.tf"));
            Some((name, path, out))
        })
        .collect();
    cases.sort();
    cases
}

fn read(path: &Path) -> String {
    String::from_utf8(fs::read(path).unwrap()).unwrap()
}

#[test]
fn matches_terraform_fmt() {
    let cases = fixtures();
    assert!(cases.len() >= 25, "only {} fixtures", cases.len());
    let mut failures = Vec::new();
    for (name, input, output) in &cases {
        let want = read(output);
        match format_source(&read(input)) {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!(
                "{name}: output differs from terraform fmt\n{}",
                format_diff(&format!("{name}.out.tf"), &want, &got)
            )),
            Err(diags) => failures.push(format!("{name}: unexpected errors: {diags}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn formatting_is_idempotent() {
    for (name, input, output) in fixtures() {
        let want = read(&output);
        assert_eq!(
            format_source(&want).as_ref(),
            Ok(&want),
            "{name}: terraform's output is not stable"
        );
        let once = format_source(&read(&input)).unwrap();
        assert_eq!(
            format_source(&once).unwrap(),
            once,
            "{name}: format(format(x)) != format(x)"
        );
    }
}

#[test]
fn invalid_files_are_not_formatted() {
    // Each of these makes `terraform fmt` fail; where gitform reports the
    // same first problem, its summary is given.
    let cases = [
        ("x = <<EOT\nhi\nEOT", Some("Unterminated template string")),
        ("x = \"abc\n", Some("Invalid multi-line string")),
        ("a = 1 ^ 2\n", Some("Unsupported operator")),
        ("a = 'x'\n", Some("Invalid character")),
        (
            "a = \"%{ forx in y }%{ endfor }\"\n",
            Some("Invalid template control keyword"),
        ),
        ("a = \"%{ endif }\"\n", Some("Unexpected endif directive")),
        (
            "a = \"%{ if true }x\"\n",
            Some("Unexpected end of template"),
        ),
        (
            "a = \"%{ for x in y }%{ endif }\"\n",
            Some("Unexpected endif directive"),
        ),
        ("a = \"%{ 1 }\"\n", Some("Invalid template directive")),
        ("resource \"a\" \"b\" {\n  x = 1\n", None),
        ("locals {\n  a = 1 +\n}\n", None),
        ("a = 1 b = 2\n", None),
        ("locals {\n  \"a\" = 1\n}\n", None),
        ("}\n", None),
        ("/* never closed\na = 1\n", None),
    ];
    for (src, summary) in cases {
        let diags = format_source(src).expect_err(src);
        assert!(diags.has_errors(), "{src}");
        let d = &diags.0[0];
        if let Some(summary) = summary {
            assert_eq!(d.summary, summary, "{src}");
        }
        let range = d
            .range
            .as_ref()
            .unwrap_or_else(|| panic!("{src}: no range"));
        assert_eq!(&*range.filename, "<stdin>", "{src}");
    }
}

#[test]
fn template_directive_errors_read_like_terraform() {
    let diags = format_source("a = \"%{ for x in y }%{ endif }\"\n").unwrap_err();
    assert_eq!(
        diags.0[0].detail,
        "Expecting an endfor directive corresponding to the for directive at <stdin>:1,6-21."
    );
    let diags = format_source("a = \"%{ forx in y }%{ endfor }\"\n").unwrap_err();
    assert_eq!(
        diags.0[0].detail,
        "\"forx\" is not a valid template control keyword. Did you mean \"for\"?"
    );
    let diags = format_source("a = \"%{ if true }x\"\n").unwrap_err();
    assert_eq!(
        diags.0[0].detail,
        "The if directive at <stdin>:1,6-18 is missing its corresponding endif directive."
    );
}

#[test]
fn unreadable_labels_are_kept() {
    // Terraform drops labels it cannot decode (`resource "c" {}`), which
    // changes the meaning of the file; gitform keeps them.
    assert_eq!(
        format_source("resource \"a$b\" c {}\nresource x /* c */ \"y\" {}\n").unwrap(),
        "resource \"a$b\" \"c\" {}\nresource \"x\" \"y\" {}\n"
    );
}

#[test]
fn diff_like_terraform_fmt_diff() {
    let old = "a=1\nb = 2\n";
    let new = format_source(old).unwrap();
    assert_eq!(
        format_diff("main.tf", old, &new),
        "--- old/main.tf\n+++ new/main.tf\n@@ -1,2 +1,2 @@\n-a=1\n+a = 1\n b = 2\n"
    );
    // Output of `terraform fmt -diff` for a file without a final newline.
    assert_eq!(
        format_diff("nonl.tf", "k=1", "k = 1"),
        "--- old/nonl.tf\n+++ new/nonl.tf\n@@ -1 +1 @@\n-k=1\n\\ No newline at end of file\n+k = 1\n\\ No newline at end of file\n"
    );
    let old: String = (0..10)
        .map(|i| format!("v{i} = {i}\n"))
        .collect::<String>()
        .replace("v9 = 9", "v9=9");
    assert_eq!(
        format_diff("other.tf", &old, &format_source(&old).unwrap()),
        "--- old/other.tf\n+++ new/other.tf\n@@ -7,4 +7,4 @@\n v6 = 6\n v7 = 7\n v8 = 8\n-v9=9\n+v9 = 9\n"
    );
    assert_eq!(format_diff("main.tf", &new, &new), "");
}

#[test]
fn truncated_inputs_never_panic_and_stay_stable() {
    // Every prefix of every fixture: either a syntax error, or a result that
    // formatting leaves unchanged.
    for (name, input, _) in fixtures() {
        let text = read(&input);
        for (cut, _) in text.char_indices().step_by(3) {
            let prefix = &text[..cut];
            if let Ok(once) = format_source(prefix) {
                assert_eq!(
                    format_source(&once).as_ref(),
                    Ok(&once),
                    "{name} cut at {cut}"
                );
            }
        }
    }
}
