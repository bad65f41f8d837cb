//! The contract kit against the builtin providers (which keep the
//! contract) and against a provider with one deliberate fault at a time
//! (each fault must fail exactly the checks that cover it).

mod mem_provider;

use gitform_provider::Provider;
use gitform_provider_contract::{load_suite, load_suite_source, run_suite, Outcome, Paths, Report};
use mem_provider::{Fault, MemProvider};
use std::path::Path;
use std::sync::Arc;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs a fixture contract against a provider, in a scratch copy of the
/// fixture so files the provider writes land in a temporary directory.
async fn run_fixture(name: &str, provider: Arc<dyn Provider>) -> (Report, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::copy(fixture(name), &path).unwrap();
    let mut suite = match load_suite(&path, &provider.schema(), dir.path()) {
        Ok(s) => s,
        Err(d) => panic!("{name} does not load: {d:?}"),
    };
    suite.source = name.to_string();
    (run_suite(provider, &suite).await, dir)
}

fn here() -> Paths {
    Paths {
        module: ".".into(),
        root: ".".into(),
    }
}

fn check_names(report: &Report) -> Vec<String> {
    report
        .results
        .iter()
        .map(|r| format!("{}: {}", r.case, r.check))
        .collect()
}

#[tokio::test]
async fn builtin_providers_keep_the_contract() {
    let cases: &[(&str, &str, usize)] = &[
        // (fixture, provider, checks that must pass)
        ("local.hcl", "local", 14),
        ("random.hcl", "random", 35),
        ("terraform.hcl", "terraform", 14),
    ];
    for &(file, provider, want_passed) in cases {
        let factory = gitform_builtin::builtin_provider(provider).unwrap();
        let (report, _dir) = run_fixture(file, factory()).await;
        assert!(report.passed(), "{file}:\n{}", report.render());
        assert_eq!(
            report.count_passed(),
            want_passed,
            "{file}:\n{}",
            report.render()
        );
    }
}

#[tokio::test]
async fn the_local_provider_leaves_no_file_behind() {
    let factory = gitform_builtin::builtin_provider("local").unwrap();
    let (report, dir) = run_fixture("local.hcl", factory()).await;
    assert!(report.passed(), "{}", report.render());
    assert!(!dir.path().join("out/note.txt").exists());
}

#[tokio::test]
async fn a_correct_provider_passes_every_check() {
    let (report, _dir) = run_fixture("mem.hcl", Arc::new(MemProvider::default())).await;
    assert!(report.passed(), "{}", report.render());
    assert_eq!(report.skipped(), 0, "{}", report.render());
    insta::assert_snapshot!("mem_pass", report.render());
}

/// Each fault and the checks it must fail, every other check passing or
/// skipped because an earlier step failed.
#[tokio::test]
async fn each_fault_fails_the_checks_that_cover_it() {
    use Fault::*;
    let table: &[(Fault, &[&str])] = &[
        (ApplyChangesValue, &["mem_item.basic: apply_create"]),
        (ApplyLeavesUnknown, &["mem_item.basic: apply_create"]),
        (PlanInventsId, &["mem_item.basic: plan_create"]),
        (PlanIgnoresConfig, &["mem_item.basic: plan_create"]),
        (
            ReadDrifts,
            &[
                "mem_item.basic: read_after_create",
                "mem_item.basic: update_1",
                "mem_item.basic: import",
            ],
        ),
        (ReadBatchDropsItems, &["mem_item.basic: read_batch"]),
        (
            PlanNeverNoop,
            &["mem_item.basic: plan_noop", "mem_item.basic: update_1"],
        ),
        (ValueForcesReplace, &["mem_item.basic: update_1"]),
        (ImportWrongKey, &["mem_item.basic: import"]),
        (DeleteKeepsObject, &["mem_item.basic: delete"]),
        (DeleteNotIdempotent, &["mem_item.basic: delete_idempotent"]),
        (ValidateAcceptsAll, &["mem_item.basic: validate_rejects"]),
        (
            ValidateRejectsUnknown,
            &["mem_item.basic: validate_unknown"],
        ),
        (DataDisagrees, &["data.mem_item.same: read_data"]),
        (ExtraAttribute, &["mem_item.basic: apply_create"]),
    ];
    for (fault, want) in table {
        let provider = Arc::new(MemProvider::with_faults(&[*fault]));
        let (report, _dir) = run_fixture("mem.hcl", provider).await;
        assert_eq!(
            report.failures(),
            want.to_vec(),
            "{fault:?}:\n{}",
            report.render()
        );
    }
}

