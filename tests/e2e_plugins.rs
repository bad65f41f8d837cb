//! End-to-end: provider plugins through the real binary. The example
//! plugins (Rust SDK and plain Python) and the tutorial's plugin pass the
//! contract kit (`gitform provider test`), and the example configurations
//! apply, plan "No changes", show drift made outside gitform, and destroy.

#[path = "fixtures/e2e/support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use support::{repo_root, Run, Work};

/// `target/debug` (the directory of the binary under test).
fn target_dir() -> PathBuf {
    support::bin()
        .parent()
        .map(Path::to_path_buf)
        .expect("the binary has a directory")
}

/// Builds the example plugin crates once (cargo knows when they are
/// fresh) and returns the path of `bin`.
fn plugin_bin(bin: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<Option<String>>> = OnceLock::new();
    let lock = BUILT.get_or_init(|| Mutex::new(None));
    let mut built = lock.lock().unwrap_or_else(|e| e.into_inner());
    if built.is_none() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let out = std::process::Command::new(cargo)
            .current_dir(repo_root())
            .args([
                "build",
                "-p",
                "gitform-provider-sqlite",
                "-p",
                "gitform-provider-tutorial",
            ])
            .output()
            .expect("run cargo build");
        assert!(
            out.status.success(),
            "building the example plugins failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        *built = Some("ok".to_string());
    }
    let path = target_dir().join(bin);
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

fn python_plugin_dir() -> PathBuf {
    repo_root().join("examples/provider-python")
}

fn provider_test(plugin: &Path, contract: &str) -> Run {
    let w = Work::empty();
    let contract = repo_root().join(contract);
    w.run(&[
        "provider",
        "test",
        &format!("-plugin={}", plugin.display()),
        &format!("-contract={}", contract.display()),
    ])
}

/// Every check of a passing report, and no failure.
#[track_caller]
fn assert_contract_passes(r: Run, checks: usize) {
    let r = r.ok();
    let summary = format!("Success! {checks} passed, 0 failed.");
    assert!(r.stdout.contains(&summary), "{}", r.stdout);
    assert!(!r.stdout.contains("... fail"), "{}", r.stdout);
    assert!(!r.stdout.contains("... skip"), "{}", r.stdout);
}

#[test]
fn sqlite_plugin_passes_the_contract() {
    let r = provider_test(
        &plugin_bin("gitform-provider-sqlite"),
        "examples/provider-sqlite/contract.hcl",
    );
    assert!(r.stdout.contains("Testing sqlite 0.1.0"), "{}", r.stdout);
    assert_contract_passes(r, 29);
}

#[test]
fn python_plugin_passes_the_contract() {
    let r = provider_test(
        &python_plugin_dir().join("gitform-provider-notes"),
        "examples/provider-python/contract.hcl",
    );
    assert!(r.stdout.contains("Testing notes 0.1.0"), "{}", r.stdout);
    assert_contract_passes(r, 17);
}

#[test]
fn tutorial_plugin_passes_the_contract() {
    let r = provider_test(
        &plugin_bin("gitform-provider-tutorial"),
        "examples/provider-tutorial/contract.hcl",
    );
    assert_contract_passes(r, 15);
}

/// A plugin found by name (an override directory) instead of by path.
#[test]
fn provider_test_finds_a_plugin_by_name() {
    let w = Work::empty();
    let contract = repo_root().join("examples/provider-python/contract.hcl");
    let dir = python_plugin_dir();
    let r = w.run_env(
        &[
            "provider",
            "test",
            &format!("-contract={}", contract.display()),
            "notes",
        ],
        &[("GITFORM_PROVIDER_OVERRIDES", &dir.display().to_string())],
    );
    assert_contract_passes(r, 17);
}

/// A contract the plugin breaks: the report says which check failed and
/// why, and the exit code is 1.
#[test]
fn a_broken_contract_fails_with_exit_code_1() {
    let w = Work::empty();
    // name forces a replacement, so "update" (in place) is wrong.
    w.write(
        "contract.hcl",
        r#"
provider {
  directory = "${path.root}/notes"
}

resource "notes_note" "x" {
  create {
    name = "first"
    body = "a"
  }
  update {
    name = "second"
    body = "a"
  }
}
"#,
    );
    let plugin = python_plugin_dir().join("gitform-provider-notes");
    let r = w
        .run(&["provider", "test", &format!("-plugin={}", plugin.display())])
        .code(1);
    assert!(r.stdout.contains("    update_1... fail"), "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "Expected an update in place, but the plan replaces the object (forced by name)."
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("Failure! 11 passed, 1 failed, 2 skipped."),
        "{}",
        r.stdout
    );
}

/// A mistake in the contract file is a diagnostic with a snippet.
#[test]
fn a_contract_file_mistake_is_a_diagnostic() {
    let w = Work::empty();
    w.write(
        "contract.hcl",
        "resource \"notes_note\" \"x\" {\n  create {\n    name = \"a\"\n    boddy = \"b\"\n  }\n}\n",
    );
    let plugin = python_plugin_dir().join("gitform-provider-notes");
    let r = w
        .run(&["provider", "test", &format!("-plugin={}", plugin.display())])
        .code(1);
    assert!(
        r.stderr.contains("Error: Unsupported argument"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("4:     boddy = \"b\""), "{}", r.stderr);
    assert!(r.stderr.contains("Did you mean \"body\"?"), "{}", r.stderr);
}

/// Runs a small Python program (the standard library's sqlite3) in `dir`.
fn python(dir: &Path, code: &str) -> String {
    let out = std::process::Command::new("python3")
        .current_dir(dir)
        .args(["-c", code])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn sqlite_example_config_lifecycle() {
    let w = Work::repo_dir("examples/provider-sqlite/config");
    // Installed the way a user would: the project's plugin directory.
    let plugins = w.path().join(".gitform/plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(
        plugin_bin("gitform-provider-sqlite"),
        plugins.join("gitform-provider-sqlite"),
    )
    .unwrap();

    w.apply(&[])
        .stdout_has("Apply complete! Resources: 3 added, 0 changed, 0 destroyed.")
        .stdout_has("motd = \"Running api, worker\"");
    let rows = python(
        w.path(),
        "import sqlite3; c = sqlite3.connect('inventory.sqlite'); print(c.execute('select key, value, version from services order by key').fetchall())",
    );
    assert_eq!(
        rows,
        "[('api', 'registry.local/api:1.4', 1), ('worker', 'registry.local/worker:2.0', 1)]"
    );
    w.plan_code(&[]).code(0).stdout_has("No changes.");

    // Drift: a row changed and a row deleted outside gitform.
    python(
        w.path(),
        "import sqlite3; c = sqlite3.connect('inventory.sqlite'); c.execute(\"update services set value = 'hacked' where key = 'api'\"); c.execute(\"delete from services where key = 'worker'\"); c.commit()",
    );
    w.plan_code(&[])
        .code(2)
        .stdout_has("Objects have changed outside of gitform")
        .stdout_has("# sqlite_item.service[\"api\"] has changed")
        .stdout_has("~ value = \"registry.local/api:1.4\" -> \"hacked\"")
        .stdout_has("# sqlite_item.service[\"worker\"] has been deleted")
        .stdout_has("~ value      = \"hacked\" -> \"registry.local/api:1.4\"")
        .stdout_has("~ version    = 1 -> 2")
        .stdout_has("Plan: 1 to add, 1 to change, 0 to destroy.");
    w.apply(&[])
        .stdout_has("Apply complete! Resources: 1 added, 1 changed, 0 destroyed.");
    w.plan_code(&[]).code(0).stdout_has("No changes.");

    w.run(&["destroy", "-auto-approve"])
        .ok()
        .stdout_has("Destroy complete! Resources: 3 destroyed.");
    let left = python(
        w.path(),
        "import sqlite3; c = sqlite3.connect('inventory.sqlite'); print(sum(c.execute('select count(*) from ' + t).fetchone()[0] for t in ('services', 'settings')))",
    );
    assert_eq!(left, "0");
    assert!(w.state_list().is_empty());
}

#[test]
fn python_example_config_lifecycle() {
    let w = Work::repo_dir("examples/provider-python/config");
    let overrides = python_plugin_dir().display().to_string();
    let env = [("GITFORM_PROVIDER_OVERRIDES", overrides.as_str())];
    let run = |args: &[&str]| w.run_env(args, &env);

    run(&["apply", "-auto-approve"])
        .ok()
        .stdout_has("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");
    let note: serde_json::Value =
        serde_json::from_str(&w.read("notes/runbook.json")).expect("a JSON note");
    assert_eq!(note["priority"], 5);
    assert_eq!(note["tags"], serde_json::json!(["ops"]));
    let oncall: serde_json::Value =
        serde_json::from_str(&w.read("notes/oncall.json")).expect("a JSON note");
    assert_eq!(oncall["secret"], "pager PIN 0000");
    run(&["plan", "-detailed-exitcode"])
        .code(0)
        .stdout_has("No changes.");

    // The secret never shows.
    let shown = run(&["show"]).ok();
    assert!(!shown.stdout.contains("pager PIN"), "{}", shown.stdout);

    // Drift: the runbook edited by hand, the on-call note removed.
    w.edit(
        "notes/runbook.json",
        "systemctl restart worker",
        "kill -9 worker",
    );
    std::fs::remove_file(w.path().join("notes/oncall.json")).unwrap();
    run(&["plan", "-detailed-exitcode"])
        .code(2)
        .stdout_has("# notes_note.runbook has changed")
        .stdout_has("# notes_note.oncall has been deleted")
        .stdout_has("~ body       = \"Restart the worker with: kill -9 worker\" -> \"Restart the worker with: systemctl restart worker\"")
        .stdout_has("Plan: 1 to add, 1 to change, 0 to destroy.");
    run(&["apply", "-auto-approve"])
        .ok()
        .stdout_has("Apply complete! Resources: 1 added, 1 changed, 0 destroyed.");
    run(&["plan", "-detailed-exitcode"])
        .code(0)
        .stdout_has("No changes.");

    run(&["destroy", "-auto-approve"])
        .ok()
        .stdout_has("Destroy complete! Resources: 2 destroyed.");
    let left: Vec<_> = std::fs::read_dir(w.path().join("notes")).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// The code blocks of `docs/providers/authoring.md` marked
/// `<!-- file: PATH -->`, by path, in order.
fn doc_blocks(doc: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        let Some(path) = line
            .strip_prefix("<!-- file: ")
            .and_then(|l| l.strip_suffix(" -->"))
        else {
            continue;
        };
        let fence = lines.next().unwrap_or_default();
        assert!(
            fence.starts_with("```"),
            "{path}: no code block after the marker"
        );
        let mut block = String::new();
        for l in lines.by_ref() {
            if l == "```" {
                break;
            }
            block.push_str(l);
            block.push('\n');
        }
        out.entry(path.to_string()).or_default().push(block);
    }
    out
}

/// The tutorial shows exactly the code CI builds and tests: each file's
/// blocks, joined by blank lines, are the whole file.
#[test]
fn the_tutorial_shows_the_tested_code() {
    let doc = std::fs::read_to_string(repo_root().join("docs/providers/authoring.md")).unwrap();
    let blocks = doc_blocks(&doc);
    let files = [
        "examples/provider-tutorial/Cargo.toml",
        "examples/provider-tutorial/src/main.rs",
        "examples/provider-tutorial/config/main.tf",
        "examples/provider-tutorial/contract.hcl",
    ];
    assert_eq!(blocks.keys().map(String::as_str).collect::<Vec<_>>(), {
        let mut f = files.to_vec();
        f.sort();
        f
    });
    for file in files {
        let want = std::fs::read_to_string(repo_root().join(file)).unwrap();
        let parts: Vec<&str> = blocks[file]
            .iter()
            .map(|b| b.trim_end_matches('\n'))
            .collect();
        let shown = format!("{}\n", parts.join("\n\n"));
        assert!(
            shown == want,
            "docs/providers/authoring.md does not show {file} as it is; update the doc.\n{}",
            first_difference(&shown, &want)
        );
    }
}

fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n  doc:  {x}\n  file: {y}", i + 1);
        }
    }
    format!(
        "one is a prefix of the other ({} vs {} lines)",
        a.lines().count(),
        b.lines().count()
    )
}

