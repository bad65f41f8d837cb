//! The agent's reading of the runs journal (the `runs` table of each
//! environment's state database): where to carry on after a restart, and
//! the runs `/api/runs` lists.

use gitform_state::{GitCommit, RunFilter, RunRecord, SqliteStore, StateStore};
use serde_json::json;
use std::path::PathBuf;

/// Run kinds that process a new commit of the branch.
const COMMIT_KINDS: &[&str] = &["apply", "plan"];
/// Run kinds after whose success the commit's configuration is deployed.
const DEPLOY_KINDS: &[&str] = &["apply", "rollback"];
/// How far back the journal is searched at startup.
const RESUME_WINDOW: usize = 500;

/// Where an environment stands according to its journal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resume {
    /// The last commit this environment processed (applied, planned under
    /// plan-only, or refused): the agent never runs it again.
    pub processed: Option<String>,
    /// The commit whose configuration was last deployed into this state
    /// (by the agent or from the command line): drift checks and reverts
    /// use it.
    pub current: Option<GitCommit>,
}

/// Reads where `environment` stands. Runs still in progress (killed) and
/// failed or cancelled runs do not count: their commit is tried again.
/// Drift reverts deploy but process no commit.
pub fn resume(store: &dyn StateStore, environment: &str) -> Result<Resume, String> {
    let runs = store
        .find_runs(&RunFilter {
            limit: RESUME_WINDOW,
            ..RunFilter::default()
        })
        .map_err(|e| e.to_string())?;
    Ok(resume_from(&runs, environment))
}

/// [`resume`] over runs listed newest first.
pub fn resume_from(runs: &[RunRecord], environment: &str) -> Resume {
    let mut out = Resume::default();
    for r in runs {
        let Some(git) = &r.git else { continue };
        let outcome = r.outcome.as_deref();
        let ours = r.environment.as_deref() == Some(environment);
        // A drift revert applies the deployed commit again: it processes
        // no new commit (the head may be a refused or plan-only one).
        let revert = r.trigger == crate::runs::Trigger::DriftRevert.as_str();
        if out.processed.is_none()
            && ours
            && !revert
            && COMMIT_KINDS.contains(&r.kind.as_str())
            && matches!(outcome, Some("success") | Some("refused"))
        {
            out.processed = Some(git.sha.clone());
        }
        if out.current.is_none()
            && DEPLOY_KINDS.contains(&r.kind.as_str())
            && outcome == Some("success")
        {
            out.current = Some(git.clone());
        }
        if out.processed.is_some() && out.current.is_some() {
            break;
        }
    }
    out
}

/// The runs of these environments' state databases, newest first, as
/// `/api/runs` shows them. A state database that does not exist yet has
/// no runs.
pub fn runs_json(
    states: &[(String, PathBuf)],
    kind: Option<&str>,
    limit: usize,
) -> Result<Vec<serde_json::Value>, String> {
    let mut all: Vec<RunRecord> = Vec::new();
    for (name, path) in states {
        if !path.exists() {
            continue;
        }
        let store = SqliteStore::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let runs = store
            .find_runs(&RunFilter {
                kind: kind.map(str::to_string),
                limit,
                ..RunFilter::default()
            })
            .map_err(|e| format!("{}: {e}", path.display()))?;
        // The environment's own runs, and command-line runs on its state.
        all.extend(runs.into_iter().map(|mut r| {
            if r.environment.is_none() {
                r.environment = Some(name.clone());
                r.trigger = if r.trigger.is_empty() {
                    "cli".to_string()
                } else {
                    r.trigger
                };
            }
            r
        }));
    }
    all.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(b.id.cmp(&a.id)));
    all.truncate(limit);
    Ok(all.iter().map(run_json).collect())
}

fn time(ms: i64) -> Option<String> {
    jiff::Timestamp::from_millisecond(ms)
        .ok()
        .map(|t| t.to_string())
}

