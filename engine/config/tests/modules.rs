//! Data-driven loader tests: every folder under `tests/fixtures/modules` is a
//! module; its diagnostics and loaded model are snapshotted.

mod common;

use std::path::Path;

#[test]
fn fixture_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/modules");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    cases.sort();
    assert!(cases.len() > 10);
    let mut failures = Vec::new();
    for case in cases {
        let case = case.to_string_lossy().into_owned();
        // Load with a relative dir so snapshots don't contain this machine's paths.
        let dir = Path::new("tests/fixtures/modules").join(&case);
        let (m, diags) = gitform_config::load_module(&dir);
        let mut out = String::new();
        out.push_str("== diagnostics\n");
        out.push_str(&common::diagnostics(&diags));
        out.push_str("== module\n");
        common::module(&m, "", &mut out);
        // Collect all mismatches instead of stopping at the first.
        let r = std::panic::catch_unwind(|| {
            insta::assert_snapshot!(format!("module_{case}"), out);
        });
        if r.is_err() {
            failures.push(case);
        }
    }
    assert!(failures.is_empty(), "snapshot mismatches: {failures:?}");
}
