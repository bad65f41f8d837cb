//! The engine's entry points: load a configuration, plan, apply.
//! The CLI and the agent call these and nothing deeper.

use crate::address::{parse_instance, InstanceAddr, ModulePath};
use crate::changes::{Action, ChangeCounts, OutputChange, Plan, PlanMode};
use crate::graph::{build, Graph, NodeKey};
use crate::providers::{ProviderRegistry, ResolveError};
use crate::refs::expr_deps;
use crate::run::{
    decode_record, node_exprs, parse_provider_label, resource_dependencies, Observer, Phase,
    PlanOptions, PriorInstance, ResKey, Results, Run,
};
use crate::scope::Scope;
use gitform_config::Module;
use gitform_state::{OutputRecord, StateStore, VersionMeta, VersionStatus};
use gitform_value::json::{from_tagged_json, to_tagged_json};
use gitform_value::{Diagnostic, Diagnostics, Value};
use petgraph::graph::NodeIndex;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// A loaded configuration with its dependency graph.
#[derive(Clone)]
pub struct Workspace {
    /// The root module's directory.
    pub dir: PathBuf,
    pub root: Arc<Module>,
    pub graph: Graph,
    pub registry: ProviderRegistry,
    /// Where the file functions (`file`, `templatefile`, `fileset`, ...)
    /// read: the disk when `None`; the commit for a configuration loaded
    /// from Git (see [`Workspace::with_files`]).
    pub files: Option<Arc<dyn gitform_functions::FileSource>>,
}

impl Workspace {
    /// Makes the file functions read through `files` (a Git commit's tree
    /// mounted at [`Workspace::dir`]). Relative paths in those functions
    /// then resolve against `dir`, which stands for the process's working
    /// directory (`path.cwd`), as if gitform ran in a checkout of the
    /// commit at `dir`.
    pub fn with_files(mut self, files: Arc<dyn gitform_functions::FileSource>) -> Workspace {
        self.files = Some(files);
        self
    }
}

/// Loads the configuration in `dir` and builds its graph. The workspace
/// is returned even with errors (for `graph` and `console`), along with
/// every diagnostic.
pub fn load(dir: &Path, registry: ProviderRegistry) -> (Workspace, Diagnostics) {
    load_from(&gitform_config::DiskReader, dir, registry)
}

/// Loads the configuration in `dir` through `reader` (the disk, memory, or
/// a Git commit's tree) and builds its graph. `dir` stays the workspace's
/// directory: `path.module` and the file functions resolve against it, as
/// for a configuration loaded from disk.
pub fn load_from(
    reader: &dyn gitform_config::SourceReader,
    dir: &Path,
    registry: ProviderRegistry,
) -> (Workspace, Diagnostics) {
    let (module, mut diags) = gitform_config::load_module_with(reader, dir);
    diags.extend(crate::variables::validate_declarations(&module));
    let (graph, d) = build(&module);
    diags.extend(d);
    let ws = Workspace {
        dir: dir.to_path_buf(),
        root: Arc::new(module),
        graph,
        registry,
        files: None,
    };
    (ws, diags)
}

/// A digest of the configuration's files, recorded in saved plans.
pub fn config_digest(root: &Module) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    fn walk(m: &Module, h: &mut std::collections::hash_map::DefaultHasher) {
        for f in &m.files {
            f.name.hash(h);
            f.text.hash(h);
        }
        for c in m.children.values() {
            walk(c, h);
        }
    }
    walk(root, &mut h);
    format!("{:016x}", h.finish())
}

/// What the state records, grouped by resource: the live instances, and
/// the deposed objects (old halves of create-before-destroy replacements
/// whose destroy did not happen).
pub(crate) struct Recorded {
    pub live: HashMap<ResKey, Vec<PriorInstance>>,
    pub deposed: HashMap<ResKey, Vec<(PriorInstance, String)>>,
}

