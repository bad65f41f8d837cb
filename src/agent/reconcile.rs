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
//!   and under `revert` the deployed commit is applied again, unless the
//!   branch head is another commit not deployed yet or the last sync
//!   failed: then the drift is only reported, with the reason (a revert
//!   would undo what a half-applied newer commit created).
//!
//! A failure (fetch, provider, state) never ends the loop: it is recorded,
//! and the next sync waits `retry_initial`, doubling up to `retry_max`.
//! Every run goes through [`crate::runs::execute`], the code path the
//! command line uses.

use crate::agent::config::{AgentSettings, CommitPolicy, DriftPolicy, EnvironmentConfig};
use crate::agent::journal;
use crate::agent::schedule;
use crate::agent::status::{CommitView, Phase, Shared};
use crate::agent::webhook::Outbox;
use crate::runs::{
    self, Approval, ConfigSource, DriftFinding, DriftOptions, IgnoreDrift, Outcome, RunKind,
    RunSpec, Trigger,
};
use gitform_engine::changes::{Action, ChangeCounts};
use gitform_engine::variables::VarArg;
use gitform_git::{CommitInfo, Repo};
use gitform_state::GitCommit;
use gitform_value::Value;
use jiff::Timestamp;
use serde_json::json;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Instant;

/// A message to an environment's loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wake {
    /// Sync now (`trigger` is recorded with the run).
    Sync { trigger: Trigger },
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
    /// The branch head at the last fetch.
    head: Option<String>,
    /// Whether the last run of the head failed (it may have left part of
    /// its changes in the state).
    head_failed: bool,
    failures: u32,
    next_sync: Instant,
    next_drift: Option<Timestamp>,
    trigger: Trigger,
}

