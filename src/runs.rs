//! The run API: ONE code path for every plan, apply, destroy, refresh,
//! drift check and rollback, whether the command line or the agent starts
//! it.
//!
//! [`execute`] loads the configuration (a directory, or a Git commit read
//! without a checkout), checks the commit's signature when asked, takes the
//! state lock, plans, reports drift, applies according to [`Approval`],
//! records every state version with the commit it came from, and journals
//! the run (environment, kind, trigger, commit, outcome, counts, drift, the
//! plan that ran) in the state database. What is printed is left to the
//! caller's [`RunHooks`] and engine [`Observer`].
//!
//! Callers inside a tokio runtime call [`execute`] from `spawn_blocking`
//! (it runs its own runtime), or await [`run`].

use crate::diag_error::DiagnosticsError;
use gitform_config::Module;
use gitform_engine::address::{parse_instance, parse_target};
use gitform_engine::changes::{ChangeCounts, Plan, PlanMode};
use gitform_engine::lock::LockGuard;
use gitform_engine::operations::{self, Workspace};
use gitform_engine::variables::{collect_root_values_with, VarArg};
use gitform_engine::{planfile, Observer, PlanOptions};
use gitform_git::{CommitInfo, SignatureStatus, TrustedKeys};
use gitform_state::{
    GitCommit, LockInfo, RunCounts, RunFinish, RunStart, SqliteStore, StateStore, VersionMeta,
};
use gitform_value::{AttrPath, Diagnostic, Diagnostics, PathStep, SourceFile, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunKind {
    /// Plan only (`gitform plan`, or a plan-only environment).
    Plan,
    /// Plan and apply (`gitform apply`, the agent applying a commit).
    Apply,
    /// Plan to destroy everything and apply that.
    Destroy,
    /// Refresh-only plan and apply (`gitform refresh`).
    Refresh,
    /// Refresh-only plan, never applied: what changed outside gitform.
    DriftCheck,
    /// Plan and apply the configuration of an earlier commit.
    Rollback,
}

impl RunKind {
    /// The spelling in the runs journal.
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Plan => "plan",
            RunKind::Apply => "apply",
            RunKind::Destroy => "destroy",
            RunKind::Refresh => "refresh",
            RunKind::DriftCheck => "drift-check",
            RunKind::Rollback => "rollback",
        }
    }

    fn lock_operation(self) -> &'static str {
        match self {
            RunKind::Plan | RunKind::DriftCheck => "OperationTypePlan",
            RunKind::Refresh => "OperationTypeRefresh",
            RunKind::Apply | RunKind::Destroy | RunKind::Rollback => "OperationTypeApply",
        }
    }

    /// Whether the run may apply (subject to [`Approval`]).
    fn applies(self) -> bool {
        matches!(
            self,
            RunKind::Apply | RunKind::Destroy | RunKind::Refresh | RunKind::Rollback
        )
    }
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// A command typed by someone (or a CI job).
    Cli,
    /// The agent saw the tracked branch move.
    Poll,
    /// A drift-check schedule fired.
    Schedule,
    /// `POST /api/environments/NAME/sync` (a Git host's webhook).
    Webhook,
    /// The agent reverting drift under the `revert` policy.
    DriftRevert,
    /// The agent catching up after a restart.
    Startup,
}

impl Trigger {
    /// The spelling in the runs journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Cli => "cli",
            Trigger::Poll => "poll",
            Trigger::Schedule => "schedule",
            Trigger::Webhook => "webhook",
            Trigger::DriftRevert => "drift-revert",
            Trigger::Startup => "startup",
        }
    }
}

/// Where the configuration comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A directory on disk (the working directory for the CLI).
    Dir(PathBuf),
    /// A commit of a repository, read from the object database.
    Commit {
        /// Anything `gitform_git::open` accepts; normally a local repository
        /// or the path of an agent's mirror (`Repo::path()`).
        repo: String,
        /// A SHA, branch, tag or rev-parse expression.
        rev: String,
        /// The module directory inside the repository (empty for the top).
        path: PathBuf,
        /// The directory `path.module` names and relative file paths of the
        /// configuration resolve against (`.` for the CLI).
        workdir: PathBuf,
    },
}

/// Whether a run that may apply does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    /// Apply without asking (`-auto-approve`, the agent's `auto-apply`).
    Auto,
    /// Plan and record, never apply (the agent's `plan-only`).
    PlanOnly,
    /// Ask [`RunHooks::confirm`] when the plan has changes.
    Ask,
}

/// Drift findings to leave out: attributes that legitimately change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreDrift {
    /// Resource instance address; `*` matches any run of characters
    /// (`aws_instance.*`, `module.app.local_file.log[*]`).
    pub address: String,
    /// Attribute paths (`tags`, `tags.LastModified`, `tags["LastModified"]`,
    /// `ingress[0].cidr_blocks`; see [`parse_attribute_path`]); a finding
    /// at or under one is ignored. An attribute step and a map key step
    /// match alike. Empty: every attribute.
    pub attributes: Vec<String>,
}

/// Drift options of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DriftOptions {
    pub ignore: Vec<IgnoreDrift>,
}

/// State locking of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockOptions {
    /// `-lock=false` turns it off.
    pub enabled: bool,
    /// How long to retry a held lock.
    pub timeout: Duration,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions {
            enabled: true,
            timeout: Duration::ZERO,
        }
    }
}