/// The recorded state, grouped by resource.
fn load_prior(state: &dyn StateStore) -> Result<Recorded, Diagnostics> {
    let records = state.list_resources().map_err(|e| {
        Diagnostics::from(Diagnostic::error("Failed to read the state", e.to_string()))
    })?;
    let mut out = Recorded {
        live: HashMap::new(),
        deposed: HashMap::new(),
    };
    let mut diags = Diagnostics::new();
    for r in records {
        let (address, deposed) = crate::run::split_deposed(&r.address);
        let addr = match parse_instance(address) {
            Ok(a) => a,
            Err(e) => {
                diags.push(Diagnostic::error("Invalid address in state", e.to_string()));
                continue;
            }
        };
        let value = match decode_record(&r) {
            Ok(v) => v,
            Err(e) => {
                diags.push(Diagnostic::error("Invalid object in state", e));
                continue;
            }
        };
        let key = res_key(&addr);
        let deposed = deposed.map(str::to_string);
        let inst = PriorInstance {
            addr,
            record: r,
            value,
        };
        match deposed {
            Some(k) => out.deposed.entry(key).or_default().push((inst, k)),
            None => out.live.entry(key).or_default().push(inst),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(out)
}

/// Adds nodes for recorded resources that the configuration no longer
/// has, each depending on its provider configuration.
fn add_orphans(graph: &mut Graph, recorded: &Recorded) {
    let mut keys: Vec<&ResKey> = recorded
        .live
        .keys()
        .chain(recorded.deposed.keys())
        .collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let nk = NodeKey::Resource(key.0.clone(), key.1, key.2.clone(), key.3.clone());
        if graph.node(&nk).is_some() {
            continue;
        }
        let Some(first) = recorded.live.get(key).and_then(|v| v.first()).or_else(|| {
            recorded
                .deposed
                .get(key)
                .and_then(|v| v.first())
                .map(|(p, _)| p)
        }) else {
            continue;
        };
        let pkey = parse_provider_label(&first.record.provider)
            .filter(|p| graph.node(p).is_some())
            .unwrap_or_else(|| {
                NodeKey::Provider(
                    ModulePath::root(),
                    gitform_provider::implied_provider_name(&key.2).to_string(),
                    None,
                )
            });
        let p = graph.add(pkey.clone(), None);
        let n = graph.add(nk.clone(), None);
        graph.link(p, n);
        graph.resource_provider.insert(nk, pkey);
    }
}

fn node_deps(root: &Module, graph: &Graph) -> HashMap<NodeIndex, Vec<crate::refs::Dep>> {
    let mut out = HashMap::new();
    for idx in graph.graph.node_indices() {
        let mut deps = Vec::new();
        let mut seen = HashSet::new();
        for e in node_exprs(root, &graph.graph[idx].key) {
            for (d, _) in expr_deps(e, &[]) {
                if seen.insert(d.clone()) {
                    deps.push(d);
                }
            }
        }
        out.insert(idx, deps);
    }
    out
}

/// Resource nodes taking part in a targeted plan: the targets and
/// everything they depend on.
fn active_nodes(graph: &Graph, opts: &PlanOptions) -> Option<HashSet<NodeKey>> {
    if opts.targets.is_empty() {
        return None;
    }
    let mut stack: Vec<NodeIndex> = graph
        .graph
        .node_indices()
        .filter(|&i| match &graph.graph[i].key {
            NodeKey::Resource(path, mode, t, n) => opts.targets.iter().any(|target| match target {
                crate::address::TargetAddr::Module(m) => path.0.starts_with(&m.path().0),
                crate::address::TargetAddr::Resource(r) => {
                    r.module.path() == *path && r.mode == *mode && &r.type_name == t && &r.name == n
                }
                crate::address::TargetAddr::Instance(ia) => {
                    let r = &ia.resource;
                    r.module.path() == *path && r.mode == *mode && &r.type_name == t && &r.name == n
                }
            }),
            _ => false,
        })
        .collect();
    let mut seen = HashSet::new();
    while let Some(i) = stack.pop() {
        if !seen.insert(i) {
            continue;
        }
        stack.extend(
            graph
                .graph
                .neighbors_directed(i, petgraph::Direction::Incoming),
        );
    }
    Some(
        seen.into_iter()
            .map(|i| graph.graph[i].key.clone())
            .collect(),
    )
}

#[allow(clippy::too_many_arguments)]
fn new_run(
    ws: &Workspace,
    graph: Graph,
    state: Arc<dyn StateStore>,
    phase: Phase,
    prior: Recorded,
    inputs: BTreeMap<String, Value>,
    parallelism: usize,
    observer: Arc<dyn Observer>,
    active: Option<HashSet<NodeKey>>,
    planned: HashMap<InstanceAddr, crate::changes::ResourceChange>,
    all_changes: &[crate::changes::ResourceChange],
) -> Arc<Run> {
    let (root_dir, cwd) = match ws.files {
        // A commit mounted at `ws.dir`: that directory (made absolute,
        // links not resolved: it need not exist on disk) is the working
        // directory.
        Some(_) => {
            let dir = if ws.dir.is_absolute() {
                ws.dir.clone()
            } else {
                std::env::current_dir()
                    .map(|cwd| cwd.join(&ws.dir))
                    .unwrap_or_else(|_| ws.dir.clone())
            };
            let dir = gitform_config::source::normalize(&dir);
            (dir.clone(), dir)
        }
        None => {
            let cwd = std::env::current_dir().unwrap_or_else(|_| ws.dir.clone());
            let root_dir = std::fs::canonicalize(&ws.dir).unwrap_or_else(|_| ws.dir.clone());
            (root_dir, std::fs::canonicalize(&cwd).unwrap_or(cwd))
        }
    };
    let mut scope = Scope::new(root_dir, cwd);
    scope.files = ws.files.clone();
    Arc::new(Run {
        root: ws.root.clone(),
        node_deps: node_deps(&ws.root, &graph),
        resource_deps: resource_dependencies(&graph),
        graph,
        registry: ws.registry.clone(),
        recorder: crate::recorder::Recorder::new(state),
        phase,
        scope: Mutex::new(scope),
        providers: Mutex::new(HashMap::new()),
        prior: prior.live,
        deposed: prior.deposed,
        results: Mutex::new(Results::default()),
        sem: Arc::new(Semaphore::new(parallelism.max(1))),
        parallelism: parallelism.max(1),
        observer,
        root_inputs: inputs,
        active,
        planned_by_resource: {
            let mut by: HashMap<ResKey, Vec<crate::changes::ResourceChange>> = HashMap::new();
            // Only destroy nodes look changes up by resource.
            for c in all_changes.iter().filter(|c| c.action.destroys()) {
                by.entry(res_key(&c.addr)).or_default().push(c.clone());
            }
            by
        },
        planned,
    })
}

async fn walk_run(run: &Arc<Run>) {
    let r = run.clone();
    // Enough nodes in flight to keep every parallelism slot busy, without a
    // future per node of a very wide graph held at once.
    let max_in_flight = 256 + 4 * run.parallelism;
    crate::walk::walk_bounded(&run.graph.graph, max_in_flight, move |node| {
        let r = r.clone();
        r.visit(node)
    })
    .await;
    if matches!(run.phase, Phase::Plan(_)) {
        // Before the providers go: their schemas give the plan's shapes.
        let mut results = run.results.lock().unwrap_or_else(|e| e.into_inner());
        let shapes = run.block_shapes(
            results
                .changes
                .iter()
                .filter(|c| c.action != Action::NoOp)
                .map(|c| &c.addr)
                .chain(results.drift.iter().map(|d| &d.addr)),
        );
        results.block_shapes = shapes;
    }
    for p in crate::run::take_providers(run) {
        p.provider.stop().await;
    }
}

/// Makes a plan: refreshes the recorded objects, evaluates the
/// configuration and asks each provider to plan its changes.
/// `inputs` are the root module's raw variable values.
pub async fn plan(
    ws: &Workspace,
    state: Arc<dyn StateStore>,
    inputs: BTreeMap<String, Value>,
    opts: PlanOptions,
    observer: Arc<dyn Observer>,
) -> (Option<Plan>, Diagnostics) {
    let prior = match load_prior(state.as_ref()) {
        Ok(p) => p,
        Err(d) => return (None, d),
    };
    let serial = state.current_serial().unwrap_or(0);
    let lineage = state.lineage().unwrap_or_default();
    let mut graph = ws.graph.clone();
    add_orphans(&mut graph, &prior);
    let unusable = unusable_providers(&ws.registry, &graph);
    if unusable.has_errors() {
        return (None, unusable);
    }
    let active = active_nodes(&graph, &opts);
    let parallelism = opts.parallelism;
    let mode = opts.mode;
    let refreshed = opts.refresh;
    let targets: Vec<String> = opts.targets.iter().map(|t| t.to_string()).collect();
    let run = new_run(
        ws,
        graph,
        state.clone(),
        Phase::Plan(opts),
        prior,
        inputs,
        parallelism,
        observer,
        active,
        HashMap::new(),
        &[],
    );
    walk_run(&run).await;
    let results = std::mem::take(&mut *run.results.lock().unwrap_or_else(|e| e.into_inner()));
    if results.diags.has_errors() {
        return (None, results.diags);
    }
    let variables = run
        .scope
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .modules
        .get(&crate::address::ModuleInstance::root())
        .map(|m| m.vars.clone())
        .unwrap_or_default();
    let mut changes = results.changes;
    changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    let mut drift = results.drift;
    drift.sort_by(|a, b| a.addr.cmp(&b.addr));
    let outputs = output_changes(state.as_ref(), &results.outputs, mode);
    let mut plan = Plan {
        mode,
        changes,
        drift,
        outputs,
        variables,
        prior_serial: serial,
        lineage,
        config_digest: config_digest(&ws.root),
        targets,
        refreshed,
        block_shapes: results.block_shapes,
    };
    propagate_create_before_destroy(&mut plan, &run.graph);
    (Some(plan), results.diags)
}

fn output_changes(
    state: &dyn StateStore,
    after: &BTreeMap<String, (Value, bool)>,
    mode: PlanMode,
) -> Vec<OutputChange> {
    let before: BTreeMap<String, (Value, bool)> = state
        .outputs()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|o| {
            from_tagged_json(&o.value)
                .ok()
                .map(|v| (o.name, (v, o.sensitive)))
        })
        .collect();
    let mut out = Vec::new();
    let names: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for name in names {
        let b = before.get(name);
        let a = if mode == PlanMode::Destroy {
            None
        } else {
            after.get(name)
        };
        if mode == PlanMode::RefreshOnly && a.is_none() {
            continue;
        }
        let action = match (b, a) {
            (None, Some(_)) => Action::Create,
            (Some(_), None) => Action::Delete,
            (Some((bv, _)), Some((av, _))) if gitform_provider::values_equal(bv, av) => {
                Action::NoOp
            }
            (Some(_), Some(_)) => Action::Update,
            (None, None) => continue,
        };
        out.push(OutputChange {
            name: name.clone(),
            action,
            before: b.map(|(v, _)| v.clone()),
            after: a.map(|(v, _)| v.clone()),
            sensitive: a.or(b).is_some_and(|(_, s)| *s),
        });
    }
    out
}

