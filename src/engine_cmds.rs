//! The commands built on gitform-engine: plan, apply, destroy, refresh,
//! show, graph, import, validate.

use crate::args::{
    ApplyArgs, DestroyArgs, GraphArgs, ImportArgs, OperationArgs, PlanArgs, RefreshArgs, ShowArgs,
    ValidateArgs, VarArgs, VarSource,
};
use crate::diag_error::DiagnosticsError;
use crate::runs::{
    self, Approval, ConfigSource, LockOptions, Outcome, RunHooks, RunKind, RunReport, RunSpec,
};
use crate::ui::Ui;
use gitform_config::Module;
use gitform_engine::address::{parse_instance, InstanceAddr};
use gitform_engine::changes::{Action, Plan, PlanMode};
use gitform_engine::operations::{self, Workspace};
use gitform_engine::render::{render_plan, RenderOptions};
use gitform_engine::variables::{collect_root_values, VarArg};
use gitform_engine::{planfile, Observer};
use gitform_state::{SqliteStore, StateStore, VersionMeta};
use gitform_value::{Diagnostics, SourceFile, Value};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Every source file of a module tree, for diagnostic snippets.
pub fn all_files(m: &Module) -> Vec<Arc<SourceFile>> {
    let mut out = m.files.clone();
    for c in m.children.values() {
        out.extend(all_files(c));
    }
    out
}

fn fail(diags: Diagnostics, ws: Option<&Workspace>) -> anyhow::Error {
    let sources = ws.map(|w| all_files(&w.root)).unwrap_or_default();
    DiagnosticsError::new(diags).with_sources(sources).into()
}

/// Loads the configuration in the working directory, with the providers
/// its `required_providers` asks for (plugins from `.gitform/plugins/`).
fn load_here() -> (Workspace, Diagnostics) {
    let (mut ws, diags) = operations::load(Path::new("."), gitform_engine::ProviderRegistry::new());
    ws.registry = crate::registry::registry_for(crate::registry::PluginSearch {
        base_dir: ".".into(),
        requirements: crate::registry::requirements(&ws.root),
    });
    (ws, diags)
}

/// Loads the configuration in the working directory; errors stop here.
fn load_workspace(ui: &Ui) -> anyhow::Result<Workspace> {
    let (ws, diags) = load_here();
    if diags.has_errors() {
        return Err(fail(diags, Some(&ws)));
    }
    if !diags.is_empty() {
        ui.diagnostics(&diags, &all_files(&ws.root));
    }
    Ok(ws)
}

fn state_path(flag: Option<&Path>) -> PathBuf {
    crate::state_access::state_path(flag)
}

fn open_state(flag: Option<&Path>) -> anyhow::Result<Arc<dyn StateStore>> {
    let path = state_path(flag);
    let store = SqliteStore::open(&path).map_err(|e| {
        DiagnosticsError::error(
            "Failed to open the state",
            format!("Could not open {}: {e}.", path.display()),
        )
    })?;
    Ok(Arc::new(store))
}

fn var_args(v: &VarArgs) -> Vec<VarArg> {
    v.ordered
        .iter()
        .map(|s| match s {
            VarSource::Var(t) => VarArg::Var(t.clone()),
            VarSource::File(p) => VarArg::File(p.to_string_lossy().into_owned()),
        })
        .collect()
}

fn inputs(ws: &Workspace, vars: &VarArgs, ui: &Ui) -> anyhow::Result<BTreeMap<String, Value>> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let (values, diags) = collect_root_values(&ws.root, Path::new("."), &var_args(vars), &env);
    if diags.has_errors() {
        return Err(fail(diags, Some(ws)));
    }
    if !diags.is_empty() {
        ui.diagnostics(&diags, &all_files(&ws.root));
    }
    Ok(values)
}