/// Everything a run needs to know.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The agent environment; `None` from the command line.
    pub environment: Option<String>,
    pub kind: RunKind,
    pub trigger: Trigger,
    pub source: ConfigSource,
    /// `-var` and `-var-file` in order. Relative var files of a commit
    /// source are read from the commit (relative to the module directory)
    /// when there, else from disk relative to the workdir.
    pub vars: Vec<VarArg>,
    /// Environment variables (`TF_VAR_name`) to take values from.
    pub env: Vec<(String, String)>,
    pub state_path: PathBuf,
    pub parallelism: usize,
    pub approval: Approval,
    pub drift: DriftOptions,
    /// `-target` addresses.
    pub targets: Vec<String>,
    /// `-replace` addresses.
    pub replace: Vec<String>,
    /// `-refresh=false` turns it off.
    pub refresh: bool,
    /// `-destroy` on plan (apply and rollback ignore it; use [`RunKind::Destroy`]).
    pub destroy: bool,
    /// `-refresh-only` on plan and apply.
    pub refresh_only: bool,
    pub lock: LockOptions,
    /// Refuse (and record) a commit that is not signed by one of these keys.
    pub require_signature: Option<TrustedKeys>,
    /// Apply this saved plan instead of planning (`gitform apply PLANFILE`).
    pub saved_plan: Option<Plan>,
}

impl RunSpec {
    /// A spec with the CLI's defaults: trigger `cli`, parallelism 10,
    /// approval `Ask`, refresh on, locking on, `TF_VAR_*` from this process.
    pub fn new(kind: RunKind, source: ConfigSource, state_path: impl Into<PathBuf>) -> RunSpec {
        RunSpec {
            environment: None,
            kind,
            trigger: Trigger::Cli,
            source,
            vars: Vec::new(),
            env: std::env::vars()
                .filter(|(k, _)| k.starts_with("TF_VAR_"))
                .collect(),
            state_path: state_path.into(),
            parallelism: 10,
            approval: Approval::Ask,
            drift: DriftOptions::default(),
            targets: Vec::new(),
            replace: Vec::new(),
            refresh: true,
            destroy: false,
            refresh_only: false,
            lock: LockOptions::default(),
            require_signature: None,
            saved_plan: None,
        }
    }

    fn mode(&self) -> PlanMode {
        match self.kind {
            RunKind::Destroy => PlanMode::Destroy,
            RunKind::Refresh | RunKind::DriftCheck => PlanMode::RefreshOnly,
            RunKind::Plan if self.destroy => PlanMode::Destroy,
            RunKind::Plan | RunKind::Apply if self.refresh_only => PlanMode::RefreshOnly,
            RunKind::Plan | RunKind::Apply | RunKind::Rollback => PlanMode::Normal,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Success,
    Failed,
    /// Not started: the commit's signature is not trusted.
    Refused,
    /// Stopped by the user (declined at the prompt, Ctrl-C, SIGTERM).
    Cancelled,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failed => "failed",
            Outcome::Refused => "refused",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// One attribute of one resource instance changed outside gitform.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DriftFinding {
    /// Resource instance address.
    pub address: String,
    /// Attribute path (`content`, `tags["env"]`); empty when the whole
    /// object changed (deleted outside gitform).
    pub path: String,
    /// Recorded value (JSON); `None` when the attribute was absent.
    pub before: Option<serde_json::Value>,
    /// Live value (JSON); `None` when the object or attribute is gone.
    pub after: Option<serde_json::Value>,
    /// The values are sensitive: `before`/`after` are withheld.
    pub sensitive: bool,
}

/// What a run did.
#[derive(Debug)]
pub struct RunReport {
    /// Id in the state's runs journal.
    pub run_id: i64,
    pub kind: RunKind,
    pub environment: Option<String>,
    pub trigger: Trigger,
    pub commit: Option<CommitInfo>,
    /// The signature check, when the spec required one.
    pub signature: Option<SignatureStatus>,
    /// The plan that ran (or would have run).
    pub plan: Option<Plan>,
    /// Whether the plan is already in the journal (an apply saves it while
    /// it applies).
    plan_journaled: bool,
    /// Attribute-level drift, after `ignore_drift` rules.
    pub drift: Vec<DriftFinding>,
    /// Resource instances with drift left after `ignore_drift` rules.
    pub drifted_resources: usize,
    /// What the plan proposes.
    pub planned: ChangeCounts,
    /// What the apply did; `None` when nothing was applied.
    pub applied: Option<ChangeCounts>,
    /// The state version the apply wrote.
    pub serial: Option<u64>,
    /// Root module outputs after the apply.
    pub outputs: BTreeMap<String, (Value, bool)>,
    pub outcome: Outcome,
    /// One line saying why the run failed, was refused or cancelled.
    pub error: Option<String>,
    /// Every diagnostic (warnings included) and the files they point into.
    pub diagnostics: Diagnostics,
    pub sources: Vec<Arc<SourceFile>>,
    /// Unix milliseconds.
    pub started_at: i64,
    pub duration: Duration,
}

impl RunReport {
    /// The report's diagnostics as the CLI's error (exit code 1), when
    /// the run did not succeed.
    pub fn into_error(self) -> anyhow::Error {
        let mut diags = self.diagnostics;
        if !diags.has_errors() {
            diags.push(Diagnostic::error(
                self.error.unwrap_or_else(|| "The run failed.".to_string()),
                "",
            ));
        }
        DiagnosticsError::new(diags)
            .with_sources(self.sources)
            .into()
    }
}

/// What the caller shows or decides during a run. Every method has a
/// default that does nothing (and declines [`RunHooks::confirm`]).
pub trait RunHooks {
    /// Warnings of loading, planning or applying (errors end up in the report).
    fn warnings(&mut self, _diags: &Diagnostics, _sources: &[Arc<SourceFile>]) {}
    /// A stale lock was taken over.
    fn lock_taken_over(&mut self, _previous: &LockInfo) {}
    /// The plan is ready (before any apply).
    fn planned(&mut self, _plan: &Plan) {}
    /// [`Approval::Ask`]: whether to apply this plan.
    fn confirm(&mut self, _plan: &Plan) -> bool {
        false
    }
    /// The apply is about to start (the CLI starts its Ctrl-C watcher here).
    fn applying(&mut self) {}
    /// The apply returned.
    fn applied(&mut self) {}
}

/// Hooks that show nothing and decline to confirm.
pub struct NoHooks;
impl RunHooks for NoHooks {}

/// Runs `spec` on a runtime of its own. See [`run`].
pub fn execute(
    spec: RunSpec,
    hooks: &mut dyn RunHooks,
    progress: Arc<dyn Observer>,
    cancel: Arc<AtomicBool>,
) -> anyhow::Result<RunReport> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(spec, hooks, progress, cancel))
}