/// What an apply did.
#[derive(Debug, Default)]
pub struct ApplyOutcome {
    pub counts: ChangeCounts,
    /// The state version the apply wrote.
    pub serial: u64,
    pub diagnostics: Diagnostics,
    /// Root module outputs after the apply.
    pub outputs: BTreeMap<String, (Value, bool)>,
}

/// Applies a plan, writing each result to the state as it lands.
pub async fn apply(
    ws: &Workspace,
    state: Arc<dyn StateStore>,
    plan: Plan,
    parallelism: usize,
    observer: Arc<dyn Observer>,
    meta: VersionMeta,
) -> ApplyOutcome {
    let mut outcome = ApplyOutcome::default();
    if let Err(e) = state.check_serial(plan.prior_serial) {
        outcome.diagnostics.push(Diagnostic::error(
            "Saved plan is stale",
            format!("The given plan file can no longer be applied because the state was changed by another operation after the plan was created ({e}). Create a new plan and apply that."),
        ));
        return outcome;
    }
    if !plan.lineage.is_empty() && state.lineage().is_ok_and(|l| l != plan.lineage) {
        outcome.diagnostics.push(Diagnostic::error(
            "Saved plan is for a different state",
            "The given plan file was created against a different state (its lineage does not match), so it cannot be applied here. Create a new plan against this state.",
        ));
        return outcome;
    }
    if plan.config_digest != config_digest(&ws.root) {
        outcome.diagnostics.push(Diagnostic::error(
            "Saved plan does not match the configuration",
            "The configuration has changed since the plan was created. Create a new plan and apply that.",
        ));
        return outcome;
    }
    let version = match state.begin_version(meta) {
        Ok(v) => v,
        Err(e) => {
            outcome.diagnostics.push(Diagnostic::error(
                "Failed to start a state version",
                e.to_string(),
            ));
            return outcome;
        }
    };
    let serial = version.serial;
    outcome.serial = serial;
    if plan.mode == PlanMode::RefreshOnly {
        outcome
            .diagnostics
            .extend(apply_refresh_only(state.as_ref(), &plan, serial));
        finish(state.as_ref(), serial, &outcome, &plan);
        return outcome;
    }
    let prior = match load_prior(state.as_ref()) {
        Ok(p) => p,
        Err(d) => {
            outcome.diagnostics.extend(d);
            finish(state.as_ref(), serial, &outcome, &plan);
            return outcome;
        }
    };
    let mut graph = ws.graph.clone();
    add_orphans(&mut graph, &prior);
    add_destroy_nodes(&mut graph, &plan, &prior.live);
    let mut cycle = Diagnostics::new();
    crate::graph::report_cycles(&graph, &mut cycle);
    if cycle.has_errors() {
        outcome.diagnostics.extend(cycle);
        finish(state.as_ref(), serial, &outcome, &plan);
        return outcome;
    }
    let unusable = unusable_providers(&ws.registry, &graph);
    if unusable.has_errors() {
        outcome.diagnostics.extend(unusable);
        finish(state.as_ref(), serial, &outcome, &plan);
        return outcome;
    }
    // The instances' own changes (a deposed object's delete is not one).
    let planned: HashMap<InstanceAddr, crate::changes::ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.deposed.is_none())
        .map(|c| (c.addr.clone(), c.clone()))
        .collect();
    let plan = Arc::new(plan);
    let run = new_run(
        ws,
        graph,
        state.clone(),
        Phase::Apply {
            serial,
            mode: plan.mode,
        },
        prior,
        plan.variables.clone(),
        parallelism,
        observer,
        None,
        planned,
        &plan.changes,
    );
    walk_run(&run).await;
    let results = std::mem::take(&mut *run.results.lock().unwrap_or_else(|e| e.into_inner()));
    outcome.counts = results.applied;
    outcome.diagnostics.extend(results.diags);
    if plan.mode == PlanMode::Destroy {
        // Data sources leave the state with everything else.
        let data = state
            .addresses(gitform_state::ResourceMode::Data)
            .unwrap_or_default();
        for address in data {
            let _ = state.remove_resource(serial, &address);
        }
    }
    if plan.mode == PlanMode::Normal {
        outcome
            .diagnostics
            .extend(record_refreshed(state.as_ref(), &plan, serial));
    }
    // Outputs: those evaluated replace their old values; the others keep
    // theirs, unless the apply succeeded and the output is gone from the
    // configuration.
    let succeeded = !outcome.diagnostics.has_errors();
    let outputs: Vec<OutputRecord> = if plan.mode == PlanMode::Destroy {
        Vec::new()
    } else {
        let mut by_name: BTreeMap<String, OutputRecord> = state
            .outputs()
            .unwrap_or_default()
            .into_iter()
            .filter(|o| !succeeded || ws.root.output(&o.name).is_some())
            .map(|o| (o.name.clone(), o))
            .collect();
        for (name, (v, sensitive)) in &results.outputs {
            if v.is_wholly_known() {
                by_name.insert(
                    name.clone(),
                    OutputRecord {
                        name: name.clone(),
                        value: to_tagged_json(&v.clone().unmark_deep().0),
                        sensitive: *sensitive,
                    },
                );
            }
        }
        by_name.into_values().collect()
    };
    if let Err(e) = state.set_outputs(serial, outputs) {
        outcome
            .diagnostics
            .push(Diagnostic::error("Failed to save outputs", e.to_string()));
    }
    outcome.outputs = results.outputs;
    finish(state.as_ref(), serial, &outcome, &plan);
    outcome
}