/// The tutorial's configuration works as the tutorial says.
#[test]
fn tutorial_config_lifecycle() {
    let w = Work::repo_dir("examples/provider-tutorial/config");
    let overrides = target_dir().display().to_string();
    plugin_bin("gitform-provider-tutorial");
    let env = [("GITFORM_PROVIDER_OVERRIDES", overrides.as_str())];
    let run = |args: &[&str]| w.run_env(args, &env);
    run(&["apply", "-auto-approve"])
        .ok()
        .stdout_has("+ size    = 28")
        .stdout_has("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.");
    assert_eq!(w.read("hello.txt"), "Hello from my first plugin!\n");
    run(&["plan", "-detailed-exitcode"])
        .code(0)
        .stdout_has("No changes.");
    w.write("hello.txt", "edited\n");
    run(&["plan", "-detailed-exitcode"])
        .code(2)
        .stdout_has("# tutorial_file.hello has changed");
    run(&["destroy", "-auto-approve"])
        .ok()
        .stdout_has("Destroy complete! Resources: 1 destroyed.");
    assert!(!w.path().join("hello.txt").exists());
}

/// A plugin that dies in the middle of the run: the checks that needed it
/// fail with the plugin's exit named, the command ends (no hang) with
/// exit code 1.
#[test]
fn a_plugin_that_crashes_fails_the_contract() {
    let w = Work::empty();
    let script = r#"#!/usr/bin/env python3
import json, sys
schema = {"provider": {"block": {}}, "data_sources": {}, "resources": {"crash_thing": {"block": {"attributes": {
    "name": {"type": "string", "required": True}, "id": {"type": "string", "computed": True}}}}}}
for line in sys.stdin:
    msg = json.loads(line)
    method, result = msg["method"], {"diagnostics": []}
    if method == "handshake":
        result = {"protocol_version": 1, "name": "crash", "version": "0.0.1", "schema": schema}
    elif method == "plan":
        p = msg["params"]["proposed_new_state"]
        result = {"planned_state": p and dict(p, id={"$t": "unknown", "type": "string"})}
    elif method == "apply":
        print("about to fall over", file=sys.stderr, flush=True)
        sys.exit(3)
    print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}), flush=True)
"#;
    w.write("gitform-provider-crash", script);
    let path = w.path().join("gitform-provider-crash");
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&path, perms).unwrap();
    w.write(
        "contract.hcl",
        "resource \"crash_thing\" \"x\" {\n  create {\n    name = \"a\"\n  }\n}\n",
    );
    let r = w
        .run(&["provider", "test", "-plugin=gitform-provider-crash"])
        .code(1);
    assert!(r.stdout.contains("    plan_create... pass"), "{}", r.stdout);
    assert!(
        r.stdout.contains("    apply_create... fail"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("gitform-provider-crash"), "{}", r.stdout);
    assert!(r.stdout.contains("about to fall over"), "{}", r.stdout);
}
