//! The command line itself: help, version, Terraform's single-dash flags,
//! `-chdir`, and flag errors.

mod cli_support;

use cli_support::gitform;

#[test]
fn no_arguments_prints_help_with_exit_127() {
    let dir = tempfile::tempdir().unwrap();
    let run = gitform(dir.path(), &[], "");
    assert_eq!(run.code, 127);
    insta::assert_snapshot!("root_help", run.stdout);
    for args in [&["-help"][..], &["--help"], &["-h"]] {
        let run = gitform(dir.path(), args, "");
        assert_eq!(run.code, 0, "{args:?}");
        assert!(
            run.stdout
                .starts_with("Usage: gitform [global options] <subcommand> [args]"),
            "{args:?}"
        );
    }
}

#[test]
fn subcommand_help() {
    let dir = tempfile::tempdir().unwrap();
    for (args, needle) in [
        (&["plan", "-help"][..], "--detailed-exitcode"),
        (&["apply", "--help"], "--auto-approve"),
        (&["state", "mv", "-help"], "<SOURCE>"),
        (&["fmt", "-h"], "--recursive"),
    ] {
        let run = gitform(dir.path(), args, "");
        assert_eq!(run.code, 0, "{args:?}");
        assert!(run.stdout.contains(needle), "{args:?}: {}", run.stdout);
    }
}

#[test]
fn version() {
    let dir = tempfile::tempdir().unwrap();
    let want = format!(
        "gitform v0.1.0\non {}_{}\n",
        std::env::consts::OS,
        match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            other => other,
        }
    );
    for args in [&["version"][..], &["-version"], &["--version"], &["-v"]] {
        let run = gitform(dir.path(), args, "");
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, want.as_str()),
            "{args:?}"
        );
    }
    let run = gitform(dir.path(), &["version", "-json"], "");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["gitform_version"], "0.1.0");
}

#[test]
fn single_and_double_dash_flags_are_equivalent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), "a=1\n").unwrap();
    for args in [
        &["fmt", "-check", "-list=false"][..],
        &["fmt", "--check", "--list=false"],
        &["fmt", "-check=true", "-list", "-list=false"],
        &["fmt", "-check", "-write=false", "-list=0"],
    ] {
        let run = gitform(dir.path(), args, "");
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (3, ""),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn chdir_runs_in_another_directory() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("main.tf"), "a=1\n").unwrap();
    for args in [
        &["-chdir=sub", "fmt", "-check"][..],
        &["--chdir", "sub", "fmt", "-check"],
    ] {
        let run = gitform(dir.path(), args, "");
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (3, "main.tf\n"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let run = gitform(dir.path(), &["-chdir=nosuch", "version"], "");
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "Error handling -chdir option: chdir nosuch: no such file or directory\n"
    );
}

#[test]
fn flag_errors_are_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["plan", "-foo"], "flag_unknown"),
        (&["plan", "-refresh=maybe"], "flag_bad_bool"),
        (&["plan", "-parallelism=many"], "flag_bad_number"),
        (&["state", "rm"], "flag_missing_argument"),
        (&["nosuch"], "unknown_command"),
    ];
    for (args, name) in cases {
        let run = gitform(dir.path(), args, "");
        assert_eq!(run.code, 1, "{args:?}");
        assert!(!run.stderr.contains("panicked"), "{args:?}");
        insta::assert_snapshot!(*name, run.stderr);
    }
}

#[test]
fn every_command_parses_terraform_flags() {
    // Parsing only: every command must accept its Terraform flags. The
    // commands run in an empty directory, so they may fail later, but never
    // with a flag error.
    let dir = tempfile::tempdir().unwrap();
    let cases: &[&[&str]] = &[
        &[
            "plan",
            "-var",
            "a=b",
            "-var-file=x.tfvars",
            "-out=p",
            "-json",
            "-no-color",
            "-detailed-exitcode",
            "-target=a.b",
            "-replace=a.b",
            "-refresh=false",
            "-parallelism=3",
            "-lock=false",
            "-lock-timeout=5s",
            "-input=false",
            "-refresh-only",
            "-destroy",
            "-compact-warnings",
        ],
        &[
            "apply",
            "-auto-approve",
            "-var",
            "a=b",
            "-target",
            "a.b",
            "-parallelism",
            "2",
            "-input=false",
            "planfile",
        ],
        &["destroy", "-auto-approve", "-target=a.b"],
        &["refresh", "-var=a=b", "-target=a.b", "-lock=false"],
        &["show", "-json", "planfile"],
        &["graph", "-type=plan", "-draw-cycles"],
        &[
            "import",
            "-var=a=b",
            "-input=false",
            "aws_vpc.main",
            "vpc-123",
        ],
        &["validate", "-json", "-no-color"],
        &["state", "list", "-state=x.db", "-id=123"],
        &[
            "state",
            "rm",
            "-dry-run",
            "-lock=false",
            "-lock-timeout=1s",
            "-backup=x",
            "a.b",
        ],
        &["state", "mv", "-dry-run", "a.b", "a.c"],
        &["taint", "-allow-missing", "-lock=false", "a.b"],
        &["untaint", "-allow-missing", "a.b"],
        &["force-unlock", "-force", "abc"],
        &["output", "-json", "-state=x.db"],
    ];
    for args in cases {
        let run = gitform(dir.path(), args, "");
        assert!(
            !run.stderr.contains("Failed to parse command-line flags"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
    }
}