/// Progress lines, as Terraform prints them; on a terminal, a reminder
/// every ten seconds of what is still in flight.
struct Progress {
    in_flight: Mutex<HashMap<String, (Action, Instant)>>,
    quiet: bool,
    /// Set by the first Ctrl-C of an apply.
    interrupted: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        Progress {
            in_flight: Mutex::new(HashMap::new()),
            quiet,
            interrupted: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

fn verb(a: Action) -> (&'static str, &'static str) {
    match a {
        Action::Create => ("Creating...", "Creation complete"),
        Action::Update => ("Modifying...", "Modifications complete"),
        Action::Delete => ("Destroying...", "Destruction complete"),
        Action::Read => ("Reading...", "Read complete"),
        _ => ("Working...", "Complete"),
    }
}

fn line(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{s}");
    let _ = out.flush();
}

fn fmt_elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

impl Observer for Progress {
    fn cancelled(&self) -> bool {
        self.interrupted.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn refreshing(&self, addr: &InstanceAddr, id: Option<&str>) {
        if !self.quiet {
            let id = id.map(|i| format!(" [id={i}]")).unwrap_or_default();
            line(&format!("{addr}: Refreshing state...{id}"));
        }
    }

    fn started(&self, addr: &InstanceAddr, action: Action) {
        if let Ok(mut m) = self.in_flight.lock() {
            m.insert(addr.to_string(), (action, Instant::now()));
        }
        if !self.quiet {
            line(&format!("{addr}: {}", verb(action).0));
        }
    }

    fn finished(
        &self,
        addr: &InstanceAddr,
        action: Action,
        ok: bool,
        elapsed: Duration,
        id: Option<&str>,
    ) {
        if let Ok(mut m) = self.in_flight.lock() {
            m.remove(&addr.to_string());
        }
        if ok && !self.quiet {
            let id = id.map(|i| format!(" [id={i}]")).unwrap_or_default();
            line(&format!(
                "{addr}: {} after {}{id}",
                verb(action).1,
                fmt_elapsed(elapsed)
            ));
        }
    }
}

impl Progress {
    fn still_running(&self) {
        let Ok(m) = self.in_flight.lock() else { return };
        let mut items: Vec<_> = m
            .iter()
            .filter(|(_, (_, t))| t.elapsed() >= Duration::from_secs(10))
            .collect();
        items.sort_by(|a, b| a.0.cmp(b.0));
        for (addr, (action, t)) in items {
            let what = match action {
                Action::Create => "Still creating...",
                Action::Update => "Still modifying...",
                Action::Delete => "Still destroying...",
                _ => "Still working...",
            };
            line(&format!(
                "{addr}: {what} [{} elapsed]",
                fmt_elapsed(t.elapsed())
            ));
        }
    }
}

/// Which signal arrived.
#[derive(Clone, Copy)]
enum Interrupt {
    /// SIGINT (Ctrl-C).
    Int,
    /// SIGTERM.
    Term,
}

impl Interrupt {
    /// The status of an exit at once: 128 + the signal number.
    fn exit_code(self) -> i32 {
        match self {
            Interrupt::Int => 130,
            Interrupt::Term => 143,
        }
    }
}

/// The next SIGINT or SIGTERM (SIGINT only if SIGTERM cannot be watched).
async fn next_interrupt(term: &mut Option<tokio::signal::unix::Signal>) -> Option<Interrupt> {
    match term {
        Some(t) => tokio::select! {
            r = tokio::signal::ctrl_c() => r.ok().map(|_| Interrupt::Int),
            r = t.recv() => r.map(|_| Interrupt::Term),
        },
        None => tokio::signal::ctrl_c().await.ok().map(|_| Interrupt::Int),
    }
}

/// Watches for Ctrl-C and SIGTERM during an apply (Terraform treats them
/// alike): the first one stops starting new work and lets what is running
/// finish and be recorded (plugins are stopped cleanly when the run ends);
/// a second one, of either kind, stops the plugins and exits at once. Must
/// be called inside the run's tokio runtime; the returned guard keeps the
/// registry's SIGTERM exit out of the way while the watcher runs.
fn with_interrupts(
    progress: &Arc<Progress>,
) -> (
    tokio::task::JoinHandle<()>,
    crate::registry::GracefulSignals,
) {
    let graceful = crate::registry::graceful_signals();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let p = progress.clone();
    let watcher = tokio::spawn(async move {
        let Some(first) = next_interrupt(&mut term).await else {
            return;
        };
        p.interrupted
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let what = match first {
            Interrupt::Int => "Interrupt received.",
            Interrupt::Term => "Termination signal received.",
        };
        line(&format!("\n{what}\nPlease wait for gitform to exit or data loss may occur.\nGracefully shutting down...\n"));
        if let Some(second) = next_interrupt(&mut term).await {
            line("Two interrupts received. Exiting immediately. Objects being changed right now may be missing from the state.");
            crate::registry::stop_plugins();
            std::process::exit(second.exit_code());
        }
    });
    (watcher, graceful)
}

/// On a terminal, every ten seconds, what is still in flight.
fn spawn_ticker(progress: &Arc<Progress>) -> tokio::task::JoinHandle<()> {
    let p = progress.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(10)).await;
            p.still_running();
        }
    })
}