/// Runs `spec`. `progress` sees each resource refresh and change; setting
/// `cancel` stops new changes from starting (running ones finish and are
/// recorded). Errors are returned only when the state database cannot be
/// opened or the run cannot be journaled; everything else (bad
/// configuration, held lock, provider errors, refusal) is a report with
/// its outcome, and is journaled.
pub async fn run(
    spec: RunSpec,
    hooks: &mut dyn RunHooks,
    progress: Arc<dyn Observer>,
    cancel: Arc<AtomicBool>,
) -> anyhow::Result<RunReport> {
    let started = Instant::now();
    let state: Arc<dyn StateStore> =
        Arc::new(SqliteStore::open(&spec.state_path).map_err(|e| {
            DiagnosticsError::error(
                "Failed to open the state",
                format!("Could not open {}: {e}.", spec.state_path.display()),
            )
        })?);
    let mut report = RunReport {
        run_id: 0,
        kind: spec.kind,
        environment: spec.environment.clone(),
        trigger: spec.trigger,
        commit: None,
        signature: None,
        plan: None,
        plan_journaled: false,
        drift: Vec::new(),
        drifted_resources: 0,
        planned: ChangeCounts::default(),
        applied: None,
        serial: None,
        outputs: BTreeMap::new(),
        outcome: Outcome::Success,
        error: None,
        diagnostics: Diagnostics::new(),
        sources: Vec::new(),
        started_at: now_millis(),
        duration: Duration::ZERO,
    };
    // The commit is resolved first so that the journal entry names it.
    let opened = match &spec.source {
        ConfigSource::Commit { repo, rev, .. } => match open_commit(repo, rev) {
            Ok((repo, info)) => {
                report.commit = Some(info);
                Some(Ok(repo))
            }
            Err(e) => Some(Err(e)),
        },
        ConfigSource::Dir(_) => None,
    };
    report.run_id = state
        .begin_run(&RunStart {
            kind: spec.kind.as_str().to_string(),
            environment: spec.environment.clone(),
            trigger: spec.trigger.as_str().to_string(),
            git: report.commit.as_ref().map(git_commit),
        })
        .map_err(|e| DiagnosticsError::error("Failed to record the run", e.to_string()))?;

    let result = match opened {
        Some(Err(e)) => Err(Stop::failed(Diagnostic::error(
            "Failed to read the configuration from Git",
            format!("{e}."),
        ))),
        Some(Ok(repo)) => {
            steps(
                &spec,
                Some(&repo),
                state.clone(),
                hooks,
                progress,
                &cancel,
                &mut report,
            )
            .await
        }
        None => {
            steps(
                &spec,
                None,
                state.clone(),
                hooks,
                progress,
                &cancel,
                &mut report,
            )
            .await
        }
    };
    if let Err(stop) = result {
        report.outcome = stop.outcome;
        report.diagnostics.extend(stop.diags);
    }
    if report.outcome == Outcome::Success && report.diagnostics.has_errors() {
        report.outcome = if cancel.load(Ordering::SeqCst) {
            Outcome::Cancelled
        } else {
            Outcome::Failed
        };
    }
    if report.outcome != Outcome::Success && report.error.is_none() {
        report.error = Some(error_line(&report.diagnostics));
    }
    report.duration = started.elapsed();
    journal(state.as_ref(), &report)?;
    Ok(report)
}

/// Why the steps stopped early.
struct Stop {
    outcome: Outcome,
    diags: Diagnostics,
}

impl Stop {
    fn failed(d: impl Into<Diagnostics>) -> Stop {
        Stop {
            outcome: Outcome::Failed,
            diags: d.into(),
        }
    }
}

fn open_commit(
    repo: &str,
    rev: &str,
) -> Result<(gitform_git::Repo, CommitInfo), gitform_git::GitError> {
    let opts = gitform_git::RepoOptions::default();
    let repo = gitform_git::open(repo, &opts)?;
    let info = repo.resolve(rev)?;
    Ok((repo, info))
}