fn finish(state: &dyn StateStore, serial: u64, outcome: &ApplyOutcome, plan: &Plan) {
    let c = outcome.counts;
    let summary = format!(
        "{} added, {} changed, {} destroyed",
        c.add, c.change, c.destroy
    );
    let status = if outcome.diagnostics.has_errors() {
        VersionStatus::Failed
    } else {
        VersionStatus::Complete
    };
    let summary = if plan.mode == PlanMode::RefreshOnly {
        "refresh-only".to_string()
    } else {
        summary
    };
    let _ = state.finish_version(serial, status, Some(&summary));
}

/// After a normal apply: records what the refresh found for objects the
/// apply did not touch (changed or gone outside gitform), and forgets data
/// sources the configuration no longer reads.
fn record_refreshed(state: &dyn StateStore, plan: &Plan, serial: u64) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if !plan.drift.is_empty() {
        let actions: HashMap<&InstanceAddr, Action> = plan
            .changes
            .iter()
            .filter(|c| c.deposed.is_none())
            .map(|c| (&c.addr, c.action))
            .collect();
        let untouched = Plan {
            drift: plan
                .drift
                .iter()
                .filter(|d| matches!(actions.get(&d.addr), None | Some(Action::NoOp)))
                .cloned()
                .collect(),
            ..Plan::default()
        };
        diags = apply_refresh_only(state, &untouched, serial);
    }
    if plan.targets.is_empty() {
        let data = state
            .addresses(gitform_state::ResourceMode::Data)
            .unwrap_or_default();
        if data.is_empty() {
            return diags;
        }
        let read: HashSet<String> = plan
            .changes
            .iter()
            .filter(|c| c.deposed.is_none() && c.addr.resource.mode == crate::address::Mode::Data)
            .map(|c| c.addr.to_string())
            .collect();
        for address in data {
            if !read.contains(&address) {
                if let Err(e) = state.remove_resource(serial, &address) {
                    diags.push(Diagnostic::error(
                        "Failed to save state",
                        format!("{address}: {e}"),
                    ));
                }
            }
        }
    }
    diags
}