/// Runs the loop until shutdown.
pub fn run_environment(ctx: EnvContext, wake: Receiver<Wake>) {
    let name = ctx.env.name.clone();
    let _span = tracing::info_span!("environment", environment = %name).entered();
    let mut st = LoopState {
        repo: None,
        processed: None,
        current: None,
        head: None,
        head_failed: false,
        failures: 0,
        next_sync: Instant::now(),
        next_drift: None,
        trigger: Trigger::Startup,
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
        st.repo = Some(
            gitform_git::open(&ctx.env.repository, &repo_options(ctx))
                .map_err(|e| e.to_string())?,
        );
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

/// Options for opening the environment's repository. Mirrors of remote
/// repositories live under `DATA_DIR/git`.
fn repo_options(ctx: &EnvContext) -> gitform_git::RepoOptions {
    gitform_git::RepoOptions {
        cache_dir: ctx.agent.data_dir.join("git"),
        credentials: credentials(ctx),
        fetch_timeout: ctx.env.fetch_timeout,
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
    let trigger = std::mem::replace(&mut st.trigger, Trigger::Poll);
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
    if st.head.as_deref() != Some(head.sha.as_str()) {
        st.head = Some(head.sha.clone());
        st.head_failed = false;
    }
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
    tracing::info!(commit = %head.short_sha(), message = %head.summary(), trigger = trigger.as_str(), "new commit");
    let kind = match ctx.env.on_commit {
        CommitPolicy::AutoApply => RunKind::Apply,
        CommitPolicy::PlanOnly => RunKind::Plan,
    };
    let report = execute(ctx, st, kind, &head, trigger);
    match report.outcome {
        Outcome::Success => {
            st.processed = Some(head.sha.clone());
            if kind == RunKind::Apply {
                st.current = Some(runs::git_commit(&head));
                ctx.shared
                    .env(&ctx.env.name, |e| e.current = Some(head_view.clone()));
            }
            let event = if kind == RunKind::Apply {
                "applied"
            } else {
                "planned"
            };
            send(ctx, event, &report, &head, trigger);
            succeeded(ctx, st);
        }
        Outcome::Refused => {
            tracing::warn!(commit = %head.short_sha(), reason = report.error.as_deref().unwrap_or_default(), "commit refused: not applied");
            st.processed = Some(head.sha.clone());
            ctx.shared
                .env(&ctx.env.name, |e| e.refused = Some(head_view.clone()));
            send(ctx, "refused", &report, &head, trigger);
            succeeded(ctx, st);
        }
        Outcome::Cancelled => {
            tracing::info!(commit = %head.short_sha(), "run stopped by shutdown; it is taken up again at the next start");
        }
        Outcome::Failed => {
            st.head_failed = true;
            send(ctx, "failed", &report, &head, trigger);
            failed(
                ctx,
                st,
                kind.as_str(),
                report.error.as_deref().unwrap_or("the run failed"),
            );
        }
    }
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
    let report = execute(ctx, st, RunKind::DriftCheck, &commit, Trigger::Schedule);
    ctx.shared
        .env(&ctx.env.name, |e| e.last_drift_check_at = Some(now));
    match report.outcome {
        Outcome::Success => {}
        Outcome::Cancelled => return,
        Outcome::Failed | Outcome::Refused => {
            let error = report.error.clone().unwrap_or_default();
            tracing::warn!(error = %error, "drift check failed");
            ctx.shared.env(&ctx.env.name, |e| {
                e.last_error = Some(format!("drift check: {error}"))
            });
            send(ctx, "failed", &report, &commit, Trigger::Schedule);
            return;
        }
    }
    let count = report.drifted_resources;
    ctx.shared
        .env(&ctx.env.name, |e| e.drifted_resources = count);
    if count == 0 {
        tracing::info!("no drift");
        return;
    }
    ctx.shared.count(|c| {
        *c.drift_detected.entry(ctx.env.name.clone()).or_default() += 1;
        *c.drifted_resources.entry(ctx.env.name.clone()).or_default() += count as u64;
    });
    let addresses: Vec<&str> = report.drift.iter().map(|f| f.address.as_str()).collect();
    tracing::warn!(resources = ?addresses, policy = ?ctx.env.on_drift, "drift found");
    if ctx.env.on_drift == DriftPolicy::Ignore {
        return;
    }
    let mut report = report;
    let hold = match ctx.env.on_drift {
        DriftPolicy::Revert => revert_hold(st),
        _ => None,
    };
    if let Some(reason) = &hold {
        tracing::warn!(commit = %commit.short_sha(), reason = %reason, "drift not reverted");
        report.note = Some(format!("drift not reverted: {reason}"));
    }
    send(ctx, "drift", &report, &commit, Trigger::Schedule);
    if ctx.env.on_drift != DriftPolicy::Revert || hold.is_some() || ctx.stop.load(Ordering::SeqCst)
    {
        return;
    }
    let mut revert = execute(ctx, st, RunKind::Apply, &commit, Trigger::DriftRevert);
    // The webhook names what was reverted.
    revert.drift = report.drift.clone();
    match revert.outcome {
        Outcome::Success => {
            tracing::info!(commit = %commit.short_sha(), "drift reverted");
            ctx.shared.env(&ctx.env.name, |e| e.drifted_resources = 0);
            send(ctx, "reverted", &revert, &commit, Trigger::DriftRevert);
        }
        Outcome::Cancelled => {}
        Outcome::Failed | Outcome::Refused => {
            let error = revert.error.clone().unwrap_or_default();
            tracing::warn!(error = %error, "reverting drift failed");
            ctx.shared.env(&ctx.env.name, |e| {
                e.last_error = Some(format!("revert: {error}"))
            });
            send(ctx, "failed", &revert, &commit, Trigger::DriftRevert);
        }
    }
}

/// Why a drift revert must wait, if it must: reverting to the deployed
/// commit while the branch head is another commit that is not deployed
/// (it failed halfway, is being retried, or was refused or only planned)
/// would destroy what the head's run already created, which the next sync
/// would create again, and so on.
fn revert_hold(st: &LoopState) -> Option<String> {
    let deployed = st.current.as_ref().map(|c| c.sha.as_str());
    match st.head.as_deref() {
        Some(head) if Some(head) != deployed => {
            let short = head.get(..7).unwrap_or(head);
            Some(if st.head_failed {
                format!("the last run of the branch head {short} failed; the state may hold part of its changes")
            } else {
                format!("the branch head {short} is not the deployed commit")
            })
        }
        _ if st.head_failed || st.failures > 0 => Some("the last sync failed".to_string()),
        _ => None,
    }
}

/// The commit's details, from the repository (opened if needed).
fn resolve(ctx: &EnvContext, st: &mut LoopState, sha: &str) -> Result<CommitInfo, String> {
    if st.repo.is_none() {
        st.repo = Some(
            gitform_git::open(&ctx.env.repository, &repo_options(ctx))
                .map_err(|e| e.to_string())?,
        );
    }
    let repo = st.repo.as_ref().ok_or("no repository")?;
    repo.resolve(sha).map_err(|e| e.to_string())
}

/// Drift findings grouped by resource, as webhooks carry them: each
/// resource with `change` (`update`, or `delete` when the object is gone)
/// and its attributes' recorded (`from`) and live (`to`) values.
pub fn drift_json(findings: &[DriftFinding]) -> serde_json::Value {
    let mut out: Vec<serde_json::Value> = Vec::new();
    let mut by_resource: std::collections::BTreeMap<&str, Vec<&DriftFinding>> =
        std::collections::BTreeMap::new();
    for f in findings {
        by_resource.entry(f.address.as_str()).or_default().push(f);
    }
    for (address, items) in by_resource {
        let deleted = items.iter().any(|f| f.path.is_empty() && f.after.is_none());
        let attributes: Vec<serde_json::Value> = items
            .iter()
            .filter(|f| !f.path.is_empty())
            .map(|f| {
                json!({
                    "path": f.path,
                    "from": f.before,
                    "to": f.after,
                    "sensitive": f.sensitive,
                })
            })
            .collect();
        out.push(json!({
            "resource": address,
            "change": if deleted { "delete" } else { "update" },
            "attributes": attributes,
        }));
    }
    serde_json::Value::Array(out)
}

/// Queues the webhook of `event`.
fn send(ctx: &EnvContext, event: &str, report: &Report, commit: &CommitInfo, trigger: Trigger) {
    if ctx.env.webhooks.is_empty() {
        return;
    }
    let body = json!({
        "event": event,
        "environment": ctx.env.name,
        "repository": gitform_git::redact_url(&ctx.env.repository),
        "branch": ctx.env.branch,
        "path": ctx.env.path,
        "trigger": trigger.as_str(),
        "run_id": report.run_id,
        "kind": report.kind.as_str(),
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
        "drift": (!report.drift.is_empty()).then(|| drift_json(&report.drift)),
        "plan": report.plan_text,
        "note": report.note,
        "timestamp": Timestamp::now().to_string(),
    });
    ctx.outbox
        .send(&ctx.env.name, &ctx.env.webhooks, event, &body);
}

// ---------------------------------------------------------------------------
// Runs: the one code path shared with the command line (`crate::runs`).

/// What the loop keeps of a run's report.
#[derive(Debug)]
struct Report {
    run_id: Option<i64>,
    kind: RunKind,
    outcome: Outcome,
    error: Option<String>,
    counts: ChangeCounts,
    drift: Vec<DriftFinding>,
    drifted_resources: usize,
    /// The plan as `gitform plan` prints it (no colour).
    plan_text: Option<String>,
    /// What the agent did not do, and why (a drift left unreverted).
    note: Option<String>,
}

/// Logs each resource change of an agent run.
struct LogObserver;

impl gitform_engine::Observer for LogObserver {
    fn started(&self, addr: &gitform_engine::address::InstanceAddr, action: Action) {
        tracing::debug!(resource = %addr, action = action.as_str(), "change started");
    }

    fn finished(
        &self,
        addr: &gitform_engine::address::InstanceAddr,
        action: Action,
        ok: bool,
        elapsed: std::time::Duration,
        _id: Option<&str>,
    ) {
        // Data sources are read by every plan: at info level they would
        // fill the log with a line per data source and cycle.
        if action == Action::Read {
            tracing::debug!(
                resource = %addr,
                ok,
                elapsed_ms = elapsed.as_millis() as u64,
                "data source read"
            );
            return;
        }
        tracing::info!(
            resource = %addr,
            action = action.as_str(),
            ok,
            elapsed_ms = elapsed.as_millis() as u64,
            "change finished"
        );
    }
}

/// Where the run reads the commit from: the mirror of a remote, or the
/// local repository itself.
fn repo_location(ctx: &EnvContext, st: &LoopState) -> String {
    match &st.repo {
        Some(r) if r.is_mirror() => r.path().to_string_lossy().into_owned(),
        _ => ctx.env.repository.clone(),
    }
}

/// The spec of an agent run of `kind` for `commit`.
fn spec(
    ctx: &EnvContext,
    st: &LoopState,
    kind: RunKind,
    commit: &CommitInfo,
    trigger: Trigger,
) -> RunSpec {
    let env = &ctx.env;
    let workdir = ctx.agent.data_dir.join(&env.name);
    let source = ConfigSource::Commit {
        repo: repo_location(ctx, st),
        rev: commit.sha.clone(),
        path: PathBuf::from(&env.path),
        workdir,
    };
    let mut spec = RunSpec::new(kind, source, env.state.clone());
    spec.environment = Some(env.name.clone());
    spec.trigger = trigger;
    spec.parallelism = env.parallelism;
    spec.approval = match env.on_commit {
        CommitPolicy::PlanOnly if kind == RunKind::Plan => Approval::PlanOnly,
        _ => Approval::Auto,
    };
    spec.vars = env
        .variables
        .iter()
        .map(|(name, value)| VarArg::Var(format!("{name}={}", var_text(value))))
        .collect();
    if let Some(file) = &env.var_file {
        spec.vars.push(VarArg::File(file.clone()));
    }
    spec.drift = DriftOptions {
        ignore: env
            .ignore_drift
            .iter()
            .flat_map(|r| {
                r.resources.iter().map(|address| IgnoreDrift {
                    address: address.clone(),
                    attributes: r.attributes.clone(),
                })
            })
            .collect(),
    };
    // Commits are checked before they are planned; drift checks and
    // reverts use a commit that was checked when it was deployed.
    if matches!(kind, RunKind::Apply | RunKind::Plan) && trigger != Trigger::DriftRevert {
        spec.require_signature = env.signatures.as_ref().map(|s| s.trusted_keys.clone());
    }
    spec
}

/// A variable's value as `-var NAME=VALUE` takes it: strings raw, other
/// values as HCL (JSON is HCL).
fn var_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => gitform_value::json::to_json_string(other).unwrap_or_default(),
    }
}

/// Runs `kind` for `commit` through the run API, and counts it.
fn execute(
    ctx: &EnvContext,
    st: &mut LoopState,
    kind: RunKind,
    commit: &CommitInfo,
    trigger: Trigger,
) -> Report {
    set_phase(
        ctx,
        match kind {
            RunKind::DriftCheck => Phase::CheckingDrift,
            RunKind::Plan => Phase::Planning,
            _ => Phase::Applying,
        },
    );
    if let Some(dir) = ctx.env.state.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::create_dir_all(ctx.agent.data_dir.join(&ctx.env.name));
    let started = Instant::now();
    let spec = spec(ctx, st, kind, commit, trigger);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runs::execute(
            spec,
            &mut runs::NoHooks,
            Arc::new(LogObserver),
            ctx.stop.clone(),
        )
    }));
    let report = match result {
        Ok(Ok(r)) => Report {
            run_id: Some(r.run_id),
            kind,
            outcome: r.outcome,
            error: r.error.clone(),
            counts: r.applied.unwrap_or(r.planned),
            drift: r.drift,
            drifted_resources: r.drifted_resources,
            plan_text: r.plan.as_ref().map(|p| {
                gitform_engine::render::render_plan(
                    p,
                    gitform_engine::render::RenderOptions { color: false },
                )
            }),
            note: None,
        },
        Ok(Err(e)) => failure(kind, format!("{e:#}")),
        Err(_) => failure(
            kind,
            "the run panicked (a gitform bug); see the log".to_string(),
        ),
    };
    ctx.shared.record_run(
        &ctx.env.name,
        kind.as_str(),
        report.outcome.as_str(),
        started.elapsed().as_secs_f64(),
    );
    tracing::info!(
        kind = kind.as_str(),
        commit = %commit.short_sha(),
        trigger = trigger.as_str(),
        outcome = report.outcome.as_str(),
        add = report.counts.add,
        change = report.counts.change,
        destroy = report.counts.destroy,
        drifted = report.drifted_resources,
        run_id = report.run_id,
        error = report.error.as_deref(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "run finished"
    );
    report
}