#[allow(clippy::too_many_arguments)]
async fn steps(
    spec: &RunSpec,
    repo: Option<&gitform_git::Repo>,
    state: Arc<dyn StateStore>,
    hooks: &mut dyn RunHooks,
    progress: Arc<dyn Observer>,
    cancel: &Arc<AtomicBool>,
    report: &mut RunReport,
) -> Result<(), Stop> {
    // 1. Signature policy.
    if let (Some(keys), Some(repo), Some(commit)) =
        (&spec.require_signature, repo, report.commit.as_ref())
    {
        let status = gitform_git::verify_commit(repo, &commit.sha, keys).map_err(|e| {
            Stop::failed(Diagnostic::error(
                "Failed to check the commit signature",
                e.to_string(),
            ))
        })?;
        report.signature = Some(status.clone());
        if !status.is_trusted() {
            let line = format!(
                "commit {} refused: {}",
                commit.short_sha(),
                status.describe()
            );
            report.error = Some(line.clone());
            return Err(Stop {
                outcome: Outcome::Refused,
                diags: Diagnostic::error(
                    "Commit signature not trusted",
                    format!("{line}. Only commits signed by a trusted key are applied in this environment."),
                )
                .into(),
            });
        }
    }

    // 2. Configuration (and the drift rules, checked before any work).
    let ignore = ignore_rules(&spec.drift).map_err(Stop::failed)?;
    let (ws, warnings, var_source) = load(spec, repo, report)?;
    warn_or_stop(hooks, warnings, &report.sources)?;
    let values = {
        let recorder = VarFiles {
            inner: var_source.as_ref(),
            read: std::sync::Mutex::new(Vec::new()),
        };
        let (values, diags) =
            collect_root_values_with(&recorder, &ws.root, &ws.dir, &spec.vars, &spec.env);
        // Diagnostics in variable files show their lines too.
        if let Ok(read) = recorder.read.into_inner() {
            report.sources.extend(read);
        }
        warn_or_stop(hooks, diags, &report.sources)?;
        values
    };
    drop(var_source);

    // 3. Lock.
    let lock = take_lock(spec, &state, hooks)?;
    let lock_lost = lock.as_ref().map(LockGuard::lost_flag);
    let observer: Arc<dyn Observer> = Arc::new(Bridge {
        inner: progress,
        cancel: cancel.clone(),
        lock_lost: lock_lost.clone(),
    });

    // 4. Plan (or the saved one).
    let plan = match &spec.saved_plan {
        Some(p) => p.clone(),
        None => {
            let opts = plan_options(spec)?;
            let (plan, diags) =
                operations::plan(&ws, state.clone(), values, opts, observer.clone()).await;
            let Some(plan) = plan.filter(|_| !diags.has_errors()) else {
                return Err(Stop::failed(diags));
            };
            warn_or_stop(hooks, diags, &report.sources)?;
            plan
        }
    };
    report.planned = plan.counts();
    report.drift = drift_findings(&plan, &ignore);
    report.drifted_resources = {
        let mut addrs: Vec<&str> = report.drift.iter().map(|f| f.address.as_str()).collect();
        addrs.dedup();
        addrs.len()
    };
    hooks.planned(&plan);
    report.plan = Some(plan.clone());

    // 5. Apply, if this run applies and is allowed to.
    if !spec.kind.applies() || spec.approval == Approval::PlanOnly {
        return Ok(());
    }
    if spec.approval == Approval::Ask && plan.has_changes() && !hooks.confirm(&plan) {
        let what = if plan.mode == PlanMode::Destroy {
            "Destroy"
        } else {
            "Apply"
        };
        report.error = Some(format!("{what} cancelled."));
        return Err(Stop {
            outcome: Outcome::Cancelled,
            diags: Diagnostic::error(format!("{what} cancelled."), "").into(),
        });
    }
    let meta = VersionMeta {
        author: gitform_engine::lock::who(),
        operation: spec.kind.lock_operation().to_string(),
        git: report.commit.as_ref().map(git_commit),
    };
    hooks.applying();
    // The plan goes to the journal while it applies, on a thread of its
    // own: encoding and writing a large plan (a megabyte for 1,000 creates)
    // would otherwise add tens of milliseconds after the last change.
    let journaling = report.plan.take().map(|plan| {
        let (state, id) = (state.clone(), report.run_id);
        std::thread::spawn(move || {
            let saved = state
                .save_run_plan(id, &planfile::encode_for_history(&plan))
                .is_ok();
            (plan, saved)
        })
    });
    let mut outcome =
        operations::apply(&ws, state.clone(), plan, spec.parallelism, observer, meta).await;
    if let Some(Ok((plan, saved))) = journaling.map(std::thread::JoinHandle::join) {
        report.plan = Some(plan);
        report.plan_journaled = saved;
    }
    hooks.applied();
    if lock_lost.is_some_and(|f| f.load(Ordering::SeqCst)) {
        outcome.diagnostics.push(Diagnostic::error(
            "State lock lost",
            "The state lock was force-unlocked or taken over by another process while this apply held it, so gitform stopped starting new changes. The changes that had started were recorded. Check who holds the lock before running again.",
        ));
    }
    report.applied = Some(outcome.counts);
    report.serial = (outcome.serial > 0).then_some(outcome.serial);
    report.outputs = outcome.outputs;
    if outcome.diagnostics.has_errors() {
        let cancelled = cancel.load(Ordering::SeqCst);
        return Err(Stop {
            outcome: if cancelled {
                Outcome::Cancelled
            } else {
                Outcome::Failed
            },
            diags: outcome.diagnostics,
        });
    }
    warn_or_stop(hooks, outcome.diagnostics, &report.sources)?;
    drop(lock);
    Ok(())
}

/// Where a commit's variable files are read: the commit's tree (its
/// `terraform.tfvars`, `*.auto.tfvars`, and `-var-file`s it holds), else the
/// disk at the same path (a `-var-file` kept out of Git, such as secrets,
/// or an absolute path elsewhere). Diagnostics name the files as the
/// configuration's own files are named.
struct CommitThenDisk(gitform_git::CommitReader);

impl gitform_config::SourceReader for CommitThenDisk {
    fn list_files(&self, dir: &Path) -> std::io::Result<Vec<String>> {
        self.0.list_files(dir)
    }

    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.0.read_file(path).or_else(|commit_err| {
            gitform_config::DiskReader
                .read_file(path)
                .map_err(|_| commit_err)
        })
    }
}

/// A reader that keeps what it read, so that diagnostics in variable files
/// can show their source lines.
struct VarFiles<'a> {
    inner: &'a dyn gitform_config::SourceReader,
    read: std::sync::Mutex<Vec<Arc<SourceFile>>>,
}

impl gitform_config::SourceReader for VarFiles<'_> {
    fn list_files(&self, dir: &Path) -> std::io::Result<Vec<String>> {
        self.inner.list_files(dir)
    }

    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        let bytes = self.inner.read_file(path)?;
        if let (Ok(text), Ok(mut read)) = (std::str::from_utf8(&bytes), self.read.lock()) {
            read.push(Arc::new(SourceFile::new(
                path.to_string_lossy().as_ref(),
                text,
            )));
        }
        Ok(bytes)
    }
}