fn apply_refresh_only(state: &dyn StateStore, plan: &Plan, serial: u64) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for d in &plan.drift {
        let addr = d.addr.to_string();
        let res = match &d.after {
            None => match state.remove_resource(serial, &addr) {
                Err(gitform_state::StateError::ResourceNotFound(_)) => Ok(()),
                other => other,
            },
            Some(v) => match state.get_resource(&addr) {
                Ok(Some(mut rec)) => {
                    let paths = v.sensitive_paths();
                    rec.attributes = to_tagged_json(&v.clone().unmark_deep().0);
                    rec.sensitive_paths =
                        serde_json::to_value(paths).unwrap_or(serde_json::Value::Null);
                    state.put_resource(serial, &rec)
                }
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            },
        };
        if let Err(e) = res {
            diags.push(Diagnostic::error(
                "Failed to save state",
                format!("{addr}: {e}"),
            ));
        }
    }
    diags
}

/// The static resource key of an instance address.
pub(crate) fn res_key(a: &InstanceAddr) -> ResKey {
    let r = &a.resource;
    (r.module.path(), r.mode, r.type_name.clone(), r.name.clone())
}

/// The config address of an instance's resource, as dependencies record it.
pub(crate) fn res_node_name(a: &InstanceAddr) -> String {
    res_node(&res_key(a)).to_string()
}

fn res_node(key: &ResKey) -> NodeKey {
    NodeKey::Resource(key.0.clone(), key.1, key.2.clone(), key.3.clone())
}

/// Adds the destroy nodes of the apply graph. Per resource there are up
/// to two: `Destroy` for the destroy half of replacements (before the new
/// object is created, or after it with create_before_destroy) and `Delete`
/// for objects that go away for good. Destroys run in reverse dependency
/// order (a dependent's destroys before those of what it depends on), and
/// an object that goes away for good (or is replaced create-before-destroy)
/// waits until its former dependents are updated.
fn add_destroy_nodes(graph: &mut Graph, plan: &Plan, prior: &HashMap<ResKey, Vec<PriorInstance>>) {
    #[derive(Default, Clone, Copy)]
    struct Kinds {
        replace_first: bool,
        replace_last: bool,
        delete: bool,
    }
    let mut kinds: HashMap<ResKey, Kinds> = HashMap::new();
    let mut providers: HashMap<ResKey, HashSet<String>> = HashMap::new();
    for c in &plan.changes {
        if !c.action.destroys() {
            continue;
        }
        let key = res_key(&c.addr);
        let k = kinds.entry(key.clone()).or_default();
        match c.action {
            Action::DeleteThenCreate => k.replace_first = true,
            Action::CreateThenDelete => k.replace_last = true,
            _ => k.delete = true,
        }
        providers.entry(key).or_default().insert(c.provider.clone());
    }
    let mut keys: Vec<(&ResKey, &Kinds)> = kinds.iter().collect();
    keys.sort_by(|a, b| a.0.cmp(b.0));
    // Every destroy node of a resource, by its config address.
    let mut nodes_of: HashMap<String, Vec<NodeIndex>> = HashMap::new();
    let mut delete_node: HashMap<String, NodeIndex> = HashMap::new();
    let mut cbd_node: HashMap<String, NodeIndex> = HashMap::new();
    for (key, k) in &keys {
        let rnode = res_node(key);
        let name = rnode.to_string();
        let r = graph.node(&rnode);
        let mut mine = Vec::new();
        if k.replace_first || k.replace_last {
            let d = graph.add(
                NodeKey::Destroy(key.0.clone(), key.1, key.2.clone(), key.3.clone()),
                None,
            );
            if let Some(r) = r {
                if k.replace_last {
                    graph.link(r, d);
                    cbd_node.insert(name.clone(), d);
                } else {
                    graph.link(d, r);
                }
            }
            mine.push(d);
        }
        if k.delete {
            let x = graph.add(
                NodeKey::Delete(key.0.clone(), key.1, key.2.clone(), key.3.clone()),
                None,
            );
            delete_node.insert(name.clone(), x);
            mine.push(x);
        }
        for label in providers.get(*key).into_iter().flatten() {
            if let Some(p) = parse_provider_label(label).and_then(|p| graph.node(&p)) {
                for &n in &mine {
                    graph.link(p, n);
                }
            }
        }
        nodes_of.insert(name, mine);
    }
    // Dependents are destroyed first. Dependencies come from the graph
    // (config) and from the state (objects no longer configured).
    let deps_by_node = resource_dependencies(graph);
    for (key, _) in &keys {
        let rnode = res_node(key);
        let Some(mine) = nodes_of.get(&rnode.to_string()).cloned() else {
            continue;
        };
        let mut deps: HashSet<String> = deps_by_node
            .get(&rnode)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect();
        for p in prior.get(*key).into_iter().flatten() {
            deps.extend(p.record.dependencies.iter().cloned());
        }
        for dep in deps {
            for &theirs in nodes_of.get(&dep).into_iter().flatten() {
                for &m in &mine {
                    if m != theirs {
                        graph.link(m, theirs);
                    }
                }
            }
        }
    }
    // Former dependents (per the state) are updated before an object goes
    // away for good, or before a create-before-destroy replacement
    // destroys the old object.
    for (key, instances) in prior {
        if kinds
            .get(key)
            .is_some_and(|k| k.replace_first || k.replace_last)
        {
            continue;
        }
        let Some(me) = graph.node(&res_node(key)) else {
            continue;
        };
        let mut seen = HashSet::new();
        for p in instances {
            for dep in &p.record.dependencies {
                if !seen.insert(dep.clone()) {
                    continue;
                }
                for n in [delete_node.get(dep), cbd_node.get(dep)]
                    .into_iter()
                    .flatten()
                {
                    graph.link(me, *n);
                }
            }
        }
    }
}

