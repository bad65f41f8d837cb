//! The results of a contract run and their text rendering.

use std::fmt::Write as _;

/// How one check ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// The provider broke the contract; the message says how.
    Fail(String),
    /// The check did not run; the message says why (an earlier failure, or
    /// nothing to check).
    Skip(String),
}

/// One named check of one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// The case: `provider`, `sqlite_item.basic`, `data.sqlite_item.x`.
    pub case: String,
    /// The check: `validate`, `plan_create`, `apply_create`, ...
    pub check: String,
    pub outcome: Outcome,
}

/// Every check of a suite, in the order they ran.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub source: String,
    pub results: Vec<CheckResult>,
}

impl Report {
    pub(crate) fn push(&mut self, case: &str, check: &str, outcome: Outcome) {
        self.results.push(CheckResult {
            case: case.to_string(),
            check: check.to_string(),
            outcome,
        });
    }

    /// True when no check failed (skips are not failures).
    pub fn passed(&self) -> bool {
        self.failed() == 0
    }

    pub fn count_passed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Pass))
    }

    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Fail(_)))
    }

    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skip(_)))
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|r| f(&r.outcome)).count()
    }

    /// The result of one check of one case.
    pub fn get(&self, case: &str, check: &str) -> Option<&CheckResult> {
        self.results
            .iter()
            .find(|r| r.case == case && r.check == check)
    }

    /// The failed checks, as `case: check`.
    pub fn failures(&self) -> Vec<String> {
        self.results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
            .map(|r| format!("{}: {}", r.case, r.check))
            .collect()
    }

    /// The report in the shape of `terraform test` output: one line per
    /// check, grouped by case, the failure messages indented under their
    /// check, and a summary line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}... in progress", self.source);
        let mut case: Option<&str> = None;
        for r in &self.results {
            if case != Some(r.case.as_str()) {
                let _ = writeln!(out, "  {}", r.case);
                case = Some(&r.case);
            }
            match &r.outcome {
                Outcome::Pass => {
                    let _ = writeln!(out, "    {}... pass", r.check);
                }
                Outcome::Skip(why) => {
                    let _ = writeln!(out, "    {}... skip ({why})", r.check);
                }
                Outcome::Fail(msg) => {
                    let _ = writeln!(out, "    {}... fail", r.check);
                    for line in msg.lines() {
                        let _ = writeln!(out, "      {line}");
                    }
                }
            }
        }
        let verdict = if self.passed() { "pass" } else { "fail" };
        let _ = writeln!(out, "{}... {verdict}", self.source);
        let _ = writeln!(out);
        let head = if self.passed() {
            "Success!"
        } else {
            "Failure!"
        };
        let _ = write!(
            out,
            "{head} {} passed, {} failed",
            self.count_passed(),
            self.failed()
        );
        if self.skipped() > 0 {
            let _ = write!(out, ", {} skipped", self.skipped());
        }
        let _ = writeln!(out, ".");
        out
    }
}