/// `dir` as an absolute, lexically normal path (not resolving links), as
/// the engine takes the working directory of a configuration read from a
/// commit (see `Workspace::with_files`).
fn absolute(dir: &Path) -> PathBuf {
    let joined = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(dir))
            .unwrap_or_else(|_| dir.to_path_buf())
    };
    gitform_config::source::normalize(&joined)
}

fn load(
    spec: &RunSpec,
    repo: Option<&gitform_git::Repo>,
    report: &mut RunReport,
) -> Result<
    (
        Workspace,
        Diagnostics,
        Box<dyn gitform_config::SourceReader>,
    ),
    Stop,
> {
    // Providers are resolved against the configuration being run: its
    // `required_providers` (no second parse), and `.gitform/plugins/` in
    // its working directory (the agent's: the environment's data
    // directory), never whatever happens to be in the process's directory.
    let registry = |root: &Module, base_dir: &Path| {
        crate::registry::registry_for(crate::registry::PluginSearch {
            base_dir: base_dir.to_path_buf(),
            requirements: crate::registry::requirements(root),
        })
    };
    let placeholder = gitform_engine::ProviderRegistry::new;
    let commit = report.commit.clone();
    match (&spec.source, repo, commit.as_ref()) {
        (ConfigSource::Commit { path, workdir, .. }, Some(repo), Some(commit)) => {
            let open_reader = || {
                repo.reader(&commit.sha, path).map_err(|e| {
                    Stop::failed(Diagnostic::error(
                        "Failed to read the configuration from Git",
                        format!("{e}. Check the path of the configuration inside the repository."),
                    ))
                })
            };
            let reader = open_reader()?.mounted_at(workdir);
            let (mut ws, diags) = operations::load_from(&reader, workdir, placeholder());
            ws.registry = registry(&ws.root, workdir);
            // The file functions read the commit too. The engine takes the
            // absolute workdir as their working directory, so the commit
            // is mounted there.
            let files = open_reader()?.mounted_at(&absolute(workdir));
            let ws = ws.with_files(Arc::new(gitform_git::CommitFiles::new(files)));
            report.sources = all_files(&ws.root);
            if diags.has_errors() {
                return Err(Stop {
                    outcome: Outcome::Failed,
                    diags,
                });
            }
            Ok((ws, diags, Box::new(CommitThenDisk(reader))))
        }
        (ConfigSource::Dir(dir), _, _) => {
            let (mut ws, diags) = operations::load(dir, placeholder());
            ws.registry = registry(&ws.root, dir);
            report.sources = all_files(&ws.root);
            if diags.has_errors() {
                return Err(Stop {
                    outcome: Outcome::Failed,
                    diags,
                });
            }
            Ok((ws, diags, Box::new(gitform_config::DiskReader)))
        }
        _ => Err(Stop::failed(Diagnostic::error(
            "Failed to read the configuration from Git",
            "The repository could not be opened.",
        ))),
    }
}

fn warn_or_stop(
    hooks: &mut dyn RunHooks,
    diags: Diagnostics,
    sources: &[Arc<SourceFile>],
) -> Result<(), Stop> {
    if diags.has_errors() {
        return Err(Stop::failed(diags));
    }
    if !diags.is_empty() {
        hooks.warnings(&diags, sources);
    }
    Ok(())
}

fn take_lock(
    spec: &RunSpec,
    state: &Arc<dyn StateStore>,
    hooks: &mut dyn RunHooks,
) -> Result<Option<LockGuard>, Stop> {
    if !spec.lock.enabled {
        return Ok(None);
    }
    match gitform_engine::lock::acquire(
        state.clone(),
        spec.kind.lock_operation(),
        spec.lock.timeout,
    ) {
        Ok(guard) => {
            if let Some(previous) = &guard.took_over {
                hooks.lock_taken_over(previous);
            }
            Ok(Some(guard))
        }
        Err(gitform_engine::lock::LockError::Held(info)) => Err(Stop::failed(
            crate::state_access::lock_held_error(
                &spec.state_path,
                "the state is locked by another process",
                &info,
            )
            .diags,
        )),
        Err(e) => Err(Stop::failed(Diagnostic::error(
            "Error acquiring the state lock",
            e.to_string(),
        ))),
    }
}

fn plan_options(spec: &RunSpec) -> Result<PlanOptions, Stop> {
    let mut targets = Vec::new();
    for t in &spec.targets {
        targets.push(parse_target(t).map_err(|e| {
            Stop::failed(Diagnostic::error("Invalid target address", e.to_string()))
        })?);
    }
    let mut replace = Vec::new();
    for r in &spec.replace {
        replace.push(parse_instance(r).map_err(|e| {
            Stop::failed(Diagnostic::error("Invalid replace address", e.to_string()))
        })?);
    }
    if spec.parallelism == 0 {
        return Err(Stop::failed(Diagnostic::error(
            "Invalid parallelism",
            "The -parallelism value must be at least 1.",
        )));
    }
    Ok(PlanOptions {
        mode: spec.mode(),
        targets,
        replace,
        refresh: spec.refresh,
        parallelism: spec.parallelism,
    })
}

/// The engine observer of a run: the caller's progress, plus cancellation
/// by the caller's flag or by the loss of the state lock.
struct Bridge {
    inner: Arc<dyn Observer>,
    cancel: Arc<AtomicBool>,
    lock_lost: Option<Arc<AtomicBool>>,
}

impl Observer for Bridge {
    fn refreshing(&self, addr: &gitform_engine::address::InstanceAddr, id: Option<&str>) {
        self.inner.refreshing(addr, id);
    }

