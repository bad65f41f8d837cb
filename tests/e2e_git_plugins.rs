//! End-to-end: a configuration read from a commit brings its own plugin
//! requirements. `plan -rev` enforces the version constraint of the
//! commit's `required_providers`, not of whatever the working tree holds;
//! plugins are looked for in the working directory's `.gitform/plugins/`.
//! The plugin is the fault tests' Python plugin (version 1.0.0), installed
//! flat; the real binary, a real repository.

mod cli_support;
#[path = "../engine/git/tests/support/mod.rs"]
mod git_support;

use assert_cmd::Command;
use git_support::{git, write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn requiring(version: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    faulty = {{\n      source  = \"acme/faulty\"\n      version = \"{version}\"\n    }}\n  }}\n}}\n\nresource \"faulty_thing\" \"a\" {{\n  name = \"a\"\n}}\n"
    )
}

/// `gitform args...` in `dir`, with no plugin override and a HOME of its
/// own (no user plugin directory).
fn gitform(dir: &Path, home: &Path, args: &[&str]) -> cli_support::Run {
    let out = Command::cargo_bin("gitform")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .env_remove("GITFORM_PROVIDER_OVERRIDES")
        .env_remove("XDG_DATA_HOME")
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    cli_support::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The words of a diagnostic, without its frame and line breaks.
fn flat(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| !matches!(*w, "│" | "╷" | "╵"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn plan_rev_enforces_the_commits_plugin_version_constraint() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let root = tmp.path().join("repo");
    std::fs::create_dir(&root).unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    write(&root, ".gitignore", ".gitform/\n");
    write(&root, "infra/main.tf", &requiring("~> 2.0"));
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "needs faulty 2"]);
    let needs_2 = git(&root, &["rev-parse", "HEAD"]);
    write(&root, "infra/main.tf", &requiring("~> 1.0"));
    git(&root, &["commit", "-q", "-am", "needs faulty 1"]);
    let needs_1 = git(&root, &["rev-parse", "HEAD"]);
    // The working tree mentions no version at all.
    let infra = root.join("infra");
    write(
        &root,
        "infra/main.tf",
        "resource \"faulty_thing\" \"a\" {\n  name = \"a\"\n}\n",
    );
    // Version 1.0.0, installed in the working directory.
    let plugin = infra.join(".gitform/plugins/gitform-provider-faulty");
    std::fs::create_dir_all(plugin.parent().unwrap()).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/plugins/faulty/gitform-provider-faulty"),
        &plugin,
    )
    .unwrap();
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();

    let refused = gitform(&infra, &home, &["plan", "-rev", &needs_2]);
    assert_eq!(refused.code, 1, "{}\n{}", refused.stdout, refused.stderr);
    let err = flat(&refused.stderr);
    assert!(
        err.contains("Error: Provider version does not match the configuration"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "The plugin \"faulty\" ({}) is version 1.0.0, but the configuration requires version \"~> 2.0\".",
            plugin.display()
        )),
        "{err}"
    );
    // At the commit's required_providers entry, with the commit's line.
    assert!(err.contains("on main.tf line 3"), "{err}");
    assert!(err.contains("3: faulty = {"), "{err}");

    let accepted = gitform(&infra, &home, &["plan", "-rev", &needs_1]);
    assert_eq!(accepted.code, 0, "{}\n{}", accepted.stdout, accepted.stderr);
    assert!(
        accepted
            .stdout
            .contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "{}",
        accepted.stdout
    );
    // The working tree's own configuration, without a constraint.
    let tree = gitform(&infra, &home, &["plan"]);
    assert_eq!(tree.code, 0, "{}\n{}", tree.stdout, tree.stderr);
}
