//! Expressions checked against `terraform console` output recorded in
//! fixtures/*.txt (regenerate with fixtures/gen_conformance.py).

mod common;

use gitform_lang::{eval_str, EvalContext};

fn check_fixture(text: &str, min_cases: usize) {
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
    assert!(count >= min_cases, "fixture has only {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn expressions_match_terraform_console() {
    check_fixture(include_str!("fixtures/conformance.txt"), 120);
}

/// Calls through the function library (gitform-functions).
#[test]
fn function_calls_match_terraform_console() {
    check_fixture(include_str!("fixtures/functions.txt"), 30);
}