    fn started(
        &self,
        addr: &gitform_engine::address::InstanceAddr,
        action: gitform_engine::changes::Action,
    ) {
        self.inner.started(addr, action);
    }

    fn finished(
        &self,
        addr: &gitform_engine::address::InstanceAddr,
        action: gitform_engine::changes::Action,
        ok: bool,
        elapsed: Duration,
        id: Option<&str>,
    ) {
        self.inner.finished(addr, action, ok, elapsed, id);
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
            || self
                .lock_lost
                .as_ref()
                .is_some_and(|f| f.load(Ordering::SeqCst))
            || self.inner.cancelled()
    }
}

/// Every source file of a module tree, for diagnostic snippets.
pub fn all_files(m: &Module) -> Vec<Arc<SourceFile>> {
    let mut out = m.files.clone();
    for c in m.children.values() {
        out.extend(all_files(c));
    }
    out
}

pub fn git_commit(c: &CommitInfo) -> GitCommit {
    GitCommit {
        sha: c.sha.clone(),
        author: c.author.clone(),
        email: c.email.clone(),
        message: c.message.clone(),
        time: c.time.clone(),
    }
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn error_line(diags: &Diagnostics) -> String {
    match diags.iter().find(|d| d.is_error()) {
        Some(d) if d.detail.is_empty() => d.summary.clone(),
        Some(d) => format!(
            "{}: {}",
            d.summary,
            d.detail.lines().next().unwrap_or_default()
        ),
        None => "the run did not finish".to_string(),
    }
}

fn journal(state: &dyn StateStore, report: &RunReport) -> anyhow::Result<()> {
    let counts = report.applied.unwrap_or(report.planned);
    let detail = serde_json::json!({
        "drift": report.drift,
        "drifted_resources": report.drifted_resources,
        "planned": {
            "add": report.planned.add,
            "change": report.planned.change,
            "destroy": report.planned.destroy,
        },
        "applied": report.applied.is_some(),
        "signature": report.signature.as_ref().map(SignatureStatus::describe),
        "duration_ms": u64::try_from(report.duration.as_millis()).unwrap_or(u64::MAX),
    });
    let finish = RunFinish {
        outcome: report.outcome.as_str().to_string(),
        summary: report.plan.as_ref().map(|p| summary_line(p, report)),
        serial: report.serial,
        counts: RunCounts {
            add: counts.add as u64,
            change: counts.change as u64,
            destroy: counts.destroy as u64,
        },
        drift_count: report.drifted_resources as u64,
        error: report.error.clone(),
        plan: report
            .plan
            .as_ref()
            .filter(|_| !report.plan_journaled)
            .map(planfile::encode_for_history),
        detail: Some(detail),
        git: None,
    };
    state
        .complete_run(report.run_id, &finish)
        .map_err(|e| DiagnosticsError::error("Failed to record the run", e.to_string()))?;
    Ok(())
}

fn summary_line(plan: &Plan, report: &RunReport) -> String {
    let c = report.applied.unwrap_or(plan.counts());
    let verb = if report.applied.is_some() {
        "applied"
    } else {
        "planned"
    };
    let mut text = format!(
        "{verb}: {} to add, {} to change, {} to destroy",
        c.add, c.change, c.destroy
    );
    if report.drifted_resources > 0 {
        text.push_str(&format!("; {} drifted", report.drifted_resources));
    }
    text
}

/// An `ignore_drift` rule, its attribute paths parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct IgnoreRule {
    /// See [`IgnoreDrift::address`].
    pub address: String,
    /// Empty: every attribute.
    pub attributes: Vec<Vec<Step>>,
}

/// One step of an attribute path as `ignore_drift` compares them: an
/// attribute (`.Owner`) and a map key (`["Owner"]`) are both names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Name(String),
    Index(i64),
}

impl Step {
    fn matches(&self, step: &PathStep) -> bool {
        match (self, step) {
            (Step::Name(a), PathStep::Attr(b) | PathStep::Key(b)) => a == b,
            (Step::Index(a), PathStep::Index(b)) => a == b,
            // `ingress.0` names the first element as `ingress[0]` does,
            // and `[0]` a map key "0".
            (Step::Name(a), PathStep::Index(b)) => *a == b.to_string(),
            (Step::Index(a), PathStep::Attr(b) | PathStep::Key(b)) => a.to_string() == *b,
        }
    }
}

/// Parses an attribute path of an `ignore_drift` rule: a name, then any
/// of `.name`, `["key"]` (JSON string escapes) and `[N]`. `tags.Owner` and
/// `tags["Owner"]` are the same path.
pub fn parse_attribute_path(text: &str) -> Result<Vec<Step>, String> {
    let bad = |why: &str| {
        format!("{text:?} is not an attribute path: {why}. Write a path such as tags, tags.Owner, tags[\"Owner\"] or ingress[0].")
    };
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let name = |rest: &str| -> (String, usize) {
        let end = rest.find(|c| !is_name_char(c)).unwrap_or(rest.len());
        (rest[..end].to_string(), end)
    };
    let mut steps = Vec::new();
    let (first, used) = name(text);
    if first.is_empty() {
        return Err(bad("it must start with an attribute name"));
    }
    steps.push(Step::Name(first));
    let mut rest = &text[used..];
    while let Some(c) = rest.chars().next() {
        match c {
            '.' => {
                let (n, used) = name(&rest[1..]);
                if n.is_empty() {
                    return Err(bad("a name must follow each \".\""));
                }
                steps.push(Step::Name(n));
                rest = &rest[1 + used..];
            }
            '[' if rest[1..].starts_with('"') => {
                // The closing quote: the first one not escaped.
                let body = &rest[2..];
                let mut escaped = false;
                let close = body.char_indices().find_map(|(i, c)| {
                    let end = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    end.then_some(i)
                });
                let Some(close) = close else {
                    return Err(bad("a quoted key is not closed"));
                };
                let key: String = serde_json::from_str(&rest[1..close + 3])
                    .map_err(|e| bad(&format!("the quoted key is not a valid string ({e})")))?;
                if !body[close + 1..].starts_with(']') {
                    return Err(bad("a \"]\" must follow a quoted key"));
                }
                steps.push(Step::Name(key));
                rest = &body[close + 2..];
            }
            '[' => {
                let Some(close) = rest.find(']') else {
                    return Err(bad("a \"[\" is not closed"));
                };
                let index = rest[1..close].trim().parse::<i64>().map_err(|_| {
                    bad("an index in brackets must be a number, or a key in double quotes")
                })?;
                steps.push(Step::Index(index));
                rest = &rest[close + 1..];
            }
            other => return Err(bad(&format!("unexpected {other:?}"))),
        }
    }
    Ok(steps)
}