fn take_lock(
    state: &Arc<dyn StateStore>,
    lock: &crate::args::LockArgs,
    path: Option<&Path>,
    operation: &str,
    ui: &Ui,
) -> anyhow::Result<Option<gitform_engine::lock::LockGuard>> {
    if !lock.lock {
        return Ok(None);
    }
    let guard = match gitform_engine::lock::acquire(state.clone(), operation, lock.lock_timeout) {
        Ok(g) => g,
        Err(gitform_engine::lock::LockError::Held(info)) => {
            return Err(crate::state_access::lock_held_error(
                &state_path(path),
                "the state is locked by another process",
                &info,
            )
            .into())
        }
        Err(e) => {
            return Err(
                DiagnosticsError::error("Error acquiring the state lock", e.to_string()).into(),
            )
        }
    };
    if let Some(prev) = &guard.took_over {
        // On stderr, so that `-json` output stays a JSON document.
        let d = gitform_value::Diagnostic::warning(
            "Took over a stale state lock",
            format!(
                "The state lock {} held by {} (pid {}, operation {:?}) had expired or its process had exited, so it was taken over.",
                prev.id, prev.holder, prev.pid, prev.operation
            ),
        );
        ui.eprint(gitform_config::render::render_diagnostics(
            [&d],
            &(),
            &ui.render_options(true),
        ));
    }
    Ok(Some(guard))
}

/// How the CLI shows a run: plan, prompt, progress, Ctrl-C.
pub struct CliHooks<'a> {
    ui: &'a Ui,
    progress: Arc<Progress>,
    /// Print the plan when it is ready (not for `-json`, saved plans, refresh).
    show_plan: bool,
    watchers: Vec<tokio::task::JoinHandle<()>>,
    /// While the interrupt watcher runs, SIGTERM is its to handle.
    graceful: Option<crate::registry::GracefulSignals>,
}

impl<'a> CliHooks<'a> {
    fn new(ui: &'a Ui, progress: Arc<Progress>, show_plan: bool) -> CliHooks<'a> {
        CliHooks {
            ui,
            progress,
            show_plan,
            watchers: Vec::new(),
            graceful: None,
        }
    }
}

impl RunHooks for CliHooks<'_> {
    fn warnings(&mut self, diags: &Diagnostics, sources: &[Arc<SourceFile>]) {
        self.ui.diagnostics(diags, &sources.to_vec());
    }

    fn lock_taken_over(&mut self, prev: &gitform_state::LockInfo) {
        // On stderr, so that `-json` output stays a JSON document.
        let d = gitform_value::Diagnostic::warning(
            "Took over a stale state lock",
            format!(
                "The state lock {} held by {} (pid {}, operation {:?}) had expired or its process had exited, so it was taken over.",
                prev.id, prev.holder, prev.pid, prev.operation
            ),
        );
        self.ui.eprint(gitform_config::render::render_diagnostics(
            [&d],
            &(),
            &self.ui.render_options(true),
        ));
    }

    fn planned(&mut self, plan: &Plan) {
        if self.show_plan {
            self.ui.print(render_plan(
                plan,
                RenderOptions {
                    color: self.ui.color,
                },
            ));
        }
    }

    fn confirm(&mut self, plan: &Plan) -> bool {
        self.ui.println("");
        confirm(self.ui, plan.mode)
    }

    fn applying(&mut self) {
        let (watcher, graceful) = with_interrupts(&self.progress);
        self.watchers.push(watcher);
        self.graceful = Some(graceful);
        if self.ui.stdout_is_terminal {
            self.watchers.push(spawn_ticker(&self.progress));
        }
    }

    fn applied(&mut self) {
        for w in self.watchers.drain(..) {
            w.abort();
        }
        self.graceful = None;
    }
}

/// Where `plan`/`apply`/`destroy` read the configuration: the working
/// directory, or with `-rev` that commit of the repository around it (the
/// working directory's path inside the repository is the module path).
pub fn config_source(rev: Option<&str>) -> anyhow::Result<ConfigSource> {
    let Some(rev) = rev else {
        return Ok(ConfigSource::Dir(PathBuf::from(".")));
    };
    let (repo, inside) = gitform_git::discover(Path::new(".")).map_err(|e| {
        DiagnosticsError::error(
            "No Git repository for -rev",
            format!("{e}. The -rev option reads the configuration from a commit of the Git repository that contains the working directory."),
        )
    })?;
    Ok(ConfigSource::Commit {
        repo: repo.path().to_string_lossy().into_owned(),
        rev: rev.to_string(),
        path: inside,
        workdir: PathBuf::from("."),
    })
}

