//! The engine's entry points: load a configuration, plan, apply.
//! The CLI and the agent call these and nothing deeper.

use crate::address::{parse_instance, InstanceAddr, ModulePath};
use crate::changes::{Action, ChangeCounts, OutputChange, Plan, PlanMode};
use crate::graph::{build, Graph, NodeKey};
use crate::providers::ProviderRegistry;
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
}

/// Loads the configuration in `dir` and builds its graph. The workspace
/// is returned even with errors (for `graph` and `console`), along with
/// every diagnostic.
pub fn load(dir: &Path, registry: ProviderRegistry) -> (Workspace, Diagnostics) {
    let (module, mut diags) = gitform_config::load_module(dir);
    diags.extend(crate::variables::validate_declarations(&module));
    let (graph, d) = build(&module);
    diags.extend(d);
    let ws = Workspace {
        dir: dir.to_path_buf(),
        root: Arc::new(module),
        graph,
        registry,
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

/// The recorded state, grouped by resource.
fn load_prior(state: &dyn StateStore) -> Result<HashMap<ResKey, Vec<PriorInstance>>, Diagnostics> {
    let records = state.list_resources().map_err(|e| {
        Diagnostics::from(Diagnostic::error("Failed to read the state", e.to_string()))
    })?;
    let mut out: HashMap<ResKey, Vec<PriorInstance>> = HashMap::new();
    let mut diags = Diagnostics::new();
    for r in records {
        let addr = match parse_instance(&r.address) {
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
        let a = &addr.resource;
        let key = (a.module.path(), a.mode, a.type_name.clone(), a.name.clone());
        out.entry(key).or_default().push(PriorInstance {
            addr,
            record: r,
            value,
        });
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(out)
}

/// Adds nodes for recorded resources that the configuration no longer
/// has, each depending on its provider configuration.
fn add_orphans(graph: &mut Graph, prior: &HashMap<ResKey, Vec<PriorInstance>>) {
    let mut keys: Vec<&ResKey> = prior.keys().collect();
    keys.sort();
    for key in keys {
        let nk = NodeKey::Resource(key.0.clone(), key.1, key.2.clone(), key.3.clone());
        if graph.node(&nk).is_some() {
            continue;
        }
        let Some(first) = prior[key].first() else {
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
        graph.graph.update_edge(p, n, ());
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

fn new_run(
    ws: &Workspace,
    graph: Graph,
    state: Arc<dyn StateStore>,
    phase: Phase,
    prior: HashMap<ResKey, Vec<PriorInstance>>,
    inputs: BTreeMap<String, Value>,
    parallelism: usize,
    observer: Arc<dyn Observer>,
    active: Option<HashSet<NodeKey>>,
    planned: HashMap<InstanceAddr, crate::changes::ResourceChange>,
) -> Arc<Run> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| ws.dir.clone());
    let root_dir = std::fs::canonicalize(&ws.dir).unwrap_or_else(|_| ws.dir.clone());
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    Arc::new(Run {
        root: ws.root.clone(),
        node_deps: node_deps(&ws.root, &graph),
        resource_deps: resource_dependencies(&graph),
        graph,
        registry: ws.registry.clone(),
        state,
        phase,
        scope: Mutex::new(Scope::new(root_dir, cwd)),
        providers: Mutex::new(HashMap::new()),
        prior,
        results: Mutex::new(Results::default()),
        sem: Arc::new(Semaphore::new(parallelism.max(1))),
        observer,
        root_inputs: inputs,
        active,
        planned,
    })
}

async fn walk_run(run: &Arc<Run>) {
    let r = run.clone();
    crate::walk::walk(&run.graph.graph, move |node| {
        let r = r.clone();
        r.visit(node)
    })
    .await;
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
    let plan = Plan {
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
    };
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
    add_destroy_nodes(&mut graph, &plan, &prior);
    let mut cycle = Diagnostics::new();
    crate::graph::report_cycles(&graph, &mut cycle);
    if cycle.has_errors() {
        outcome.diagnostics.extend(cycle);
        finish(state.as_ref(), serial, &outcome, &plan);
        return outcome;
    }
    let planned: HashMap<InstanceAddr, crate::changes::ResourceChange> = plan
        .changes
        .iter()
        .map(|c| (c.addr.clone(), c.clone()))
        .collect();
    let plan = Arc::new(plan);
    let run = new_run(
        ws,
        graph,
        state.clone(),
        Phase::Apply { serial },
        prior,
        plan.variables.clone(),
        parallelism,
        observer,
        None,
        planned,
    );
    walk_run(&run).await;
    let results = std::mem::take(&mut *run.results.lock().unwrap_or_else(|e| e.into_inner()));
    outcome.counts = results.applied;
    outcome.diagnostics.extend(results.diags);
    if plan.mode == PlanMode::Destroy {
        // Data sources leave the state with everything else.
        for r in state.list_resources().unwrap_or_default() {
            if r.mode == gitform_state::ResourceMode::Data {
                let _ = state.remove_resource(serial, &r.address);
            }
        }
    }
    let outputs: Vec<OutputRecord> = if plan.mode == PlanMode::Destroy {
        Vec::new()
    } else {
        results
            .outputs
            .iter()
            .filter(|(_, (v, _))| v.is_wholly_known())
            .map(|(name, (v, sensitive))| OutputRecord {
                name: name.clone(),
                value: to_tagged_json(&v.clone().unmark_deep().0),
                sensitive: *sensitive,
            })
            .collect()
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

fn apply_refresh_only(state: &dyn StateStore, plan: &Plan, serial: u64) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for d in &plan.drift {
        let addr = d.addr.to_string();
        let res = match &d.after {
            None => state.remove_resource(serial, &addr),
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

/// Adds a destroy node for every resource with destroys in the plan, in
/// reverse dependency order: a dependent's destroy comes before the
/// destroy of what it depends on; a replacement destroys first, unless
/// create_before_destroy asks for the opposite.
fn add_destroy_nodes(graph: &mut Graph, plan: &Plan, prior: &HashMap<ResKey, Vec<PriorInstance>>) {
    let mut destroying: HashMap<ResKey, bool> = HashMap::new(); // key -> create_before_destroy
    for c in &plan.changes {
        if c.action.destroys() {
            let r = &c.addr.resource;
            let key = (r.module.path(), r.mode, r.type_name.clone(), r.name.clone());
            let cbd = destroying.entry(key).or_insert(false);
            *cbd |= c.action == Action::CreateThenDelete;
        }
    }
    let mut keys: Vec<(&ResKey, &bool)> = destroying.iter().collect();
    keys.sort();
    let mut dnodes: HashMap<String, NodeIndex> = HashMap::new();
    for (key, &cbd) in &keys {
        let rnode = NodeKey::Resource(key.0.clone(), key.1, key.2.clone(), key.3.clone());
        let dkey = NodeKey::Destroy(key.0.clone(), key.1, key.2.clone(), key.3.clone());
        let d = graph.add(dkey, None);
        dnodes.insert(rnode.to_string(), d);
        if let Some(r) = graph.node(&rnode) {
            if cbd {
                graph.graph.update_edge(r, d, ());
            } else {
                graph.graph.update_edge(d, r, ());
            }
        }
        // Every provider a destroy may need.
        for c in plan.changes.iter().filter(|c| {
            let r = &c.addr.resource;
            c.action.destroys()
                && r.module.path() == key.0
                && r.mode == key.1
                && r.type_name == key.2
                && r.name == key.3
        }) {
            if let Some(p) = parse_provider_label(&c.provider).and_then(|p| graph.node(&p)) {
                graph.graph.update_edge(p, d, ());
            }
        }
    }
    // Dependents are destroyed first. Dependencies come from the graph
    // (config) and from the state (orphans).
    let deps_by_node = resource_dependencies(graph);
    for (key, _) in &keys {
        let rnode = NodeKey::Resource(key.0.clone(), key.1, key.2.clone(), key.3.clone());
        let Some(&d) = dnodes.get(&rnode.to_string()) else {
            continue;
        };
        let mut deps: HashSet<String> = deps_by_node
            .get(&rnode)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect();
        if let Some(instances) = prior.get(*key) {
            for p in instances {
                deps.extend(p.record.dependencies.iter().cloned());
            }
        }
        for dep in deps {
            if let Some(&dd) = dnodes.get(&dep) {
                if dd != d {
                    graph.graph.update_edge(d, dd, ());
                }
            }
        }
    }
    // Something that depended on an object that goes away for good (or
    // is replaced with create_before_destroy) is updated before that
    // object is destroyed. A plain replacement is destroyed first instead.
    let replaced_first: HashSet<String> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::DeleteThenCreate)
        .map(|c| {
            let r = &c.addr.resource;
            NodeKey::Resource(r.module.path(), r.mode, r.type_name.clone(), r.name.clone())
                .to_string()
        })
        .collect();
    for instances in prior.values() {
        for p in instances {
            let r = &p.addr.resource;
            let me =
                NodeKey::Resource(r.module.path(), r.mode, r.type_name.clone(), r.name.clone());
            let Some(me_node) = graph.node(&me) else {
                continue;
            };
            if destroying.contains_key(&(
                r.module.path(),
                r.mode,
                r.type_name.clone(),
                r.name.clone(),
            )) {
                continue;
            }
            for dep in &p.record.dependencies {
                if replaced_first.contains(dep) {
                    continue;
                }
                if let Some(&dd) = dnodes.get(dep) {
                    graph.graph.update_edge(me_node, dd, ());
                }
            }
        }
    }
}