/// The rules of `opts` with their attribute paths parsed; an error
/// diagnostic for each path that does not parse.
pub fn ignore_rules(opts: &DriftOptions) -> Result<Vec<IgnoreRule>, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut out = Vec::new();
    for r in &opts.ignore {
        let mut attributes = Vec::new();
        for a in &r.attributes {
            match parse_attribute_path(a.trim()) {
                Ok(steps) => attributes.push(steps),
                Err(e) => diags.push(Diagnostic::error(
                    "Invalid ignore_drift attribute",
                    format!("{e} (in the rule for {:?})", r.address),
                )),
            }
        }
        out.push(IgnoreRule {
            address: r.address.clone(),
            attributes,
        });
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(out)
}

/// Attribute-level drift of a plan, minus what `rules` ignore.
pub fn drift_findings(plan: &Plan, rules: &[IgnoreRule]) -> Vec<DriftFinding> {
    let mut out = Vec::new();
    for d in &plan.drift {
        let address = d.addr.to_string();
        let mut found = Vec::new();
        match &d.after {
            None => found.push((AttrPath::root(), Some(&d.before), None)),
            Some(after) => diff_values(&AttrPath::root(), Some(&d.before), Some(after), &mut found),
        }
        for (path, before, after) in found {
            if ignored(&address, &path, rules) {
                continue;
            }
            let path_text = path.to_string();
            let sensitive = before.is_some_and(is_sensitive) || after.is_some_and(is_sensitive);
            let show = |v: Option<&Value>| -> Option<serde_json::Value> {
                if sensitive {
                    return None;
                }
                v.map(|v| gitform_value::json::to_json(v).unwrap_or(serde_json::Value::Null))
            };
            out.push(DriftFinding {
                address: address.clone(),
                path: path_text,
                before: show(before),
                after: show(after),
                sensitive,
            });
        }
    }
    out
}

fn is_sensitive(v: &Value) -> bool {
    match v {
        Value::Sensitive(_) => true,
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            items.iter().any(is_sensitive)
        }
        Value::Map(m) | Value::Object(m) => m.values().any(is_sensitive),
        _ => false,
    }
}

/// Leaf-level differences between two values: objects and maps by key,
/// lists and tuples of equal length by position; anything else whole.
fn diff_values<'a>(
    path: &AttrPath,
    before: Option<&'a Value>,
    after: Option<&'a Value>,
    out: &mut Vec<(AttrPath, Option<&'a Value>, Option<&'a Value>)>,
) {
    if before == after {
        return;
    }
    match (before, after) {
        (Some(Value::Object(a)), Some(Value::Object(b)))
        | (Some(Value::Map(a)), Some(Value::Map(b))) => {
            let is_object = matches!(before, Some(Value::Object(_)));
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let step = if is_object {
                    PathStep::Attr(k.clone())
                } else {
                    PathStep::Key(k.clone())
                };
                diff_values(&path.join(step), a.get(k), b.get(k), out);
            }
        }
        (Some(Value::List(a)), Some(Value::List(b)))
        | (Some(Value::Tuple(a)), Some(Value::Tuple(b)))
            if a.len() == b.len() =>
        {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                let step = PathStep::Index(i64::try_from(i).unwrap_or(i64::MAX));
                diff_values(&path.join(step), Some(x), Some(y), out);
            }
        }
        // A null attribute and an absent one are the same to the user.
        (Some(Value::Null), None) | (None, Some(Value::Null)) => {}
        _ => out.push((path.clone(), before, after)),
    }
}

/// Whether a rule covers the finding at `path` of `address`: the address
/// matches, and the rule has no attributes or one of them is `path` or a
/// prefix of it, step by step.
fn ignored(address: &str, path: &AttrPath, rules: &[IgnoreRule]) -> bool {
    rules.iter().any(|r| {
        wildcard_match(&r.address, address)
            && (r.attributes.is_empty()
                || r.attributes.iter().any(|a| {
                    !path.0.is_empty()
                        && a.len() <= path.0.len()
                        && a.iter().zip(&path.0).all(|(x, y)| x.matches(y))
                }))
    })
}