/// A run spec from the flags shared by plan, apply and destroy.
pub fn operation_spec(op: &OperationArgs, kind: RunKind) -> anyhow::Result<RunSpec> {
    let mut spec = RunSpec::new(
        kind,
        config_source(op.rev.as_deref())?,
        state_path(op.state.as_deref()),
    );
    spec.vars = var_args(&op.vars);
    spec.parallelism = op.parallelism;
    spec.targets = op.target.clone();
    spec.replace = op.replace.clone();
    spec.refresh = op.refresh;
    spec.destroy = op.destroy;
    spec.refresh_only = op.refresh_only;
    spec.lock = LockOptions {
        enabled: op.lock.lock,
        timeout: op.lock.lock_timeout,
    };
    Ok(spec)
}

/// Runs a spec with the CLI's hooks; a run that did not succeed becomes
/// the command's error.
pub fn run_cli(spec: RunSpec, ui: &Ui, quiet: bool, show_plan: bool) -> anyhow::Result<RunReport> {
    let progress = Arc::new(Progress::new(quiet));
    let mut hooks = CliHooks::new(ui, progress.clone(), show_plan);
    let report = runs::execute(spec, &mut hooks, progress, Arc::new(AtomicBool::new(false)))?;
    if report.outcome != Outcome::Success {
        return Err(report.into_error());
    }
    Ok(report)
}

