//! The conformance cases (`tests/conformance/functions.json`, evaluated by
//! Terraform 1.11) for the numeric, string and collection families, run
//! straight through `gitform_functions::call`. Cases whose expression the
//! small test evaluator cannot read (operators, templates, other families)
//! are skipped; the test checks that most cases of these families ran.

mod collection_harness;

use bigdecimal::BigDecimal;
use gitform_value::convert::value_type;
use gitform_value::Value;
use serde_json::Value as Json;
use std::str::FromStr;

const FAMILIES: &[&str] = &[
    "abs",
    "ceil",
    "floor",
    "log",
    "max",
    "min",
    "parseint",
    "pow",
    "signum",
    "chomp",
    "endswith",
    "format",
    "formatlist",
    "indent",
    "join",
    "lower",
    "regex",
    "regexall",
    "replace",
    "split",
    "startswith",
    "strcontains",
    "strrev",
    "substr",
    "title",
    "trim",
    "trimprefix",
    "trimsuffix",
    "trimspace",
    "upper",
    "alltrue",
    "anytrue",
    "chunklist",
    "coalesce",
    "coalescelist",
    "compact",
    "concat",
    "contains",
    "distinct",
    "element",
    "flatten",
    "index",
    "keys",
    "length",
    "lookup",
    "matchkeys",
    "merge",
    "one",
    "range",
    "reverse",
    "setintersection",
    "setproduct",
    "setsubtract",
    "setunion",
    "slice",
    "sort",
    "sum",
    "transpose",
    "values",
    "zipmap",
];

fn json_matches(v: &Value, j: &Json) -> bool {
    match (v.unmarked(), j) {
        (Value::Null, Json::Null) => true,
        (Value::Bool(a), Json::Bool(b)) => a == b,
        (Value::String(a), Json::String(b)) => a == b,
        (Value::Number(n), Json::Number(m)) => {
            BigDecimal::from_str(&m.to_string()).is_ok_and(|m| m == n.0)
        }
        (Value::List(a) | Value::Set(a) | Value::Tuple(a), Json::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_matches(x, y))
        }
        (Value::Map(a) | Value::Object(a), Json::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, x)| b.get(k).is_some_and(|y| json_matches(x, y)))
        }
        _ => false,
    }
}

fn normalize_type(s: &str) -> String {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    s.replace(",]", "]").replace(",}", "}").replace(",)", ")")
}

#[test]
fn conformance_cases() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/conformance/functions.json"
    );
    let text = std::fs::read_to_string(path).expect("conformance file");
    let cases: Vec<Json> = serde_json::from_str(&text).expect("conformance JSON");
    let mut ran = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let expr = case["expr"].as_str().unwrap_or_default();
        let name = expr.split('(').next().unwrap_or_default();
        if !FAMILIES.contains(&name) {
            continue;
        }
        let Ok(result) = collection_harness::eval(expr) else {
            continue;
        };
        ran += 1;
        match (result, case["tf_error"].is_null()) {
            (Ok(v), true) => {
                if !json_matches(&v, &case["tf_json"]) {
                    failures.push(format!("{expr}: got {v:?}, want {}", case["tf_json"]));
                    continue;
                }
                let ty = value_type(&v);
                let want = case["tf_type"].as_str().unwrap_or("dynamic");
                if !ty.has_dynamic()
                    && !want.contains("dynamic")
                    && normalize_type(&ty.to_string()) != normalize_type(want)
                {
                    failures.push(format!("{expr}: type {ty}, want {want}"));
                }
            }
            (Err(_), false) => {}
            (Ok(v), false) => failures.push(format!(
                "{expr}: got {v:?}, want error {}",
                case["tf_error"]
            )),
            (Err(e), true) => failures.push(format!("{expr}: error {e}, want {}", case["tf_json"])),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(ran >= 100, "only {ran} conformance cases ran");
    eprintln!("{ran} conformance cases passed");
}