/// create_before_destroy spreads to what a create-before-destroy
/// replacement depends on: those are replaced create-before-destroy too, as
/// Terraform does, otherwise no order of the destroys would be possible.
fn propagate_create_before_destroy(plan: &mut Plan, graph: &Graph) {
    let deps = resource_dependencies(graph);
    let mut forced: HashSet<String> = HashSet::new();
    for c in &plan.changes {
        if c.action == Action::CreateThenDelete {
            if let Some(d) = deps.get(&res_node(&res_key(&c.addr))) {
                forced.extend(d.iter().cloned());
            }
        }
    }
    for c in &mut plan.changes {
        if c.action == Action::DeleteThenCreate
            && forced.contains(&res_node(&res_key(&c.addr)).to_string())
        {
            c.action = Action::CreateThenDelete;
            c.create_before_destroy = true;
        }
    }
}

/// Checks every resource and data block against its provider's schema
/// without evaluating anything: unknown arguments and block types, and
/// missing required arguments. Part of `gitform validate`.
pub fn validate_schemas(ws: &Workspace) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let mut schemas: HashMap<String, Resolved> = HashMap::new();
    fn walk(
        m: &Module,
        ws: &Workspace,
        schemas: &mut HashMap<String, Resolved>,
        diags: &mut Diagnostics,
    ) {
        for r in m.resources() {
            let pname = r
                .provider
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_else(|| r.implied_provider().to_string());
            let resolved = match schemas.get(&pname) {
                Some(s) => s.clone(),
                None => {
                    let s = resolve_schema(&ws.registry, &pname);
                    // A provider that exists (or is required) and cannot be
                    // used: said once, where the configuration asks for it.
                    if let Err(ResolveError::Failed(d)) = &s {
                        let fallback = m
                            .providers
                            .iter()
                            .find(|p| p.name == pname)
                            .map(|p| p.decl_range.clone())
                            .unwrap_or_else(|| r.decl_range.clone());
                        diags.push(with_fallback_range(d, Some(fallback)));
                    }
                    schemas.insert(pname.clone(), s.clone());
                    s
                }
            };
            let schema = match resolved {
                Ok(schema) => schema,
                // Reported once above; its resources are not checked
                // against a schema the provider never gave.
                Err(ResolveError::Failed(_)) => continue,
                Err(ResolveError::Unknown) => {
                    diags.push(
                        Diagnostic::error(
                            "Provider not available",
                            format!(
                                "gitform has no provider named \"{pname}\" for {}.",
                                r.address()
                            ),
                        )
                        .with_range(Some(r.decl_range.clone())),
                    );
                    continue;
                }
            };
            let rs = match r.mode {
                gitform_config::ResourceMode::Managed => schema.resource(&r.type_name),
                gitform_config::ResourceMode::Data => schema.data_source(&r.type_name),
            };
            let Some(rs) = rs else {
                let what = if r.mode == gitform_config::ResourceMode::Managed {
                    "resource"
                } else {
                    "data source"
                };
                let known: Vec<&str> = match r.mode {
                    gitform_config::ResourceMode::Managed => {
                        schema.resources.keys().map(String::as_str).collect()
                    }
                    gitform_config::ResourceMode::Data => {
                        schema.data_sources.keys().map(String::as_str).collect()
                    }
                };
                diags.push(
                    Diagnostic::error(
                        format!("Invalid {what} type"),
                        format!(
                            "The provider {pname} does not support {what} type \"{}\".{}",
                            r.type_name,
                            crate::graph::suggestion(&r.type_name, known.into_iter(), "")
                        ),
                    )
                    .with_range(Some(r.decl_range.clone())),
                );
                continue;
            };
            check_body(&r.body, &rs.block, &r.decl_range, diags);
        }
        for c in m.children.values() {
            walk(c, ws, schemas, diags);
        }
    }
    walk(&ws.root, ws, &mut schemas, &mut diags);
    diags
}

/// A provider's schema, or why there is none.
type Resolved = Result<Arc<gitform_provider::ProviderSchema>, ResolveError>;

fn resolve_schema(registry: &ProviderRegistry, name: &str) -> Resolved {
    registry.resolve(name).map(|f| Arc::new(f().schema()))
}

/// `d`, pointing at `fallback` when it points nowhere itself.
fn with_fallback_range(d: &Diagnostic, fallback: Option<gitform_value::SourceRange>) -> Diagnostic {
    let mut d = d.clone();
    if d.range.is_none() {
        d.range = fallback;
    }
    d
}

/// The providers of `graph` that were found, or are required by the
/// configuration, and cannot be used (a plugin missing, failing its
/// handshake, or of a version the constraint excludes): one diagnostic per
/// provider, at its `required_providers` entry, else its provider block,
/// else the first resource using it. A plan or apply stops on these before
/// anything is decoded against a schema the provider never gave, as
/// Terraform stops when a required provider is not installed. Names no
/// provider has are left to the walk ("Provider not available").
pub fn unusable_providers(registry: &ProviderRegistry, graph: &Graph) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut providers: Vec<(&NodeKey, NodeIndex)> = graph
        .graph
        .node_indices()
        .filter_map(|i| match &graph.graph[i].key {
            k @ NodeKey::Provider(..) => Some((k, i)),
            _ => None,
        })
        .collect();
    // Explicit provider blocks first, so that they name the range when
    // the diagnostic has none; then a stable order.
    providers.sort_by_key(|(k, i)| (graph.graph[*i].range.is_none(), k.to_string()));
    for (key, idx) in providers {
        let NodeKey::Provider(_, name, _) = key else {
            continue;
        };
        if !seen.insert(name.as_str()) {
            continue;
        }
        let Err(ResolveError::Failed(d)) = registry.resolve(name) else {
            continue;
        };
        let range = graph.graph[idx].range.clone().or_else(|| {
            graph
                .resource_provider
                .iter()
                .filter(|(_, p)| *p == key)
                .filter_map(|(r, _)| graph.node(r).and_then(|i| graph.graph[i].range.clone()))
                .min_by(|a, b| (&a.filename, a.start).cmp(&(&b.filename, b.start)))
        });
        diags.push(with_fallback_range(&d, range));
    }
    diags
}

