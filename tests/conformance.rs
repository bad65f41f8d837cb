//! Function conformance: every case in `tests/conformance/functions.json`
//! (the OpenTofu function documentation examples, evaluated by Terraform
//! 1.11.4) is run through the real `gitform console` binary as
//! `jsonencode(EXPR)`, and the JSON it prints is compared with Terraform's.
//!
//! Piped `gitform console` (like `terraform console`) prints only the last
//! line's result and stops at the first error, so each case runs in its own
//! process, in an empty temporary directory of its own; the processes run on
//! a few threads at once (about 20 ms each).
//!
//! The test fails when a case fails that `tests/conformance/known_failures.txt`
//! does not list, or when fewer than [`MIN_PASS_RATE`] of the cases pass. Listed
//! cases that pass now are printed so the list can be pruned. See
//! `tests/conformance/README.md`.

use assert_cmd::Command;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The share of cases that must pass, in percent.
const MIN_PASS_RATE: f64 = 95.0;

/// How long one `gitform console` run may take before it counts as failed.
const CASE_TIMEOUT: Duration = Duration::from_secs(60);

/// Upper bound on concurrent `gitform console` processes.
const MAX_WORKERS: usize = 4;

#[derive(Debug, Deserialize)]
struct Case {
    expr: String,
    tf_json: serde_json::Value,
    tf_error: Option<String>,
}

/// Why a case failed (`None` in [`CaseResult`] means it passed).
#[derive(Debug)]
struct CaseResult {
    expr: String,
    failure: Option<String>,
    /// Something worth reporting that does not fail the case.
    note: Option<String>,
}

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

fn load_cases() -> Vec<Case> {
    let path = conformance_dir().join("functions.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// `known_failures.txt`: `EXPR<TAB>reason` per line; blank lines and lines
/// starting with `#` are ignored.
fn load_known_failures(cases: &[Case]) -> BTreeMap<String, String> {
    let path = conformance_dir().join("known_failures.txt");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => panic!("reading {}: {e}", path.display()),
    };
    let exprs: BTreeSet<&str> = cases.iter().map(|c| c.expr.as_str()).collect();
    let mut known = BTreeMap::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((expr, reason)) = line.split_once('\t') else {
            problems.push(format!(
                "line {}: no TAB between expression and reason",
                n + 1
            ));
            continue;
        };
        if reason.trim().is_empty() {
            problems.push(format!("line {}: empty reason for `{expr}`", n + 1));
        }
        if !exprs.contains(expr) {
            problems.push(format!(
                "line {}: `{expr}` is not a case in functions.json",
                n + 1
            ));
        }
        if known
            .insert(expr.to_string(), reason.trim().to_string())
            .is_some()
        {
            problems.push(format!("line {}: `{expr}` is listed twice", n + 1));
        }
    }
    assert!(
        problems.is_empty(),
        "{} is malformed:\n  {}",
        path.display(),
        problems.join("\n  ")
    );
    known
}

/// Runs `jsonencode(EXPR)` through `gitform console` and judges the result.
fn run_case(case: &Case, workdir: &Path) -> CaseResult {
    let mut note = None;
    let failure = match Command::cargo_bin("gitform") {
        Err(e) => Some(format!("cannot find the gitform binary: {e}")),
        Ok(mut cmd) => {
            let output = cmd
                .arg("console")
                .current_dir(workdir)
                .env("NO_COLOR", "1")
                .env_remove("TF_CLI_ARGS")
                .env_remove("TF_CLI_ARGS_console")
                .write_stdin(format!("jsonencode({})\n", case.expr))
                .timeout(CASE_TIMEOUT)
                .output();
            match output {
                Err(e) => Some(format!("could not run gitform console: {e}")),
                Ok(out) => {
                    note = error_summary_note(case, &out);
                    judge(case, &out)
                }
            }
        }
    };
    CaseResult {
        expr: case.expr.clone(),
        failure,
        note,
    }
}

