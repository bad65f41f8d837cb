//! The runner for the data-driven function tests.
//!
//! A case is `(function, arguments, expectation)`. Arguments are a JSON
//! array in the tagged format of `gitform_value::json::from_tagged_json`
//! (plain JSON, or `{"$t":"sensitive","v":..}`, `{"$t":"unknown","type":..}`,
//! `{"$t":"list","v":[..]}` and so on). The expectation is one of:
//!
//! - `=TEXT`: the result, known and not sensitive, `jsonencode`s to TEXT
//!   (most of these were answered by Terraform 1.11);
//! - `#JSON`: the result in the tagged format (to check types, marks, unknowns);
//! - `~REGEX`: the result is a string matching REGEX;
//! - `!MESSAGE`: the call fails with MESSAGE, as Terraform words the detail
//!   (a trailing period is added to messages that lack one, as Terraform's
//!   diagnostics do).

use gitform_functions::{call, FuncContext};
use gitform_value::json::{from_tagged_json, to_json_string, to_tagged_json};

pub type Case<'a> = (&'a str, &'a str, &'a str);

fn check(case: &Case, ctx: &FuncContext) -> Result<(), String> {
    let (func, args, want) = *case;
    let args: serde_json::Value =
        serde_json::from_str(args).map_err(|e| format!("bad args JSON: {e}"))?;
    let args = args
        .as_array()
        .ok_or("args must be an array")?
        .iter()
        .map(|a| from_tagged_json(a).map_err(|e| format!("bad tagged arg: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let got = call(func, args, ctx);
    let (kind, body) = want.split_at(1);
    match (kind, got) {
        ("!", Err(e)) => {
            let mut msg = e.to_string();
            if !msg.ends_with('.') {
                msg.push('.');
            }
            (msg == body).then_some(()).ok_or(format!("error {msg:?}"))
        }
        (_, Err(e)) => Err(format!("unexpected error {:?}", e.to_string())),
        ("!", Ok(v)) => Err(format!("expected an error, got {}", to_tagged_json(&v))),
        ("=", Ok(v)) => {
            if v.contains_sensitive() || !v.is_wholly_known() {
                return Err(format!("marked or unknown result {}", to_tagged_json(&v)));
            }
            let text = to_json_string(&v).map_err(|e| format!("jsonencode failed: {e}"))?;
            (text == body).then_some(()).ok_or(format!("got {text}"))
        }
        ("#", Ok(v)) => {
            let want: serde_json::Value =
                serde_json::from_str(body).map_err(|e| format!("bad want JSON: {e}"))?;
            let got = to_tagged_json(&v);
            (got == want).then_some(()).ok_or(format!("got {got}"))
        }
        ("~", Ok(v)) => {
            let re = regex::Regex::new(body).map_err(|e| e.to_string())?;
            match v.as_str() {
                Some(s) if re.is_match(s) && !v.is_sensitive() => Ok(()),
                _ => Err(format!("got {}", to_tagged_json(&v))),
            }
        }
        _ => Err(format!("bad expectation {want:?}")),
    }
}

/// Runs every case and fails with a list of all the cases that failed.
pub fn run(cases: &[Case], ctx: &FuncContext) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            check(c, ctx)
                .err()
                .map(|why| format!("{}({}) want {}: {why}", c.0, c.1, c.2))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
