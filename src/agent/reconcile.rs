//! The reconcile loop of one environment, on its own thread.
//!
//! Each turn does one step, then waits until the next one is due or a sync
//! is requested:
//! - **sync** (every `poll_interval`, or at once on request): fetch the
//!   branch; if its head is a commit this environment has not processed,
//!   check its signature (when required), then plan it and, under
//!   `auto-apply`, apply it. A commit is processed once: the last one is
//!   read back from the runs journal at startup.
//! - **drift check** (on the drift schedule): a refresh-only plan of the
//!   deployed commit; findings not covered by `ignore_drift` are reported,
//!   and under `revert` the deployed commit is applied again.
//!
//! A failure (fetch, provider, state) never ends the loop: it is recorded,
//! and the next sync waits `retry_initial`, doubling up to `retry_max`.
//! Every run goes through [`crate::runs::execute`], the code path the
//! command line uses.

use crate::agent::config::{
    AgentSettings, CommitPolicy, DriftPolicy, EnvironmentConfig, IgnoreDriftRule,
};
use crate::agent::journal;
use crate::agent::schedule;
use crate::agent::status::{CommitView, Phase, Shared};
use crate::agent::webhook::Outbox;
use gitform_git::{CommitInfo, Repo};
use gitform_state::GitCommit;
use jiff::Timestamp;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Instant;

/// A message to an environment's loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wake {
    /// Sync now (`trigger` is recorded with the run).
    Sync { trigger: &'static str },
    /// Shutdown began.
    Stop,
}

/// What one environment's loop works with.
pub struct EnvContext {
    pub env: EnvironmentConfig,
    pub agent: AgentSettings,
    pub shared: Arc<Shared>,
    pub outbox: Outbox,
    /// Set at shutdown: no new step starts, and a running apply stops
    /// starting new changes.
    pub stop: Arc<AtomicBool>,
}

/// The loop's memory between steps.
struct LoopState {
    repo: Option<Repo>,
    /// Last commit processed (applied, planned or refused).
    processed: Option<String>,
    /// Commit deployed into the state.
    current: Option<GitCommit>,
    failures: u32,
    next_sync: Instant,
    next_drift: Option<Timestamp>,
    trigger: &'static str,
}