fn failure(kind: RunKind, error: String) -> Report {
    Report {
        run_id: None,
        kind,
        outcome: Outcome::Failed,
        error: Some(error),
        counts: ChangeCounts::default(),
        drift: Vec::new(),
        drifted_resources: 0,
        plan_text: None,
        note: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(address: &str, path: &str, before: Value, after: Option<Value>) -> DriftFinding {
        DriftFinding {
            address: address.to_string(),
            path: path.to_string(),
            before: Some(gitform_value::json::to_json(&before).unwrap()),
            after: after.map(|a| gitform_value::json::to_json(&a).unwrap()),
            sensitive: false,
        }
    }

    #[test]
    fn drift_is_grouped_by_resource() {
        let findings = vec![
            finding(
                "aws_instance.web",
                "instance_type",
                Value::string("t3.micro"),
                Some(Value::string("t3.large")),
            ),
            finding("aws_instance.web", "tags.Owner", Value::string("ops"), None),
            finding("local_file.motd", "", Value::string("whole object"), None),
        ];
        assert_eq!(
            drift_json(&findings),
            json!([
                {
                    "resource": "aws_instance.web",
                    "change": "update",
                    "attributes": [
                        {"path": "instance_type", "from": "t3.micro", "to": "t3.large", "sensitive": false},
                        {"path": "tags.Owner", "from": "ops", "to": null, "sensitive": false},
                    ],
                },
                {"resource": "local_file.motd", "change": "delete", "attributes": []},
            ])
        );
    }

    #[test]
    fn variables_as_var_arguments() {
        let cases = [
            (Value::string("eu-west-1"), "eu-west-1"),
            (Value::string("with \"quotes\""), "with \"quotes\""),
            (Value::int(3), "3"),
            (Value::Bool(true), "true"),
            (
                Value::Tuple(vec![Value::string("a"), Value::string("b")]),
                r#"["a","b"]"#,
            ),
        ];
        for (v, want) in cases {
            assert_eq!(var_text(&v), want);
        }
    }
}
