//! Inputs the fuzzer once broke the language layer with (fuzz/regressions):
//! each must now evaluate to a value or a diagnostic, quickly.

use gitform_lang::{eval_str, EvalContext};
use std::time::{Duration, Instant};

#[test]
fn fuzz_regressions_evaluate_or_fail_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/regressions exists") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let start = Instant::now();
        let result = eval_str(text.trim_end_matches('\n'), &EvalContext::new());
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{} took {:?}",
            path.display(),
            start.elapsed()
        );
        if let Err(diags) = result {
            assert!(
                diags.has_errors(),
                "{}: an error result carries an error diagnostic",
                path.display()
            );
        }
        seen += 1;
    }
    assert!(seen >= 2, "expected the recorded regressions, found {seen}");
}

#[test]
fn additions_across_huge_magnitude_gaps_are_rounded() {
    for (expr, want) in [
        ("1e-99999+1", "1"),
        ("1+1e-99999", "1"),
        ("1-1e-99999", "1"),
    ] {
        let v = eval_str(expr, &EvalContext::new()).unwrap();
        let want = eval_str(want, &EvalContext::new()).unwrap();
        assert_eq!(v, want, "{expr}");
    }
}