fn check_body(
    body: &gitform_config::Body,
    block: &gitform_provider::Block,
    decl: &gitform_value::SourceRange,
    diags: &mut Diagnostics,
) {
    // Attributes written as blocks (`ingress { ... }`) count as blocks;
    // mixing both forms is reported here.
    let (block, choice) = crate::body::effective_schema(body, block);
    diags.extend(choice);
    let block: &gitform_provider::Block = &block;
    for a in &body.attributes {
        if let Some(attr) = block.attributes.get(&a.name) {
            if attr.is_computed_only() {
                diags.push(
                    Diagnostic::error("Value for unconfigurable attribute", format!("Can't configure a value for \"{}\": its value will be decided automatically based on the result of applying this configuration.", a.name))
                        .with_range(Some(a.name_range.clone())),
                );
            }
            continue;
        }
        let detail = if block.blocks.contains_key(&a.name) {
            format!("An argument named \"{}\" is not expected here. Did you mean to define a block of type \"{}\"?", a.name, a.name)
        } else {
            format!(
                "An argument named \"{}\" is not expected here.{}",
                a.name,
                crate::graph::suggestion(&a.name, block.attributes.keys().map(String::as_str), "")
            )
        };
        diags.push(
            Diagnostic::error("Unsupported argument", detail)
                .with_range(Some(a.name_range.clone())),
        );
    }
    let has_dynamic = body
        .blocks
        .iter()
        .any(|b| matches!(b, gitform_config::NestedBlock::Dynamic(_)));
    for b in &body.blocks {
        let name = b.type_name();
        match block.blocks.get(name) {
            Some(nb) => {
                let inner = match b {
                    gitform_config::NestedBlock::Static(s) => &s.body,
                    gitform_config::NestedBlock::Dynamic(d) => &d.content,
                };
                check_body(inner, &nb.block, b.range(), diags);
            }
            None => diags.push(
                Diagnostic::error(
                    "Unsupported block type",
                    format!(
                        "Blocks of type \"{name}\" are not expected here.{}",
                        crate::graph::suggestion(name, block.blocks.keys().map(String::as_str), "")
                    ),
                )
                .with_range(Some(b.range().clone())),
            ),
        }
    }
    for (name, attr) in &block.attributes {
        if attr.required && body.attribute(name).is_none() {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    format!("The argument \"{name}\" is required, but no definition was found."),
                )
                .with_range(Some(decl.clone())),
            );
        }
    }
    if !has_dynamic {
        for (name, nb) in &block.blocks {
            let n = body.blocks.iter().filter(|b| b.type_name() == name).count() as u64;
            if n < nb.min_items {
                diags.push(
                    Diagnostic::error(
                        "Missing required block",
                        format!("At least {} \"{name}\" blocks are required.", nb.min_items),
                    )
                    .with_range(Some(decl.clone())),
                );
            }
        }
    }
}

