//! `gitform agent -validate`: every agent configuration fixture in
//! `tests/fixtures/agent/config` is checked by the real binary, and what it
//! prints is snapshotted. Mistakes come back as diagnostics with file,
//! line, column and snippet, all of them at once; nothing panics.

mod cli_support;

use cli_support::{fixture, gitform};

/// Runs the binary with extra environment variables.
fn gitform_env(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> cli_support::Run {
    let out = assert_cmd::Command::cargo_bin("gitform")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .envs(env.iter().copied())
        .env_remove("GITFORM_LOG")
        .env_remove("NO_SUCH_VARIABLE")
        .output()
        .unwrap();
    cli_support::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Fixture name, expected exit code.
const CASES: &[(&str, i32)] = &[
    ("valid", 0),
    ("unknown_names", 1),
    ("bad_values", 1),
    ("structure", 1),
    ("syntax", 1),
    ("empty", 1),
    ("expressions", 1),
];

#[test]
fn agent_configuration_fixtures() {
    let dir = fixture("agent/config");
    for (name, code) in CASES {
        let file = format!("{name}.hcl");
        let run = gitform_env(
            &dir,
            &["agent", "-config", &file, "-validate"],
            &[("GITFORM_TEST_SYNC_SECRET", "from-the-environment")],
        );
        assert_eq!(
            run.code, *code,
            "{file}: exit code\nstdout:\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{file}: {}", run.stderr);
        let output = format!("--- stdout\n{}--- stderr\n{}", run.stdout, run.stderr);
        insta::assert_snapshot!(format!("agent_config_{name}"), output);
    }
}

#[test]
fn a_missing_configuration_file_is_explained() {
    let dir = fixture("agent/config");
    let run = gitform(&dir, &["agent", "--config", "nope.hcl", "-validate"], "");
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("Could not read nope.hcl: no such file or directory"),
        "{}",
        run.stderr
    );
}