/// Runs the loop until shutdown.
pub fn run_environment(ctx: EnvContext, wake: Receiver<Wake>) {
    let name = ctx.env.name.clone();
    let _span = tracing::info_span!("environment", environment = %name).entered();
    let mut st = LoopState {
        repo: None,
        processed: None,
        current: None,
        failures: 0,
        next_sync: Instant::now(),
        next_drift: None,
        trigger: "startup",
    };
    match resume(&ctx) {
        Ok(r) => {
            if let Some(sha) = &r.processed {
                tracing::info!(commit = %sha, "carrying on after the last processed commit");
            }
            st.processed = r.processed;
            st.current = r.current;
            let current = st.current.as_ref().map(view_of_git);
            ctx.shared.env(&name, |e| e.current = current);
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not read the runs journal; starting from the branch head")
        }
    }
    loop {
        if ctx.stop.load(Ordering::SeqCst) {
            break;
        }
        let now = Instant::now();
        if now >= st.next_sync {
            sync_step(&ctx, &mut st);
            continue;
        }
        if st.next_drift.is_some_and(|t| Timestamp::now() >= t) {
            drift_step(&ctx, &mut st);
            continue;
        }
        let mut wait = st.next_sync.saturating_duration_since(now);
        if let Some(t) = st.next_drift {
            wait = wait.min(schedule::until(t, Timestamp::now()));
        }
        set_phase(
            &ctx,
            if st.failures > 0 {
                Phase::BackingOff
            } else {
                Phase::Idle
            },
        );
        match wake.recv_timeout(wait) {
            Ok(Wake::Sync { trigger }) => {
                st.next_sync = Instant::now();
                st.trigger = trigger;
            }
            Ok(Wake::Stop) | Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
    set_phase(&ctx, Phase::Stopped);
    tracing::info!("environment stopped");
}

fn resume(ctx: &EnvContext) -> Result<journal::Resume, String> {
    if !ctx.env.state.exists() {
        return Ok(journal::Resume::default());
    }
    let store = gitform_state::SqliteStore::open(&ctx.env.state)
        .map_err(|e| format!("{}: {e}", ctx.env.state.display()))?;
    journal::resume(&store, &ctx.env.name)
}

fn set_phase(ctx: &EnvContext, phase: Phase) {
    ctx.shared.env(&ctx.env.name, |e| e.phase = phase);
}

fn view_of_git(g: &GitCommit) -> CommitView {
    CommitView {
        sha: g.sha.clone(),
        author: g.author.clone(),
        summary: g.message.lines().next().unwrap_or_default().to_string(),
        time: g.time.clone(),
    }
}

fn git_of(c: &CommitInfo) -> GitCommit {
    GitCommit {
        sha: c.sha.clone(),
        author: c.author.clone(),
        email: c.email.clone(),
        message: c.message.clone(),
        time: c.time.clone(),
    }
}

/// Records a failure and schedules the retry.
fn failed(ctx: &EnvContext, st: &mut LoopState, what: &str, error: &str) {
    st.failures = st.failures.saturating_add(1);
    let delay = schedule::backoff(ctx.agent.retry, st.failures);
    st.next_sync = Instant::now() + delay;
    let retry_at = Timestamp::now()
        .checked_add(jiff::SignedDuration::try_from(delay).unwrap_or_default())
        .ok();
    tracing::warn!(
        step = what,
        error,
        failures = st.failures,
        retry_in_ms = delay.as_millis() as u64,
        "{what} failed; retrying later"
    );
    let failures = st.failures;
    ctx.shared.env(&ctx.env.name, |e| {
        e.last_error = Some(format!("{what}: {error}"));
        e.consecutive_failures = failures;
        e.next_retry_at = retry_at;
        e.phase = Phase::BackingOff;
    });
}

/// Records a successful sync and schedules the next poll (and the first
/// drift check).
fn succeeded(ctx: &EnvContext, st: &mut LoopState) {
    st.failures = 0;
    st.next_sync = Instant::now() + ctx.env.poll_interval;
    let now = Timestamp::now();
    if st.next_drift.is_none() {
        st.next_drift = schedule::next_drift(&ctx.env.drift, now);
    }
    let next_drift = st.next_drift;
    ctx.shared.env(&ctx.env.name, |e| {
        e.last_success_at = Some(now);
        e.last_error = None;
        e.consecutive_failures = 0;
        e.next_retry_at = None;
        e.next_drift_check_at = next_drift;
        e.ready = true;
    });
}

/// Opens (or reuses) the repository and fetches the branch head.
fn fetch(ctx: &EnvContext, st: &mut LoopState) -> Result<CommitInfo, String> {
    if st.repo.is_none() {
        let opts = gitform_git::RepoOptions {
            cache_dir: ctx.agent.data_dir.join("git"),
            credentials: credentials(ctx),
            fetch_timeout: ctx.env.fetch_timeout,
        };
        st.repo = Some(gitform_git::open(&ctx.env.repository, &opts).map_err(|e| e.to_string())?);
    }
    let repo = st.repo.as_ref().ok_or("no repository")?;
    match repo.fetch(&ctx.env.branch) {
        Ok(head) => Ok(head),
        Err(e) => {
            // Open it afresh next time (it may have moved or been replaced).
            st.repo = None;
            Err(e.to_string())
        }
    }
}

fn credentials(ctx: &EnvContext) -> gitform_git::Credentials {
    let mut c = gitform_git::Credentials::from_env();
    if let Some(key) = &ctx.env.ssh_key {
        c.ssh_key = Some(key.clone());
    }
    c
}

fn sync_step(ctx: &EnvContext, st: &mut LoopState) {
    let trigger = std::mem::replace(&mut st.trigger, "poll");
    set_phase(ctx, Phase::Fetching);
    let head = match fetch(ctx, st) {
        Ok(h) => h,
        Err(e) => {
            ctx.shared.count(|c| {
                *c.fetch_failures.entry(ctx.env.name.clone()).or_default() += 1;
            });
            failed(ctx, st, "fetch", &e);
            return;
        }
    };
    let head_view = CommitView::from_info(&head);
    let now = Timestamp::now();
    ctx.shared.env(&ctx.env.name, |e| {
        e.head = Some(head_view.clone());
        e.last_sync_at = Some(now);
    });
    if st.processed.as_deref() == Some(head.sha.as_str()) {
        tracing::debug!(commit = %head.short_sha(), "up to date");
        succeeded(ctx, st);
        return;
    }
    tracing::info!(commit = %head.short_sha(), message = %head.summary(), %trigger, "new commit");
    if let Some(policy) = &ctx.env.signatures {
        match check_signature(st, &head, &policy.trusted_keys) {
            Ok(None) => {}
            Ok(Some(reason)) => {
                refuse(ctx, st, &head, trigger, &reason);
                succeeded(ctx, st);
                return;
            }
            Err(e) => {
                failed(ctx, st, "signature check", &e);
                return;
            }
        }
    }
    let kind = match ctx.env.on_commit {
        CommitPolicy::AutoApply => RunKind::Apply,
        CommitPolicy::PlanOnly => RunKind::Plan,
    };
    let report = execute(ctx, st, kind, &head, trigger);
    match report.outcome {
        Outcome::Success => {
            st.processed = Some(head.sha.clone());
            if kind == RunKind::Apply {
                st.current = Some(git_of(&head));
                ctx.shared
                    .env(&ctx.env.name, |e| e.current = Some(head_view.clone()));
            }
            let event = if kind == RunKind::Apply {
                "applied"
            } else {
                "planned"
            };
            send(ctx, event, &report, &head, trigger, None);
            succeeded(ctx, st);
        }
        Outcome::Cancelled => {
            tracing::info!(commit = %head.short_sha(), "run stopped by shutdown; it is taken up again at the next start");
        }
        Outcome::Failed => {
            send(ctx, "failed", &report, &head, trigger, None);
            failed(
                ctx,
                st,
                kind.as_str(),
                &report.error.clone().unwrap_or_default(),
            );
        }
    }
}

/// `Ok(None)` when the commit is signed by a trusted key, `Ok(Some(why))`
/// when it must be refused.
fn check_signature(
    st: &LoopState,
    head: &CommitInfo,
    trusted: &gitform_git::TrustedKeys,
) -> Result<Option<String>, String> {
    let repo = st.repo.as_ref().ok_or("no repository")?;
    let status = gitform_git::verify_commit(repo, &head.sha, trusted).map_err(|e| e.to_string())?;
    if status.is_trusted() {
        tracing::info!(commit = %head.short_sha(), signature = %status.describe(), "signature verified");
        Ok(None)
    } else {
        Ok(Some(status.describe()))
    }
}

/// Records a refused run and announces it.
fn refuse(ctx: &EnvContext, st: &mut LoopState, head: &CommitInfo, trigger: &str, reason: &str) {
    tracing::warn!(commit = %head.short_sha(), reason, "commit refused: not applied");
    let started = Instant::now();
    let run_id = record_refusal(ctx, head, trigger, reason);
    ctx.shared.record_run(
        &ctx.env.name,
        RunKind::Apply.as_str(),
        "refused",
        started.elapsed().as_secs_f64(),
    );
    st.processed = Some(head.sha.clone());
    let view = CommitView::from_info(head);
    ctx.shared.env(&ctx.env.name, |e| e.refused = Some(view));
    let report = RunReport {
        run_id,
        outcome: Outcome::Failed,
        error: Some(reason.to_string()),
        ..RunReport::default()
    };
    send(ctx, "refused", &report, head, trigger, None);
}

fn drift_step(ctx: &EnvContext, st: &mut LoopState) {
    let now = Timestamp::now();
    st.next_drift = schedule::next_drift(&ctx.env.drift, now);
    let next = st.next_drift;
    ctx.shared
        .env(&ctx.env.name, |e| e.next_drift_check_at = next);
    let Some(current) = st.current.clone() else {
        tracing::debug!("no deployed commit yet: nothing to check for drift");
        return;
    };
    let commit = match resolve(ctx, st, &current.sha) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(commit = %current.sha, error = %e, "drift check skipped: the deployed commit cannot be read");
            ctx.shared.env(&ctx.env.name, |s| {
                s.last_error = Some(format!("drift check: {e}"))
            });
            return;
        }
    };
    set_phase(ctx, Phase::CheckingDrift);
    let report = execute(ctx, st, RunKind::Drift, &commit, "schedule");
    ctx.shared
        .env(&ctx.env.name, |e| e.last_drift_check_at = Some(now));
    match report.outcome {
        Outcome::Cancelled => return,
        Outcome::Failed => {
            let error = report.error.clone().unwrap_or_default();
            tracing::warn!(error = %error, "drift check failed");
            ctx.shared.env(&ctx.env.name, |e| {
                e.last_error = Some(format!("drift check: {error}"))
            });
            send(ctx, "failed", &report, &commit, "schedule", None);
            return;
        }
        Outcome::Success => {}
    }
    let findings = filter_drift(&report.drift, &ctx.env.ignore_drift);
    let count = findings.len();
    ctx.shared
        .env(&ctx.env.name, |e| e.drifted_resources = count);
    if findings.is_empty() {
        tracing::info!(ignored = report.drift.len(), "no drift");
        return;
    }
    ctx.shared.count(|c| {
        *c.drift_detected.entry(ctx.env.name.clone()).or_default() += 1;
        *c.drifted_resources.entry(ctx.env.name.clone()).or_default() += count as u64;
    });
    let addresses: Vec<&str> = findings.iter().map(|f| f.address.as_str()).collect();
    tracing::warn!(resources = ?addresses, policy = ?ctx.env.on_drift, "drift found");
    if ctx.env.on_drift == DriftPolicy::Ignore {
        return;
    }
    send(ctx, "drift", &report, &commit, "schedule", Some(&findings));
    if ctx.env.on_drift != DriftPolicy::Revert {
        return;
    }
    if ctx.stop.load(Ordering::SeqCst) {
        return;
    }
    set_phase(ctx, Phase::Applying);
    let revert = execute(ctx, st, RunKind::Apply, &commit, "drift-revert");
    match revert.outcome {
        Outcome::Success => {
            tracing::info!(commit = %commit.short_sha(), "drift reverted");
            ctx.shared.env(&ctx.env.name, |e| e.drifted_resources = 0);
            send(
                ctx,
                "reverted",
                &revert,
                &commit,
                "drift-revert",
                Some(&findings),
            );
        }
        Outcome::Cancelled => {}
        Outcome::Failed => {
            let error = revert.error.clone().unwrap_or_default();
            tracing::warn!(error = %error, "reverting drift failed");
            ctx.shared.env(&ctx.env.name, |e| {
                e.last_error = Some(format!("revert: {error}"))
            });
            send(
                ctx,
                "failed",
                &revert,
                &commit,
                "drift-revert",
                Some(&findings),
            );
        }
    }
}