/// Imports an existing object into the state at `addr` (`gitform import`).
/// The resource block must exist in the configuration.
pub async fn import(
    ws: &Workspace,
    state: Arc<dyn StateStore>,
    addr: &InstanceAddr,
    id: &str,
    inputs: BTreeMap<String, Value>,
    meta: VersionMeta,
) -> Diagnostics {
    let r = &addr.resource;
    let Some(res) = crate::graph::module_at(&ws.root, &r.module.path()).and_then(|m| {
        m.resource(
            if r.mode == crate::address::Mode::Data {
                gitform_config::ResourceMode::Data
            } else {
                gitform_config::ResourceMode::Managed
            },
            &r.type_name,
            &r.name,
        )
    }) else {
        return Diagnostic::error(
            "Configuration for import target does not exist",
            format!("The configuration for the given import target {addr} does not exist. Before importing this resource, create its configuration, for example:\n\nresource \"{}\" \"{}\" {{\n  # (resource arguments)\n}}", r.type_name, r.name),
        )
        .into();
    };
    match state.get_resource(&addr.to_string()) {
        Ok(Some(_)) => {
            return Diagnostic::error(
                "Resource already managed by gitform",
                format!("gitform is already managing a remote object for {addr}. To import to this address you must first remove the existing object from the state with `gitform state rm`."),
            )
            .into()
        }
        Ok(None) => {}
        Err(e) => return Diagnostic::error("Failed to read the state", e.to_string()).into(),
    }
    let node = NodeKey::Resource(r.module.path(), r.mode, r.type_name.clone(), r.name.clone());
    let Some(pkey) = ws.graph.resource_provider.get(&node).cloned() else {
        return Diagnostic::error(
            "Provider configuration not present",
            format!("No provider configuration for {addr}."),
        )
        .into();
    };
    let NodeKey::Provider(ppath, pname, palias) = &pkey else {
        return Diagnostics::new();
    };
    let Some(factory) = ws.registry.get(pname) else {
        return Diagnostic::error(
            "Provider not available",
            format!("gitform has no provider named \"{pname}\"."),
        )
        .into();
    };
    let inst = crate::providers::ProviderInstance::start(pname, factory, ws.registry.adaptive());
    // Configure the provider with the root variables in scope.
    let mut vars = BTreeMap::new();
    for v in &ws.root.variables {
        match crate::variables::finalize(v, inputs.get(&v.name).cloned(), None) {
            Ok(val) => {
                vars.insert(v.name.clone(), val);
            }
            Err(d) => return d,
        }
    }
    let config = match crate::graph::module_at(&ws.root, ppath)
        .and_then(|m| m.provider(pname, palias.as_deref()))
    {
        Some(pc) => {
            let mut ctx = gitform_lang::EvalContext::new()
                .with_root("var", Value::Object(vars))
                .with_path(".", ".", ".");
            let (v, d) = crate::body::decode_body(
                &pc.body,
                &inst.schema.provider.block,
                &mut ctx,
                &pc.decl_range,
            );
            if d.has_errors() {
                return d;
            }
            v
        }
        None => inst.schema.provider.block.null_object(),
    };
    let resp = inst
        .provider
        .configure(gitform_provider::ConfigureRequest { config })
        .await;
    if resp.diagnostics.iter().any(Diagnostic::is_error) {
        return Diagnostics(resp.diagnostics);
    }
    let Some(schema) = inst.schema.resource(&r.type_name).cloned() else {
        return Diagnostic::error(
            "Invalid resource type",
            format!(
                "The provider {pname} does not support resource type \"{}\".",
                r.type_name
            ),
        )
        .into();
    };
    let resp = inst
        .provider
        .import(gitform_provider::ImportRequest {
            type_name: r.type_name.clone(),
            id: id.to_string(),
        })
        .await;
    if resp.diagnostics.iter().any(Diagnostic::is_error) {
        return Diagnostics(
            resp.diagnostics
                .into_iter()
                .map(|d| d.with_address(addr.to_string()))
                .collect(),
        );
    }
    let Some(obj) = resp
        .imported
        .into_iter()
        .find(|o| o.type_name == r.type_name)
    else {
        return Diagnostic::error(
            "Import returned no object",
            format!(
                "The provider returned no {} object for id {id:?}.",
                r.type_name
            ),
        )
        .into();
    };
    let read = inst
        .provider
        .read(gitform_provider::ReadRequest {
            type_name: r.type_name.clone(),
            current_state: obj.state,
            private: obj.private,
        })
        .await;
    if read.diagnostics.iter().any(Diagnostic::is_error) {
        return Diagnostics(read.diagnostics);
    }
    let Some(value) = read.new_state else {
        return Diagnostic::error(
            "Cannot import non-existent remote object",
            format!("While attempting to import an existing object to {addr}, the provider detected that no object exists with the given id. Only pre-existing objects can be imported; check that the id is correct."),
        )
        .into();
    };
    let version = match state.begin_version(meta) {
        Ok(v) => v,
        Err(e) => {
            return Diagnostic::error("Failed to start a state version", e.to_string()).into()
        }
    };
    let value = schema.block.mark_sensitive(value);
    let paths = value.sensitive_paths();
    let record = gitform_state::ResourceRecord {
        address: addr.to_string(),
        mode: gitform_state::ResourceMode::Managed,
        resource_type: r.type_name.clone(),
        provider: crate::run::provider_label(&pkey),
        schema_version: schema.version,
        attributes: to_tagged_json(&value.unmark_deep().0),
        sensitive_paths: serde_json::to_value(paths).unwrap_or(serde_json::Value::Null),
        dependencies: Vec::new(),
        tainted: false,
        create_before_destroy: false,
        updated_serial: 0,
    };
    let mut diags = Diagnostics::new();
    let status = match state.put_resource(version.serial, &record) {
        Ok(()) => VersionStatus::Complete,
        Err(e) => {
            diags.push(Diagnostic::error("Failed to save state", e.to_string()));
            VersionStatus::Failed
        }
    };
    let _ = state.finish_version(version.serial, status, Some(&format!("imported {addr}")));
    let _ = res;
    diags
}

/// The evaluation context of an expression outside any configuration
/// (`gitform console` in a directory without `*.tf` files): no variables or
/// resources, every function, the file functions and `templatefile`
/// included, reading relative to `dir` as a configuration's would.
pub fn bare_context(dir: &Path) -> gitform_lang::EvalContext {
    let cwd = std::env::current_dir().unwrap_or_else(|_| dir.to_path_buf());
    let root_dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let scope = Scope::new(root_dir, std::fs::canonicalize(&cwd).unwrap_or(cwd));
    scope.full_context(&crate::address::ModuleInstance::root(), dir)
}

/// The root module's scope with the recorded state: variables, locals,
/// and every resource, data source and module output as the state holds
/// them (unknown when not recorded). Nothing is refreshed or planned. For
/// `gitform console`.
pub async fn eval_scope(
    ws: &Workspace,
    state: Option<Arc<dyn StateStore>>,
    inputs: BTreeMap<String, Value>,
) -> (gitform_lang::EvalContext, Diagnostics) {
    let prior = match &state {
        Some(s) => match load_prior(s.as_ref()) {
            Ok(p) => p,
            Err(d) => return (gitform_lang::EvalContext::new(), d),
        },
        None => Recorded {
            live: HashMap::new(),
            deposed: HashMap::new(),
        },
    };
    let store: Arc<dyn StateStore> = match state {
        Some(s) => s,
        None => match gitform_state::SqliteStore::open_in_memory() {
            Ok(s) => Arc::new(s),
            Err(e) => {
                return (
                    gitform_lang::EvalContext::new(),
                    Diagnostic::error("Failed to open a state", e.to_string()).into(),
                )
            }
        },
    };
    let mut graph = ws.graph.clone();
    add_orphans(&mut graph, &prior);
    let opts = PlanOptions {
        refresh: false,
        ..Default::default()
    };
    let run = new_run(
        ws,
        graph,
        store,
        Phase::Plan(opts),
        prior,
        inputs,
        1,
        Arc::new(crate::run::Silent),
        Some(HashSet::new()),
        HashMap::new(),
        &[],
    );
    walk_run(&run).await;
    let diags = std::mem::take(&mut run.results.lock().unwrap_or_else(|e| e.into_inner()).diags);
    let scope = run.scope.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = scope.full_context(&crate::address::ModuleInstance::root(), &ws.dir);
    (ctx, diags)
}