fn judge(case: &Case, out: &std::process::Output) -> Option<String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("panicked at") {
        return Some(format!("gitform panicked: {}", first_lines(&stderr, 2)));
    }
    match (&case.tf_error, out.status.success()) {
        (Some(_), false) => None,
        (Some(want), true) => Some(format!(
            "Terraform reports \"{want}\", gitform printed {}",
            stdout.trim()
        )),
        (None, false) => Some(format!("error: {}", error_summary(&stderr, out.status))),
        (None, true) => {
            let printed = stdout.trim();
            let Some(json_text) = console_string(printed) else {
                return Some(format!("console printed a non-string: {printed}"));
            };
            let got: serde_json::Value = match serde_json::from_str(&json_text) {
                Ok(v) => v,
                Err(e) => return Some(format!("jsonencode gave invalid JSON ({e}): {json_text}")),
            };
            if json_eq(&got, &case.tf_json) {
                None
            } else {
                Some(format!("got {got}, want {}", case.tf_json))
            }
        }
    }
}

/// For a case Terraform rejects: the error summaries when gitform's first
/// differs from Terraform's (the case still passes; the exit code decides).
fn error_summary_note(case: &Case, out: &std::process::Output) -> Option<String> {
    let want = case.tf_error.as_deref()?;
    if out.status.success() {
        return None;
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let got = stderr
        .lines()
        .find_map(|l| l.split_once("Error: ").map(|(_, summary)| summary.trim()))
        .unwrap_or("");
    (got != want).then(|| format!("error summary \"{got}\", Terraform's is \"{want}\""))
}

fn first_lines(s: &str, n: usize) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(n)
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The summary and detail of the first diagnostic in Terraform's boxed layout.
fn error_summary(stderr: &str, status: std::process::ExitStatus) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(|l| l.trim_start_matches(['│', '╷', '╵', ' ']).trim())
        .filter(|l| !l.is_empty())
        .collect();
    let Some(start) = lines.iter().position(|l| l.starts_with("Error:")) else {
        return format!("exit {status}: {}", first_lines(stderr, 3));
    };
    let summary = lines[start];
    // The detail follows the "on <console-input> line 1:" and source lines.
    let detail = lines[start + 1..]
        .iter()
        .find(|l| {
            !l.starts_with("on <console-input>")
                && !l.starts_with('(')
                && !l.starts_with("1:")
                && !l.starts_with('├')
                && !l.starts_with("while calling")
        })
        .copied()
        .unwrap_or("");
    format!("{summary} {detail}").trim().to_string()
}

/// The string a console result shows: a Go-quoted string (`"..."`) or a
/// heredoc (`<<EOT ... EOT`). Warnings (printed to stdout) may come first, so
/// the last line is tried when the whole text is not a string.
fn console_string(printed: &str) -> Option<String> {
    if let Some(s) = go_unquote(printed) {
        return Some(s);
    }
    if let Some(rest) = printed.strip_prefix("<<") {
        let rest = rest.strip_prefix('-').unwrap_or(rest);
        let (delim, body) = rest.split_once('\n')?;
        let body = body.strip_suffix(delim.trim())?;
        return Some(body.strip_suffix('\n').unwrap_or(body).to_string());
    }
    printed.lines().last().and_then(go_unquote)
}

/// Reverses Go's `strconv.Quote`, which the console uses for strings.
fn go_unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return None,
            '\\' => {
                let escaped = match chars.next()? {
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'v' => '\u{b}',
                    '\\' => '\\',
                    '"' => '"',
                    '\'' => '\'',
                    'x' => hex_char(&mut chars, 2)?,
                    'u' => hex_char(&mut chars, 4)?,
                    'U' => hex_char(&mut chars, 8)?,
                    _ => return None,
                };
                out.push(escaped);
            }
            c => out.push(c),
        }
    }
    Some(out)
}

fn hex_char(chars: &mut std::str::Chars<'_>, digits: usize) -> Option<char> {
    let hex: String = chars.take(digits).collect();
    if hex.len() != digits {
        return None;
    }
    char::from_u32(u32::from_str_radix(&hex, 16).ok()?)
}

/// JSON equality with numbers compared by exact decimal value
/// (`1`, `1.0` and `1e0` are equal; no rounding through f64).
fn json_eq(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Number(x), J::Number(y)) => match (decimal(&x.to_string()), decimal(&y.to_string())) {
            (Some(x), Some(y)) => x == y,
            _ => x.to_string() == y.to_string(),
        },
        (J::Array(xs), J::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| json_eq(x, y))
        }
        (J::Object(xs), J::Object(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(k, x)| ys.get(k).is_some_and(|y| json_eq(x, y)))
        }
        _ => a == b,
    }
}

