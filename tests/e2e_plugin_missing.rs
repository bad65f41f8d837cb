//! End-to-end: a configured plugin that cannot be found is reported as
//! missing, once, at its `required_providers` entry; its provider block and
//! resources are not checked against a schema the plugin never gave (no
//! "Unsupported argument", no "Invalid resource type"). Snapshots of
//! `validate` and `plan`.

mod cli_support;

use assert_cmd::Command;
use std::path::Path;

const CONFIG: &str = r#"terraform {
  required_providers {
    ghost = {
      source  = "acme/ghost"
      version = "~> 1.0"
    }
  }
}

provider "ghost" {
  path = "/srv/ghost"
}

resource "ghost_thing" "x" {
  name = "a"
}

resource "ghost_thing" "y" {
  name = ghost_thing.x.id
}

resource "terraform_data" "z" {
  input = "still checked"
}
"#;

/// `gitform args...` in `dir` with HOME at `dir/home` and no overrides;
/// stderr with the directory replaced by `[DIR]`.
fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("gitform")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .env_remove("GITFORM_PROVIDER_OVERRIDES")
        .env_remove("XDG_DATA_HOME")
        .env("HOME", dir.join("home"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let dir = std::fs::canonicalize(dir).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).replace(dir.to_str().unwrap(), "[DIR]");
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn a_missing_plugin_is_reported_once_where_it_is_required() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("home")).unwrap();
    std::fs::write(tmp.path().join("main.tf"), CONFIG).unwrap();
    for (name, args) in [
        ("missing_plugin_validate", &["validate", "-no-color"][..]),
        ("missing_plugin_plan", &["plan", "-no-color"][..]),
    ] {
        let (code, stderr) = run(tmp.path(), args);
        assert_eq!(code, 1, "{name}: {stderr}");
        assert_eq!(
            stderr.matches("Error: ").count(),
            1,
            "{name}: one diagnostic\n{stderr}"
        );
        assert!(!stderr.contains("Unsupported argument"), "{stderr}");
        assert!(!stderr.contains("Invalid resource type"), "{stderr}");
        insta::assert_snapshot!(name, stderr);
    }
}