/// The commit's details, from the repository (opened if needed).
fn resolve(ctx: &EnvContext, st: &mut LoopState, sha: &str) -> Result<CommitInfo, String> {
    if st.repo.is_none() {
        let opts = gitform_git::RepoOptions {
            cache_dir: ctx.agent.data_dir.join("git"),
            credentials: credentials(ctx),
            fetch_timeout: ctx.env.fetch_timeout,
        };
        st.repo = Some(gitform_git::open(&ctx.env.repository, &opts).map_err(|e| e.to_string())?);
    }
    let repo = st.repo.as_ref().ok_or("no repository")?;
    repo.resolve(sha).map_err(|e| e.to_string())
}

/// One drift finding: a resource changed (or deleted) outside gitform.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub address: String,
    /// `update` (attributes changed) or `delete` (the object is gone).
    pub change: String,
    pub attributes: Vec<AttrDrift>,
}

/// One attribute of a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrDrift {
    /// Dotted path, e.g. `tags.Owner`.
    pub path: String,
    pub from: serde_json::Value,
    pub to: serde_json::Value,
}

/// Drops what `ignore_drift` rules cover: an attribute is ignored if a rule
/// matching the resource lists it (or a parent of it); a rule without
/// attributes ignores the whole resource. A deleted object is ignored only
/// by a rule without attributes. A finding left with no attributes goes.
pub fn filter_drift(findings: &[Finding], rules: &[IgnoreDriftRule]) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in findings {
        let matching: Vec<&IgnoreDriftRule> = rules
            .iter()
            .filter(|r| r.resources.iter().any(|g| g.is_match(&f.address)))
            .collect();
        if matching.iter().any(|r| r.attributes.is_empty()) {
            continue;
        }
        if f.change == "delete" || matching.is_empty() {
            out.push(f.clone());
            continue;
        }
        let covered = |path: &str| {
            matching.iter().any(|r| {
                r.attributes.iter().any(|a| {
                    path == a
                        || path
                            .strip_prefix(a.as_str())
                            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
                })
            })
        };
        let attributes: Vec<AttrDrift> = f
            .attributes
            .iter()
            .filter(|a| !covered(&a.path))
            .cloned()
            .collect();
        if attributes.is_empty() && !f.attributes.is_empty() {
            continue;
        }
        out.push(Finding {
            attributes,
            ..f.clone()
        });
    }
    out
}