#[tokio::test]
async fn a_failed_create_skips_what_depends_on_it() {
    let provider = Arc::new(MemProvider::with_faults(&[Fault::ApplyLeavesUnknown]));
    let (report, _dir) = run_fixture("mem.hcl", provider).await;
    let skipped: Vec<&str> = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skip(_)))
        .map(|r| r.check.as_str())
        .collect();
    assert_eq!(
        skipped,
        [
            "read_after_create",
            "read_batch",
            "plan_noop",
            "update_1",
            "replace_2",
            "import",
            "delete",
            "delete_idempotent"
        ]
    );
    insta::assert_snapshot!("mem_apply_leaves_unknown", report.render());
}

#[tokio::test]
async fn every_check_runs_in_order() {
    let (report, _dir) = run_fixture("mem.hcl", Arc::new(MemProvider::default())).await;
    assert_eq!(
        check_names(&report),
        [
            "provider: schema",
            "provider: configure",
            "mem_item.basic: validate",
            "mem_item.basic: validate_unknown",
            "mem_item.basic: validate_rejects",
            "mem_item.basic: plan_create",
            "mem_item.basic: apply_create",
            "mem_item.basic: read_after_create",
            "mem_item.basic: read_batch",
            "mem_item.basic: plan_noop",
            "mem_item.basic: update_1",
            "mem_item.basic: replace_2",
            "mem_item.basic: import",
            "data.mem_item.same: read_data",
            "mem_item.basic: delete",
            "mem_item.basic: delete_idempotent",
        ]
    );
}

/// Mistakes in a contract file are diagnostics with source ranges.
#[test]
fn contract_file_mistakes_are_diagnostics() {
    let schema = MemProvider::default().schema();
    let cases: &[(&str, &str)] = &[
        (
            "typo",
            "resource \"mem_item\" \"a\" {\n  create {\n    key = \"a\"\n    valeu = \"b\"\n  }\n}\n",
        ),
        (
            "unknown_type",
            "resource \"mem_thing\" \"a\" {\n  create {\n    key = \"a\"\n  }\n}\n",
        ),
        ("no_create", "resource \"mem_item\" \"a\" {\n  update {\n    key = \"a\"\n    value = \"b\"\n  }\n}\n"),
        ("stray_argument", "resource \"mem_item\" \"a\" {\n  key = \"a\"\n  create {\n    key = \"a\"\n    value = \"b\"\n  }\n}\n"),
        ("bad_block", "output \"x\" {\n  value = 1\n}\n"),
        ("one_label", "resource \"mem_item\" {\n}\n"),
        ("syntax", "resource \"mem_item\" \"a\" {\n  create {\n    key = \n  }\n}\n"),
        ("bad_ignore", "resource \"mem_item\" \"a\" {\n  create {\n    key = \"a\"\n    value = \"b\"\n  }\n  import {\n    ignore = \"value\"\n  }\n}\n"),
    ];
    let mut out = String::new();
    for (name, text) in cases {
        let diags = match load_suite_source("contract.hcl", text, &here(), &schema) {
            Ok(_) => panic!("{name}: loaded"),
            Err(d) => d,
        };
        out.push_str(&format!("== {name}\n"));
        for d in diags.iter() {
            out.push_str(&format!("{d}\n"));
        }
    }
    insta::assert_snapshot!("file_mistakes", out);
}

#[test]
fn the_provider_block_is_decoded_by_the_provider_schema() {
    // mem takes no configuration: an argument it does not know is the
    // file's mistake, caught when loading.
    let schema = MemProvider::default().schema();
    let text = "provider {\n  region = \"x\"\n}\n";
    let err = load_suite_source("contract.hcl", text, &here(), &schema).unwrap_err();
    assert!(
        err.iter().any(|d| d.summary == "Unsupported argument"),
        "{err:?}"
    );
}