pub fn plan(args: &PlanArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let spec = operation_spec(&args.op, RunKind::Plan)?;
    let report = run_cli(spec, ui, args.op.json, !args.op.json)?;
    let plan = report.plan.unwrap_or_default();
    if args.op.json {
        ui.println(serde_json::to_string_pretty(&planfile::to_plan_json(
            &plan,
        ))?);
    }
    if let Some(out) = &args.out {
        std::fs::write(out, planfile::encode(&plan)).map_err(|e| {
            DiagnosticsError::error(
                "Failed to write plan file",
                format!("{}: {e}", out.display()),
            )
        })?;
        if !args.op.json {
            ui.println(format!("\n{}\n\nSaved the plan to: {}\n\nTo perform exactly these actions, run the following command to apply:\n    gitform apply {:?}", gitform_engine::render::rule(), out.display(), out.display().to_string()));
        }
    } else if !args.op.json && plan.has_changes() {
        ui.println(format!("\n{}\n\nNote: You didn't use the -out option to save this plan, so gitform can't\nguarantee to take exactly these actions if you run \"gitform apply\" now.", gitform_engine::render::rule()));
    }
    if args.detailed_exitcode && plan.has_changes() {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn version_meta(operation: &str) -> VersionMeta {
    VersionMeta {
        author: gitform_engine::lock::who(),
        operation: operation.to_string(),
        git: None,
    }
}

/// "Apply complete! Resources: ..." and the outputs.
pub fn print_outcome(ui: &Ui, report: &RunReport) {
    let c = report.applied.unwrap_or_default();
    let mode = report.plan.as_ref().map(|p| p.mode).unwrap_or_default();
    if mode == PlanMode::Destroy {
        ui.println(ui.colorize(&format!(
            "\n[reset][bold][green]Destroy complete! Resources: {} destroyed.[reset]",
            c.destroy
        )));
    } else {
        ui.println(ui.colorize(&format!(
            "\n[reset][bold][green]Apply complete! Resources: {} added, {} changed, {} destroyed.[reset]",
            c.add, c.change, c.destroy
        )));
    }
    let outputs = &report.outputs;
    if mode != PlanMode::Destroy && outputs.values().any(|(v, _)| v.is_wholly_known()) {
        ui.println(ui.colorize("[reset][bold][green]\nOutputs:[reset]\n"));
        for (name, (v, sensitive)) in outputs.iter().filter(|(_, (v, _))| v.is_wholly_known()) {
            let shown = if *sensitive {
                "<sensitive>".to_string()
            } else {
                gitform_value::display::format_console(v)
            };
            ui.println(format!("{name} = {shown}"));
        }
    }
}

/// Asks before applying; `true` only for "yes".
fn confirm(ui: &Ui, mode: PlanMode) -> bool {
    let (q, d) = if mode == PlanMode::Destroy {
        ("Do you really want to destroy all resources?", "gitform will destroy all your managed infrastructure, as shown above.\nThere is no undo. Only 'yes' will be accepted to confirm.")
    } else {
        ("Do you want to perform these actions?", "gitform will perform the actions described above.\nOnly 'yes' will be accepted to approve.")
    };
    matches!(ui.ask(q, d), Ok(answer) if answer == "yes")
}

fn plan_then_apply(
    op: &OperationArgs,
    auto_approve: bool,
    kind: RunKind,
    ui: &Ui,
) -> anyhow::Result<ExitCode> {
    let mut spec = operation_spec(op, kind)?;
    spec.approval = if auto_approve {
        Approval::Auto
    } else {
        Approval::Ask
    };
    let report = run_cli(spec, ui, false, true)?;
    print_outcome(ui, &report);
    Ok(ExitCode::SUCCESS)
}

pub fn apply(args: &ApplyArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let Some(file) = &args.plan_file else {
        let kind = if args.op.destroy {
            RunKind::Destroy
        } else {
            RunKind::Apply
        };
        return plan_then_apply(&args.op, args.auto_approve, kind, ui);
    };
    let text = std::fs::read_to_string(file).map_err(|e| {
        DiagnosticsError::error(
            "Failed to load the plan file",
            format!("{}: {e}", file.display()),
        )
    })?;
    let plan = planfile::decode(&text).map_err(|e| {
        DiagnosticsError::error(
            "Failed to load the plan file",
            format!("{}: {e}.", file.display()),
        )
    })?;
    let mut spec = operation_spec(&args.op, RunKind::Apply)?;
    spec.saved_plan = Some(plan);
    spec.approval = Approval::Auto;
    let report = run_cli(spec, ui, false, false)?;
    print_outcome(ui, &report);
    Ok(ExitCode::SUCCESS)
}

pub fn destroy(args: &DestroyArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    plan_then_apply(&args.op, args.auto_approve, RunKind::Destroy, ui)
}

pub fn refresh(args: &RefreshArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let op = OperationArgs {
        vars: args.vars.clone(),
        lock: args.lock.clone(),
        target: args.target.clone(),
        parallelism: args.parallelism,
        state: args.state.clone(),
        refresh_only: true,
        ..Default::default()
    };
    let mut spec = operation_spec(&op, RunKind::Refresh)?;
    spec.approval = Approval::Auto;
    let report = run_cli(spec, ui, false, false)?;
    print_outcome(ui, &report);
    Ok(ExitCode::SUCCESS)
}

pub fn show(args: &ShowArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    if let Some(path) = &args.path {
        if let Ok(text) = std::fs::read_to_string(path) {
            if let Ok(plan) = planfile::decode(&text) {
                if args.json {
                    ui.println(serde_json::to_string_pretty(&planfile::to_plan_json(
                        &plan,
                    ))?);
                } else {
                    ui.print(render_plan(&plan, RenderOptions { color: ui.color }));
                }
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
    let path = args.path.clone().unwrap_or_else(|| state_path(None));
    if !path.exists() {
        ui.println("No state.");
        return Ok(ExitCode::SUCCESS);
    }
    let store = SqliteStore::open(&path).map_err(|e| {
        DiagnosticsError::error(
            "Failed to open the state",
            format!("{}: {e}", path.display()),
        )
    })?;
    let records = store
        .list_resources()
        .map_err(|e| DiagnosticsError::error("Failed to read the state", e.to_string()))?;
    let outputs = store
        .outputs()
        .map_err(|e| DiagnosticsError::error("Failed to read the state", e.to_string()))?;
    if args.json {
        let resources: Vec<serde_json::Value> = records
            .iter()
            .map(|r| {
                let v = gitform_value::json::from_tagged_json(&r.attributes).unwrap_or(Value::Null);
                serde_json::json!({
                    "address": r.address,
                    "mode": r.mode.as_str(),
                    "type": r.resource_type,
                    "provider_name": r.provider,
                    "schema_version": r.schema_version,
                    "values": gitform_value::json::to_json(&v).unwrap_or(serde_json::Value::Null),
                    "sensitive_values": r.sensitive_paths,
                    "depends_on": r.dependencies,
                    "tainted": r.tainted,
                })
            })
            .collect();
        let outs: serde_json::Map<String, serde_json::Value> = outputs
            .iter()
            .map(|o| {
                let v = gitform_value::json::from_tagged_json(&o.value).unwrap_or(Value::Null);
                let shown = if o.sensitive {
                    serde_json::Value::Null
                } else {
                    gitform_value::json::to_json(&v).unwrap_or(serde_json::Value::Null)
                };
                (
                    o.name.clone(),
                    serde_json::json!({"sensitive": o.sensitive, "value": shown}),
                )
            })
            .collect();
        let doc = serde_json::json!({
            "format_version": "1.0",
            "serial": store.current_serial().unwrap_or(0),
            "values": {"outputs": outs, "root_module": {"resources": resources}},
        });
        ui.println(serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::SUCCESS);
    }
    if records.is_empty() {
        ui.println("The state file is empty. No resources are represented.");
        return Ok(ExitCode::SUCCESS);
    }
    for r in &records {
        ui.print(crate::state_render::render_resource(r, ui.color));
        ui.println("");
    }
    if !outputs.is_empty() {
        ui.println("\nOutputs:\n");
        for o in &outputs {
            let v = gitform_value::json::from_tagged_json(&o.value).unwrap_or(Value::Null);
            let shown = if o.sensitive {
                "(sensitive value)".to_string()
            } else {
                gitform_value::display::format_console(&v)
            };
            ui.println(format!("{} = {shown}", o.name));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn graph(args: &GraphArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let _ = args;
    let (ws, diags) = load_here();
    if diags.has_errors() && ws.graph.graph.node_count() == 0 {
        return Err(fail(diags, Some(&ws)));
    }
    ui.print(ws.graph.to_dot());
    Ok(ExitCode::SUCCESS)
}

pub fn import(args: &ImportArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let addr = parse_instance(&args.address)
        .map_err(|e| DiagnosticsError::error("Invalid address", e.to_string()))?;
    let ws = load_workspace(ui)?;
    let state = open_state(args.state.as_deref())?;
    let _lock = take_lock(
        &state,
        &args.lock,
        args.state.as_deref(),
        "OperationTypeImport",
        ui,
    )?;
    let values = inputs(&ws, &args.vars, ui)?;
    let rt = runtime()?;
    ui.println(format!("{addr}: Importing from ID {:?}...", args.id));
    let diags = rt.block_on(operations::import(
        &ws,
        state,
        &addr,
        &args.id,
        values,
        version_meta("OperationTypeImport"),
    ));
    if diags.has_errors() {
        return Err(fail(diags, Some(&ws)));
    }
    ui.println(format!(
        "{addr}: Import prepared!\n{addr}: Refreshing state..."
    ));
    ui.println(ui.colorize("\n[reset][green]Import successful![reset]\n\nThe resources that were imported are shown above. These resources are now in\nyour gitform state and will henceforth be managed by gitform."));
    Ok(ExitCode::SUCCESS)
}

pub fn validate(args: &ValidateArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let (ws, mut diags) = load_here();
    if !diags.has_errors() {
        diags.extend(operations::validate_schemas(&ws));
    }
    if args.json {
        let list: Vec<serde_json::Value> = diags
            .iter()
            .map(|d| {
                serde_json::json!({
                    "severity": if d.is_error() { "error" } else { "warning" },
                    "summary": d.summary,
                    "detail": d.detail,
                    "range": d.range.as_ref().map(|r| serde_json::json!({
                        "filename": r.filename.as_ref(),
                        "start": {"line": r.start.line, "column": r.start.column, "byte": r.start.byte},
                        "end": {"line": r.end.line, "column": r.end.column, "byte": r.end.byte},
                    })),
                })
            })
            .collect();
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let doc = serde_json::json!({
            "format_version": "1.0",
            "valid": errors == 0,
            "error_count": errors,
            "warning_count": diags.len() - errors,
            "diagnostics": list,
        });
        ui.println(serde_json::to_string_pretty(&doc)?);
        return Ok(if errors == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    if diags.has_errors() {
        return Err(fail(diags, Some(&ws)));
    }
    if !diags.is_empty() {
        ui.diagnostics(&diags, &all_files(&ws.root));
    }
    ui.println(ui.colorize("[green][bold]Success![reset] The configuration is valid.\n"));
    Ok(ExitCode::SUCCESS)
}