fn finding_json(f: &Finding) -> serde_json::Value {
    json!({
        "resource": f.address,
        "change": f.change,
        "attributes": f.attributes.iter().map(|a| json!({
            "path": a.path,
            "from": a.from,
            "to": a.to,
        })).collect::<Vec<_>>(),
    })
}

/// Queues the webhook of `event`.
fn send(
    ctx: &EnvContext,
    event: &str,
    report: &RunReport,
    commit: &CommitInfo,
    trigger: &str,
    findings: Option<&[Finding]>,
) {
    if ctx.env.webhooks.is_empty() {
        return;
    }
    let body = json!({
        "event": event,
        "environment": ctx.env.name,
        "repository": gitform_git::redact_url(&ctx.env.repository),
        "branch": ctx.env.branch,
        "path": ctx.env.path,
        "trigger": trigger,
        "run_id": report.run_id,
        "kind": report.kind.map(RunKind::as_str),
        "outcome": report.outcome.as_str(),
        "error": report.error,
        "commit": {
            "sha": commit.sha,
            "author": commit.author,
            "email": commit.email,
            "message": commit.message,
            "time": commit.time,
        },
        "counts": {
            "add": report.counts.add,
            "change": report.counts.change,
            "destroy": report.counts.destroy,
        },
        "drift": findings.map(|fs| fs.iter().map(finding_json).collect::<Vec<_>>()),
        "plan": report.plan_text,
        "timestamp": Timestamp::now().to_string(),
    });
    ctx.outbox
        .send(&ctx.env.name, &ctx.env.webhooks, event, &body);
}