/// `*` matches any run of characters; everything else literally (so the
/// `[` and `]` of instance keys need no escaping).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        let cases = [
            ("local_file.a", "local_file.a", true),
            ("local_file.a", "local_file.ab", false),
            ("local_file.*", "local_file.x[\"k\"]", true),
            ("*.log", "module.m.local_file.log", true),
            (
                "module.*.local_file.log[*]",
                "module.a.local_file.log[3]",
                true,
            ),
            (
                "module.*.local_file.log[*]",
                "module.a.local_file.cfg[3]",
                false,
            ),
            ("a*a", "a", false),
            ("*", "anything", true),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(wildcard_match(pattern, text), want, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn value_diffs_reach_the_leaves() {
        let obj = |pairs: &[(&str, Value)]| {
            Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            )
        };
        let map = |pairs: &[(&str, &str)]| {
            Value::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::string(*v)))
                    .collect(),
            )
        };
        let before = obj(&[
            ("content", Value::string("a")),
            ("tags", map(&[("env", "prod"), ("owner", "ann")])),
            ("ports", Value::List(vec![Value::int(80), Value::int(443)])),
            ("same", Value::Bool(true)),
            ("gone", Value::Null),
        ]);
        let after = obj(&[
            ("content", Value::string("b")),
            ("tags", map(&[("env", "dev"), ("owner", "ann")])),
            ("ports", Value::List(vec![Value::int(80), Value::int(8443)])),
            ("same", Value::Bool(true)),
        ]);
        let mut out = Vec::new();
        diff_values(&AttrPath::root(), Some(&before), Some(&after), &mut out);
        let paths: Vec<String> = out.iter().map(|(p, _, _)| p.to_string()).collect();
        assert_eq!(paths, ["content", "ports[1]", "tags[\"env\"]"]);
    }

    fn rules(address: &str, attributes: &[&str]) -> Vec<IgnoreRule> {
        ignore_rules(&DriftOptions {
            ignore: vec![IgnoreDrift {
                address: address.into(),
                attributes: attributes.iter().map(|a| a.to_string()).collect(),
            }],
        })
        .expect("valid rules")
    }

    fn path(steps: &[PathStep]) -> AttrPath {
        AttrPath(steps.to_vec())
    }

    fn attr(a: &str) -> PathStep {
        PathStep::Attr(a.into())
    }

    fn key(k: &str) -> PathStep {
        PathStep::Key(k.into())
    }

    #[test]
    fn ignore_rules_match_address_and_attribute_prefix() {
        // (rule attribute, finding path, ignored)
        let cases: &[(&str, &[PathStep], bool)] = &[
            ("tags", &[attr("tags")], true),
            ("tags", &[attr("tags"), key("LastModified")], true),
            ("tags", &[attr("tags_all")], false),
            ("tags", &[attr("ami")], false),
            // Dotted and bracketed keys are the same path.
            (
                "tags.LastModified",
                &[attr("tags"), key("LastModified")],
                true,
            ),
            (
                "tags[\"LastModified\"]",
                &[attr("tags"), key("LastModified")],
                true,
            ),
            ("tags.LastModified", &[attr("tags"), key("Owner")], false),
            ("tags.LastModified", &[attr("tags")], false),
            ("tags[\"a.b\"]", &[attr("tags"), key("a.b")], true),
            ("tags.a.b", &[attr("tags"), key("a.b")], false),
            (
                "tags[\"say \\\"hi\\\"\"]",
                &[attr("tags"), key("say \"hi\"")],
                true,
            ),
            // Nested blocks and positions.
            (
                "ingress[0]",
                &[attr("ingress"), PathStep::Index(0), attr("cidr_blocks")],
                true,
            ),
            ("ingress.0", &[attr("ingress"), PathStep::Index(0)], true),
            ("ingress[1]", &[attr("ingress"), PathStep::Index(0)], false),
            (
                "root_block_device[0].volume_size",
                &[
                    attr("root_block_device"),
                    PathStep::Index(0),
                    attr("volume_size"),
                ],
                true,
            ),
            (
                "metadata_options.http_tokens",
                &[
                    attr("metadata_options"),
                    PathStep::Index(0),
                    attr("http_tokens"),
                ],
                false,
            ),
            // The whole object deleted is covered only by a rule without attributes.
            ("tags", &[], false),
        ];
        for (rule, steps, want) in cases {
            let r = rules("aws_instance.*", &[rule]);
            assert_eq!(
                ignored("aws_instance.web", &path(steps), &r),
                *want,
                "{rule} ~ {}",
                path(steps)
            );
            assert!(
                !ignored("aws_s3_bucket.b", &path(steps), &r),
                "{rule}: address"
            );
        }
        let all = rules("local_file.log", &[]);
        assert!(ignored("local_file.log", &AttrPath::root(), &all));
        assert!(ignored("local_file.log", &path(&[attr("content")]), &all));
        assert!(!ignored("local_file.cfg", &AttrPath::root(), &all));
    }

    #[test]
    fn attribute_paths_parse_into_steps() {
        let name = |n: &str| Step::Name(n.into());
        let cases: &[(&str, Option<Vec<Step>>)] = &[
            ("tags", Some(vec![name("tags")])),
            ("tags.Owner", Some(vec![name("tags"), name("Owner")])),
            ("tags[\"Owner\"]", Some(vec![name("tags"), name("Owner")])),
            (
                "a[2].b[\"c\"]",
                Some(vec![name("a"), Step::Index(2), name("b"), name("c")]),
            ),
            ("kebab-case", Some(vec![name("kebab-case")])),
            ("", None),
            ("tags.", None),
            (".tags", None),
            ("tags[Owner]", None),
            ("tags[\"Owner\"", None),
            ("tags[\"Owner", None),
            ("tags[", None),
            ("tags Owner", None),
            ("tags[\"bad \\q\"]", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_attribute_path(text).ok(), *want, "{text:?}");
        }
    }

    #[test]
    fn an_unparsable_rule_is_a_diagnostic() {
        let opts = DriftOptions {
            ignore: vec![IgnoreDrift {
                address: "aws_instance.web".into(),
                attributes: vec!["tags".into(), "tags[Owner]".into()],
            }],
        };
        let diags = ignore_rules(&opts).expect_err("a bad path");
        assert_eq!(diags.len(), 1);
        let d = diags.iter().next().unwrap();
        assert_eq!(d.summary, "Invalid ignore_drift attribute");
        assert!(
            d.detail
                .contains("\"tags[Owner]\" is not an attribute path"),
            "{}",
            d.detail
        );
        assert!(d.detail.contains("aws_instance.web"), "{}", d.detail);
    }
}
