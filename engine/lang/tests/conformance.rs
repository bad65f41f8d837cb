//! Expressions checked against `terraform console` output recorded in
//! fixtures/conformance.txt (regenerate with fixtures/gen_conformance.py).

mod common;

use gitform_lang::{eval_str, EvalContext};

#[test]
fn matches_terraform_console() {
    let text = include_str!("fixtures/conformance.txt");
    let ctx = EvalContext::new();
    let mut failures = Vec::new();
    let mut count = 0;
    for case in text.split("\n---\n") {
        let case: String = case
            .lines()
            .filter(|l| !l.starts_with("# "))
            .collect::<Vec<_>>()
            .join("\n");
        let Some((expr, want)) = case.rsplit_once("\n=> ") else {
            continue;
        };
        count += 1;
        let got = match eval_str(expr, &ctx) {
            Ok(v) => common::json(&v),
            Err(d) => format!(
                "ERROR {}",
                d.iter()
                    .next()
                    .map(|d| d.summary.clone())
                    .unwrap_or_default()
            ),
        };
        if got != want.trim_end() {
            failures.push(format!(
                "  {expr}\n    terraform: {want}\n    gitform:   {got}"
            ));
        }
    }
    assert!(count > 100, "fixture has only {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