// ---------------------------------------------------------------------------
// Runs: the one code path shared with the command line.

/// The runs the agent starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    Apply,
    Plan,
    Drift,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Apply => "apply",
            RunKind::Plan => "plan",
            RunKind::Drift => "drift-check",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Outcome {
    Success,
    #[default]
    Failed,
    /// Stopped by shutdown.
    Cancelled,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// What the agent needs to know about a finished run.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub run_id: Option<i64>,
    pub kind: Option<RunKind>,
    pub outcome: Outcome,
    pub error: Option<String>,
    pub counts: gitform_state::RunCounts,
    pub drift: Vec<Finding>,
    /// The plan as `gitform plan` prints it (no colour).
    pub plan_text: Option<String>,
}

/// Runs `kind` for `commit` through the run API, and counts it.
fn execute(
    ctx: &EnvContext,
    st: &mut LoopState,
    kind: RunKind,
    commit: &CommitInfo,
    trigger: &str,
) -> RunReport {
    set_phase(
        ctx,
        match kind {
            RunKind::Drift => Phase::CheckingDrift,
            RunKind::Plan => Phase::Planning,
            RunKind::Apply => Phase::Applying,
        },
    );
    let started = Instant::now();
    let mut report = run_api::execute(ctx, st.repo.as_ref(), kind, commit, trigger);
    report.kind = Some(kind);
    ctx.shared.record_run(
        &ctx.env.name,
        kind.as_str(),
        report.outcome.as_str(),
        started.elapsed().as_secs_f64(),
    );
    tracing::info!(
        kind = kind.as_str(),
        commit = %commit.short_sha(),
        outcome = report.outcome.as_str(),
        add = report.counts.add,
        change = report.counts.change,
        destroy = report.counts.destroy,
        drift = report.drift.len(),
        run_id = report.run_id,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "run finished"
    );
    report
}

