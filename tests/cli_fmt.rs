//! `gitform fmt`: listing, writing, -check (exit 3), -diff, -recursive,
//! stdin, and syntax errors (exit 2), as `terraform fmt` does.

mod cli_support;

use cli_support::{fixture_copy, gitform};

const MAIN_FORMATTED: &str = r#"resource "aws_vpc" "main" {
  cidr_block         = "10.0.0.0/16"
  enable_dns_support = true
  tags = {
    Name = "main"
  }
}
"#;

#[test]
fn listing_and_exit_codes() {
    // (args, exit code, stdout) — the stdout of `terraform fmt` on the same files.
    let cases: &[(&[&str], i32, &str)] = &[
        (&["fmt", "-check"], 3, "main.tf\nterraform.tfvars\n"),
        (&["fmt", "-check", "-list=false"], 3, ""),
        (
            &["fmt", "-check", "-recursive"],
            3,
            "main.tf\nmodules/net/main.tf\nterraform.tfvars\n",
        ),
        (&["fmt", "-write=false"], 0, "main.tf\nterraform.tfvars\n"),
        (&["fmt", "-check", "modules"], 0, ""),
        (
            &["fmt", "-check", "modules/net"],
            3,
            "modules/net/main.tf\n",
        ),
        (
            &["fmt", "-check", "./modules/net/"],
            3,
            "modules/net/main.tf\n",
        ),
        (
            &["fmt", "-check", "terraform.tfvars"],
            3,
            "terraform.tfvars\n",
        ),
        (&["fmt", "-check", "notes.txt"], 2, ""),
        (&["fmt", "-check", "missing"], 2, ""),
    ];
    for (args, code, stdout) in cases {
        let dir = fixture_copy("fmt-unformatted");
        let run = gitform(dir.path(), args, "");
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (*code, *stdout),
            "{args:?}: {}",
            run.stderr
        );
        let main = std::fs::read_to_string(dir.path().join("main.tf")).unwrap();
        assert_ne!(main, MAIN_FORMATTED, "{args:?} must not write");
    }
}

#[test]
fn writes_files() {
    let dir = fixture_copy("fmt-unformatted");
    let run = gitform(dir.path(), &["fmt", "-recursive"], "");
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "main.tf\nmodules/net/main.tf\nterraform.tfvars\n")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.tf")).unwrap(),
        MAIN_FORMATTED
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("terraform.tfvars")).unwrap(),
        "region = \"eu-west-1\"\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "a=1\n",
        "other files untouched"
    );
    let run = gitform(dir.path(), &["fmt", "-check", "-recursive"], "");
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));

    let formatted = fixture_copy("fmt-formatted");
    let run = gitform(formatted.path(), &["fmt"], "");
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
}

#[test]
fn diff_output() {
    let dir = fixture_copy("fmt-unformatted");
    let run = gitform(dir.path(), &["fmt", "-check", "-diff"], "");
    assert_eq!(run.code, 3);
    insta::assert_snapshot!("fmt_check_diff", run.stdout);
}

#[test]
fn stdin() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str, i32, &str)] = &[
        (&["fmt", "-"], "a=1\n", 0, "a = 1\n"),
        (&["fmt", "-"], "a=1", 0, "a = 1\n"),
        (&["fmt", "-"], "a = 1\n", 0, "a = 1\n"),
        (&["fmt", "-check", "-"], "a=1\n", 3, ""),
        (&["fmt", "-check", "-"], "a = 1\n", 0, ""),
        (
            &["fmt", "-diff", "-"],
            "a=1\n",
            0,
            "--- old/<stdin>\n+++ new/<stdin>\n@@ -1 +1 @@\n-a=1\n+a = 1\n",
        ),
        (&["fmt", "-"], "a = \n", 2, ""),
    ];
    for (args, stdin, code, stdout) in cases {
        let run = gitform(dir.path(), args, stdin);
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (*code, *stdout),
            "{args:?} {stdin:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn syntax_errors_are_reported_and_other_files_still_formatted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.tf"), "a = \n").unwrap();
    std::fs::write(dir.path().join("ok.tf"), "b=2\n").unwrap();
    let run = gitform(dir.path(), &["fmt", "-no-color"], "");
    assert_eq!((run.code, run.stdout.as_str()), (2, "ok.tf\n"));
    assert!(run.stderr.contains("on bad.tf line 1:"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ok.tf")).unwrap(),
        "b = 2\n"
    );
    let run = gitform(dir.path(), &["fmt", "-no-color", "missing"], "");
    insta::assert_snapshot!("fmt_missing_target", run.stderr);
}