/// One run as JSON.
pub fn run_json(r: &RunRecord) -> serde_json::Value {
    json!({
        "id": r.id,
        "environment": r.environment,
        "kind": r.kind,
        "trigger": r.trigger,
        "commit": r.git.as_ref().map(|g| json!({
            "sha": g.sha,
            "author": g.author,
            "email": g.email,
            "message": g.message,
            "time": g.time,
        })),
        "started_at": time(r.started_at),
        "finished_at": r.finished_at.and_then(time),
        "duration_ms": r.finished_at.map(|f| f - r.started_at),
        "outcome": r.outcome,
        "summary": r.summary,
        "error": r.error,
        "serial": r.serial,
        "counts": {
            "add": r.counts.add,
            "change": r.counts.change,
            "destroy": r.counts.destroy,
        },
        "drift_count": r.drift_count,
        "has_plan": r.has_plan,
        "detail": r.detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        id: i64,
        env: Option<&str>,
        kind: &str,
        outcome: Option<&str>,
        sha: Option<&str>,
    ) -> RunRecord {
        run_by(id, env, kind, "poll", outcome, sha)
    }

    fn run_by(
        id: i64,
        env: Option<&str>,
        kind: &str,
        trigger: &str,
        outcome: Option<&str>,
        sha: Option<&str>,
    ) -> RunRecord {
        RunRecord {
            id,
            kind: kind.to_string(),
            environment: env.map(str::to_string),
            trigger: trigger.to_string(),
            git: sha.map(|s| GitCommit {
                sha: s.to_string(),
                author: "a".to_string(),
                email: String::new(),
                message: "m".to_string(),
                time: "t".to_string(),
            }),
            started_at: id * 1000,
            finished_at: Some(id * 1000 + 10),
            outcome: outcome.map(str::to_string),
            summary: None,
            serial: None,
            counts: Default::default(),
            drift_count: 0,
            error: None,
            has_plan: false,
            detail: None,
        }
    }

    #[test]
    fn resume_points() {
        // Newest first.
        // Name, runs, expected processed and current commits.
        type Case = (
            &'static str,
            Vec<RunRecord>,
            Option<&'static str>,
            Option<&'static str>,
        );
        let cases: Vec<Case> = vec![
            ("empty journal", vec![], None, None),
            (
                "last apply succeeded",
                vec![
                    run(3, Some("prod"), "drift-check", Some("success"), Some("c2")),
                    run(2, Some("prod"), "apply", Some("success"), Some("c2")),
                    run(1, Some("prod"), "apply", Some("success"), Some("c1")),
                ],
                Some("c2"),
                Some("c2"),
            ),
            (
                "a failed apply is retried, the previous one is deployed",
                vec![
                    run(2, Some("prod"), "apply", Some("failed"), Some("c2")),
                    run(1, Some("prod"), "apply", Some("success"), Some("c1")),
                ],
                Some("c1"),
                Some("c1"),
            ),
            (
                "killed mid-apply (no outcome) is retried",
                vec![
                    run(2, Some("prod"), "apply", None, Some("c2")),
                    run(1, Some("prod"), "apply", Some("success"), Some("c1")),
                ],
                Some("c1"),
                Some("c1"),
            ),
            (
                "a refused commit is processed but not deployed",
                vec![
                    run(2, Some("prod"), "apply", Some("refused"), Some("c2")),
                    run(1, Some("prod"), "apply", Some("success"), Some("c1")),
                ],
                Some("c2"),
                Some("c1"),
            ),
            (
                "a drift revert of the deployed commit does not hide a refused head",
                vec![
                    run_by(
                        4,
                        Some("prod"),
                        "apply",
                        "drift-revert",
                        Some("success"),
                        Some("c1"),
                    ),
                    run(3, Some("prod"), "drift-check", Some("success"), Some("c1")),
                    run(2, Some("prod"), "apply", Some("refused"), Some("c2")),
                    run(1, Some("prod"), "apply", Some("success"), Some("c1")),
                ],
                Some("c2"),
                Some("c1"),
            ),
            (
                "nor a planned head under plan-only",
                vec![
                    run_by(
                        3,
                        Some("prod"),
                        "apply",
                        "drift-revert",
                        Some("success"),
                        Some("c1"),
                    ),
                    run(2, Some("prod"), "plan", Some("success"), Some("c2")),
                    run(1, Some("prod"), "apply", Some("success"), Some("c1")),
                ],
                Some("c2"),
                Some("c1"),
            ),
            (
                "plan-only processes without deploying",
                vec![run(1, Some("prod"), "plan", Some("success"), Some("c1"))],
                Some("c1"),
                None,
            ),
            (
                "another environment's runs are not ours to skip",
                vec![run(
                    1,
                    Some("staging"),
                    "apply",
                    Some("success"),
                    Some("c9"),
                )],
                None,
                Some("c9"),
            ),
            (
                "a rollback from the command line is what is deployed",
                vec![
                    run(3, None, "rollback", Some("success"), Some("c1")),
                    run(2, Some("prod"), "apply", Some("success"), Some("c2")),
                ],
                Some("c2"),
                Some("c1"),
            ),
        ];
        for (name, runs, processed, current) in cases {
            let r = resume_from(&runs, "prod");
            assert_eq!(r.processed.as_deref(), processed, "{name}: processed");
            assert_eq!(
                r.current.as_ref().map(|g| g.sha.as_str()),
                current,
                "{name}: current"
            );
        }
    }
}