/// A JSON number as (negative, significant digits, exponent): the value is
/// `±digits × 10^exponent`, with no leading or trailing zeros in `digits`.
/// Zero is `(false, "", 0)`.
fn decimal(text: &str) -> Option<(bool, String, i64)> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let all = format!("{int}{frac}");
    let mut exp = exp - i64::try_from(frac.len()).ok()?;
    let trimmed = all.trim_start_matches('0');
    let digits = trimmed.trim_end_matches('0');
    exp += i64::try_from(trimmed.len() - digits.len()).ok()?;
    if digits.is_empty() {
        return Some((false, String::new(), 0));
    }
    Some((negative, digits.to_string(), exp))
}

fn run_all(cases: &[Case]) -> Vec<CaseResult> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, MAX_WORKERS);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, CaseResult)>> = Mutex::new(Vec::with_capacity(cases.len()));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                // An empty directory per case: no configuration, and nothing
                // one run leaves behind (state, locks) can reach another.
                let workdir = tempfile::tempdir().expect("creating a temporary directory");
                let result = run_case(case, workdir.path());
                results
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((i, result));
            });
        }
    });
    let mut results = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[test]
fn functions_conformance() {
    let cases = load_cases();
    let known = load_known_failures(&cases);
    let started = std::time::Instant::now();
    let results = run_all(&cases);
    let elapsed = started.elapsed();

    let total = results.len();
    let passed = results.iter().filter(|r| r.failure.is_none()).count();
    let rate = if total == 0 {
        0.0
    } else {
        passed as f64 * 100.0 / total as f64
    };

    let mut regressions = Vec::new();
    let mut known_failing = Vec::new();
    let mut now_passing = Vec::new();
    let notes: Vec<String> = results
        .iter()
        .filter_map(|r| Some(format!("{}\t{}", r.expr, r.note.as_ref()?)))
        .collect();
    for r in &results {
        match (&r.failure, known.get(&r.expr)) {
            (Some(why), None) => regressions.push(format!("{}\t{why}", r.expr)),
            (Some(why), Some(_)) => known_failing.push(format!("{}\t{why}", r.expr)),
            (None, Some(reason)) => now_passing.push(format!("{}\t(listed: {reason})", r.expr)),
            (None, None) => {}
        }
    }

    println!(
        "functions conformance: {passed}/{total} passed ({rate:.1}%) in {:.1}s",
        elapsed.as_secs_f64()
    );
    if !known_failing.is_empty() {
        println!("\nknown failures ({}):", known_failing.len());
        for line in &known_failing {
            println!("  {line}");
        }
    }
    if !now_passing.is_empty() {
        println!(
            "\nlisted in known_failures.txt but passing now; remove them ({}):",
            now_passing.len()
        );
        for line in &now_passing {
            println!("  {line}");
        }
    }
    if !notes.is_empty() {
        println!("\nnotes, not failures ({}):", notes.len());
        for line in &notes {
            println!("  {line}");
        }
    }
    if !regressions.is_empty() {
        println!(
            "\nNEW failures, not in known_failures.txt ({}):",
            regressions.len()
        );
        for line in &regressions {
            println!("  {line}");
        }
    }

    assert!(
        regressions.is_empty(),
        "{} case(s) fail that known_failures.txt does not list:\n  {}",
        regressions.len(),
        regressions.join("\n  ")
    );
    assert!(
        rate >= MIN_PASS_RATE,
        "pass rate {rate:.1}% is below {MIN_PASS_RATE}% ({passed}/{total})"
    );
}

#[test]
fn decimal_normalises_number_text() {
    let table = [
        ("1", "1.0", true),
        ("1", "1e0", true),
        ("100", "1E2", true),
        ("0.5", "5e-1", true),
        ("-0", "0", true),
        ("0.000", "0", true),
        ("12.4", "12.40", true),
        ("-3", "3", false),
        ("1.6989700043360185", "1.698970004336018", false),
        ("18446744073709551616", "18446744073709551617", false),
    ];
    for (a, b, equal) in table {
        assert_eq!(decimal(a) == decimal(b), equal, "{a} vs {b}");
        assert!(decimal(a).is_some() && decimal(b).is_some(), "{a} / {b}");
    }
}