fn record_refusal(ctx: &EnvContext, head: &CommitInfo, trigger: &str, reason: &str) -> Option<i64> {
    run_api::record_refusal(ctx, head, trigger, reason)
}

mod run_api {
    //! Adapter over `crate::runs` (filled in when the run API lands).
    use super::*;

    pub fn execute(
        ctx: &EnvContext,
        repo: Option<&Repo>,
        kind: RunKind,
        commit: &CommitInfo,
        trigger: &str,
    ) -> RunReport {
        let _ = (ctx, repo, kind, commit, trigger);
        RunReport {
            error: Some("the run API is not available in this build".to_string()),
            ..RunReport::default()
        }
    }

    pub fn record_refusal(
        ctx: &EnvContext,
        head: &CommitInfo,
        trigger: &str,
        reason: &str,
    ) -> Option<i64> {
        let _ = (ctx, head, trigger, reason);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(resources: &[&str], attributes: &[&str]) -> IgnoreDriftRule {
        IgnoreDriftRule {
            resources: resources
                .iter()
                .map(|r| globset::Glob::new(r).unwrap().compile_matcher())
                .collect(),
            attributes: attributes.iter().map(|a| a.to_string()).collect(),
        }
    }

    fn finding(address: &str, change: &str, paths: &[&str]) -> Finding {
        Finding {
            address: address.to_string(),
            change: change.to_string(),
            attributes: paths
                .iter()
                .map(|p| AttrDrift {
                    path: p.to_string(),
                    from: json!(1),
                    to: json!(2),
                })
                .collect(),
        }
    }

    fn summary(fs: &[Finding]) -> Vec<String> {
        fs.iter()
            .map(|f| {
                let paths: Vec<&str> = f.attributes.iter().map(|a| a.path.as_str()).collect();
                format!("{} {} [{}]", f.address, f.change, paths.join(","))
            })
            .collect()
    }

    #[test]
    fn ignore_drift_rules() {
        let findings = vec![
            finding(
                "aws_instance.web",
                "update",
                &["tags.Owner", "instance_type"],
            ),
            finding("aws_instance.db", "update", &["tags"]),
            finding("aws_autoscaling_group.app", "update", &["desired_capacity"]),
            finding("local_file.stamp", "delete", &[]),
            finding("module.net.aws_vpc.main", "update", &["tags_all[\"x\"]"]),
        ];
        let cases: Vec<(&str, Vec<IgnoreDriftRule>, Vec<&str>)> = vec![
            (
                "no rules",
                vec![],
                vec![
                    "aws_instance.web update [tags.Owner,instance_type]",
                    "aws_instance.db update [tags]",
                    "aws_autoscaling_group.app update [desired_capacity]",
                    "local_file.stamp delete []",
                    "module.net.aws_vpc.main update [tags_all[\"x\"]]",
                ],
            ),
            (
                "a parent path covers its children; other attributes stay",
                vec![rule(&["aws_instance.*"], &["tags"])],
                vec![
                    "aws_instance.web update [instance_type]",
                    "aws_autoscaling_group.app update [desired_capacity]",
                    "local_file.stamp delete []",
                    "module.net.aws_vpc.main update [tags_all[\"x\"]]",
                ],
            ),
            (
                "a rule without attributes drops the resource, deletions too",
                vec![
                    rule(&["aws_autoscaling_group.app", "local_file.*"], &[]),
                    rule(&["*"], &["tags_all"]),
                ],
                vec![
                    "aws_instance.web update [tags.Owner,instance_type]",
                    "aws_instance.db update [tags]",
                ],
            ),
            (
                "an attribute rule does not hide a deletion; prefixes need a separator",
                vec![
                    rule(&["local_file.stamp"], &["content"]),
                    rule(&["*"], &["tag"]),
                ],
                vec![
                    "aws_instance.web update [tags.Owner,instance_type]",
                    "aws_instance.db update [tags]",
                    "aws_autoscaling_group.app update [desired_capacity]",
                    "local_file.stamp delete []",
                    "module.net.aws_vpc.main update [tags_all[\"x\"]]",
                ],
            ),
        ];
        for (name, rules, want) in cases {
            assert_eq!(summary(&filter_drift(&findings, &rules)), want, "{name}");
        }
    }
}
