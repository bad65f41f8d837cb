//! Deeply nested input yields diagnostics, never a stack overflow.

use gitform_lang::{eval, eval_str, parse_expression, references, EvalContext, MAX_DEPTH};
use hcl_edit::expr::{Expression, Parenthesis};

#[test]
fn ten_thousand_nested_parentheses_and_brackets() {
    let ctx = EvalContext::new();
    for (open, close) in [("(", ")"), ("[", "]"), ("{a = ", "}")] {
        let src = format!("{}1{}", open.repeat(10_000), close.repeat(10_000));
        let err = eval_str(&src, &ctx).unwrap_err();
        assert!(err.has_errors(), "{open}");
        let d = err.iter().next().unwrap();
        assert_eq!(d.summary, "Invalid expression", "{open}");
        assert!(d.range.is_some());
    }
}

#[test]
fn deep_trees_built_without_the_parser_are_refused() {
    // hcl-edit's parser stops at 64 levels; a tree built in code can be deeper.
    let depth = MAX_DEPTH + 500;
    let handle = std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(move || {
            let mut e = Expression::from(1);
            for _ in 0..depth {
                e = Expression::from(Parenthesis::new(e));
            }
            let (_, file) = parse_expression("1", "t.tf").unwrap();
            let err = eval(&e, &EvalContext::new(), &file).unwrap_err();
            let summary = err.iter().next().unwrap().summary.clone();
            let refs = references(&e);
            (summary, refs.len())
        })
        .unwrap();
    let (summary, refs) = handle.join().unwrap();
    assert_eq!(summary, "Expression too deeply nested");
    assert_eq!(refs, 1);
}

#[test]
fn max_depth_fits_the_default_test_stack() {
    // Just below the limit must evaluate on a normal 2 MiB test thread.
    let mut e = Expression::from(1);
    for _ in 0..MAX_DEPTH - 2 {
        e = Expression::from(Parenthesis::new(e));
    }
    let (_, file) = parse_expression("1", "t.tf").unwrap();
    let v = eval(&e, &EvalContext::new(), &file).unwrap();
    assert_eq!(v, gitform_value::Value::int(1));
    // Dropping a deep tree recurses too; keep it off the assertion path.
    std::mem::forget(e);
}