#[test]
fn console_strings_are_unquoted() {
    let table = [
        (r#""{\"a\":1}""#, Some(r#"{"a":1}"#)),
        (r#""\\u003c""#, Some(r"\u003c")),
        (r#""tab\there""#, Some("tab\there")),
        (r#""\x01\u00e9\U0001f600""#, Some("\u{1}\u{e9}\u{1f600}")),
        ("<<EOT\nline\nEOT", Some("line")),
        ("Warning: x\n\"1\"", Some("1")),
        ("tolist([])", None),
        (r#""unterminated"#, None),
    ];
    for (printed, want) in table {
        assert_eq!(console_string(printed).as_deref(), want, "{printed}");
    }
}

#[test]
fn json_values_compare_semantically() {
    let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
    let table = [
        (r#"{"a":1,"b":[2.0]}"#, r#"{"b":[2],"a":1.00}"#, true),
        (r#"[1,2]"#, r#"[2,1]"#, false),
        (r#"{"a":1}"#, r#"{"a":1,"b":null}"#, false),
        (r#""1""#, "1", false),
        ("null", "null", true),
    ];
    for (a, b, equal) in table {
        assert_eq!(json_eq(&parse(a), &parse(b)), equal, "{a} vs {b}");
    }
}

#[cfg(unix)]
#[test]
fn outputs_are_judged() {
    use std::os::unix::process::ExitStatusExt;
    let case = |json: &str, error: Option<&str>| Case {
        expr: "f()".to_string(),
        tf_json: serde_json::from_str(json).unwrap(),
        tf_error: error.map(str::to_string),
    };
    let output = |code: i32, stdout: &str, stderr: &str| std::process::Output {
        status: std::process::ExitStatus::from_raw(code << 8),
        stdout: stdout.as_bytes().to_vec(),
        stderr: stderr.as_bytes().to_vec(),
    };
    let boxed_error = "╷\n│ Error: Invalid function argument\n│\n│   on <console-input> line 1:\n│   (source code not available)\n│\n│ Invalid value for \"v\" parameter.\n╵\n";
    let panic = "thread 'main' panicked at engine/functions/src/x.rs:1:1:\nboom\n";
    // (case, exit code, stdout, stderr, expected failure text or None for a pass)
    let table = [
        (case("[1,2]", None), 0, "\"[1,2.0]\"\n", "", None),
        (
            case("{\"a\":\"<\"}", None),
            0,
            "\"{\\\"a\\\":\\\"\\\\u003c\\\"}\"\n",
            "",
            None,
        ),
        (
            case("[1,2]", None),
            0,
            "\"[2,1]\"\n",
            "",
            Some("got [2,1], want [1,2]"),
        ),
        (
            case("1", None),
            0,
            "1\n",
            "",
            Some("console printed a non-string: 1"),
        ),
        (
            case("1", None),
            1,
            "",
            boxed_error,
            Some("error: Error: Invalid function argument Invalid value for \"v\" parameter."),
        ),
        (
            case("null", Some("Invalid function argument")),
            1,
            "",
            boxed_error,
            None,
        ),
        (
            case("null", Some("Invalid function argument")),
            0,
            "\"true\"\n",
            "",
            Some("Terraform reports \"Invalid function argument\", gitform printed \"true\""),
        ),
        (
            case("null", Some("Error in function call")),
            101,
            "",
            panic,
            Some(
                "gitform panicked: thread 'main' panicked at engine/functions/src/x.rs:1:1: / boom",
            ),
        ),
    ];
    for (case, code, stdout, stderr, want) in table {
        let got = judge(&case, &output(code, stdout, stderr));
        assert_eq!(got.as_deref(), want, "stdout {stdout:?} stderr {stderr:?}");
    }
}

#[cfg(unix)]
#[test]
fn differing_error_summaries_are_noted() {
    use std::os::unix::process::ExitStatusExt;
    let stderr = "╷\n│ Error: Invalid function argument\n│\n│ detail\n╵\n";
    let out = std::process::Output {
        status: std::process::ExitStatus::from_raw(1 << 8),
        stdout: Vec::new(),
        stderr: stderr.as_bytes().to_vec(),
    };
    let case = |error: &str| Case {
        expr: "f()".to_string(),
        tf_json: serde_json::Value::Null,
        tf_error: Some(error.to_string()),
    };
    assert_eq!(
        error_summary_note(&case("Invalid function argument"), &out),
        None
    );
    assert_eq!(
        error_summary_note(&case("Error in function call"), &out).as_deref(),
        Some("error summary \"Invalid function argument\", Terraform's is \"Error in function call\"")
    );
}
