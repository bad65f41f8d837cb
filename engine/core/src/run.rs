//! One walk of the dependency graph, shared by plan and apply.
//!
//! Both phases visit the same nodes with the same evaluation code:
//! variables, locals, outputs, module calls and provider configurations
//! are evaluated identically. Resource nodes differ: the plan phase
//! refreshes and plans each instance; the apply phase re-evaluates the
//! configuration with the values applied so far, plans once more with
//! them, applies, and writes each result to the state as it lands.
//! Destroys run from their own nodes, ordered in reverse of the
//! dependencies.

use crate::address::{
    InstanceAddr, InstanceKey, Mode, ModuleInstance, ModulePath, ResourceAddr, TargetAddr,
};
use crate::body::decode_body;
use crate::changes::{Action, ActionReason, Drift, PlanMode, ResourceChange};
use crate::graph::{module_at, Graph, NodeKey};
use crate::providers::{ProviderInstance, ProviderRegistry};
use crate::refs::{expr_deps, Dep};
use crate::scope::{assemble, Expansion, Scope};
use crate::variables::finalize_in;
use gitform_config::{Body, Expr, IgnoreChanges, Module, NestedBlock, Resource, ResourceMode};
use gitform_lang::{eval, EvalContext};
use gitform_provider::{
    proposed_new_state, values_equal, ApplyChangeRequest, ConfigureRequest, PlanChangeRequest,
    ReadDataRequest, Schema,
};
use gitform_state::{ResourceMode as StateMode, ResourceRecord};
use gitform_value::json::{from_tagged_json, to_tagged_json};
use gitform_value::{AttrPath, Diagnostic, Diagnostics, PathStep, SourceRange, Value};
use petgraph::graph::NodeIndex;
use petgraph::Direction;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Progress reports from a walk, for the terminal or logs.
pub trait Observer: Send + Sync {
    fn refreshing(&self, _addr: &InstanceAddr, _id: Option<&str>) {}
    fn started(&self, _addr: &InstanceAddr, _action: Action) {}
    fn finished(
        &self,
        _addr: &InstanceAddr,
        _action: Action,
        _ok: bool,
        _elapsed: Duration,
        _id: Option<&str>,
    ) {
    }
    /// True once the user asked to stop (Ctrl-C): no new node starts, the
    /// ones running finish and their results are recorded.
    fn cancelled(&self) -> bool {
        false
    }
}

/// An observer that reports nothing.
pub struct Silent;
impl Observer for Silent {}

/// Options of a plan.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    pub mode: PlanMode,
    pub targets: Vec<TargetAddr>,
    pub replace: Vec<InstanceAddr>,
    pub refresh: bool,
    pub parallelism: usize,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            mode: PlanMode::Normal,
            targets: Vec::new(),
            replace: Vec::new(),
            refresh: true,
            parallelism: 10,
        }
    }
}

pub(crate) enum Phase {
    Plan(PlanOptions),
    Apply { serial: u64, mode: PlanMode },
}

/// A resource instance recorded in the state.
#[derive(Clone, Debug)]
pub(crate) struct PriorInstance {
    pub addr: InstanceAddr,
    pub record: ResourceRecord,
    pub value: Value,
}

impl PriorInstance {
    /// A copy for one node's plan or apply, without the record's stored
    /// JSON (`attributes`, `sensitive_paths`): `value` is what the walk
    /// reads, and copying a JSON tree per instance was a large part of a
    /// 10,000-resource plan's time.
    pub(crate) fn for_node(&self) -> PriorInstance {
        let r = &self.record;
        PriorInstance {
            addr: self.addr.clone(),
            record: ResourceRecord {
                address: r.address.clone(),
                mode: r.mode,
                resource_type: r.resource_type.clone(),
                provider: r.provider.clone(),
                schema_version: r.schema_version,
                attributes: serde_json::Value::Null,
                sensitive_paths: serde_json::Value::Null,
                dependencies: r.dependencies.clone(),
                tainted: r.tainted,
                create_before_destroy: r.create_before_destroy,
                updated_serial: r.updated_serial,
            },
            value: self.value.clone(),
        }
    }
}

#[derive(Default)]
pub(crate) struct Results {
    pub changes: Vec<ResourceChange>,
    pub drift: Vec<Drift>,
    pub diags: Diagnostics,
    /// Root module outputs: value and whether declared sensitive.
    pub outputs: BTreeMap<String, (Value, bool)>,
    pub actions: HashMap<InstanceAddr, Action>,
    /// The position in `changes` of each instance's own change, and of
    /// the changes of each resource (module instance included).
    by_addr: HashMap<InstanceAddr, usize>,
    by_resource: HashMap<ResourceAddr, Vec<usize>>,
    /// What an apply did: objects created, updated and destroyed.
    pub applied: crate::changes::ChangeCounts,
    /// The refresh reads, batched per provider configuration and type.
    pub(crate) reads: crate::refresh::Reads,
    /// Plan: the nested block types of the types with changes or drift.
    pub block_shapes: BTreeMap<String, crate::changes::BlockShape>,
}

impl Results {
    /// Records a planned change, indexed by address and by resource.
    pub(crate) fn push(&mut self, change: ResourceChange) {
        let i = self.changes.len();
        if change.deposed.is_none() {
            self.actions.insert(change.addr.clone(), change.action);
            self.by_addr.insert(change.addr.clone(), i);
            self.by_resource
                .entry(change.addr.resource.clone())
                .or_default()
                .push(i);
        }
        self.changes.push(change);
    }
}

/// Static key of a resource: module path, mode, type, name.
pub(crate) type ResKey = (ModulePath, Mode, String, String);

pub(crate) struct Run {
    pub root: Arc<Module>,
    pub graph: Graph,
    pub registry: ProviderRegistry,
    /// Apply: writes the results to the state as they land,
    /// group-committed off the runtime's worker threads.
    pub(crate) recorder: crate::recorder::Recorder,
    pub phase: Phase,
    pub scope: Mutex<Scope>,
    pub providers: Mutex<HashMap<NodeKey, Arc<ProviderInstance>>>,
    pub prior: HashMap<ResKey, Vec<PriorInstance>>,
    /// Deposed objects, with their deposed keys.
    pub deposed: HashMap<ResKey, Vec<(PriorInstance, String)>>,
    pub node_deps: HashMap<NodeIndex, Vec<Dep>>,
    pub results: Mutex<Results>,
    pub sem: Arc<Semaphore>,
    /// The most provider calls at once (`-parallelism`).
    pub parallelism: usize,
    pub observer: Arc<dyn Observer>,
    /// Root variable values: raw inputs for a plan, final values for an apply.
    pub root_inputs: BTreeMap<String, Value>,
    /// Config addresses of the resources each resource depends on.
    pub resource_deps: HashMap<NodeKey, Vec<String>>,
    /// Resource nodes that take part when -target is used.
    pub active: Option<HashSet<NodeKey>>,
    /// Planned changes by address (apply phase).
    pub planned: HashMap<InstanceAddr, ResourceChange>,
    /// The changes that destroy something (deposed objects' included),
    /// grouped by resource.
    pub planned_by_resource: HashMap<ResKey, Vec<ResourceChange>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Run {
    /// [`crate::changes::Plan::block_shapes`] for the types of `addrs`,
    /// from the schemas of the providers the run configured.
    pub(crate) fn block_shapes<'a>(
        &self,
        addrs: impl Iterator<Item = &'a InstanceAddr>,
    ) -> BTreeMap<String, crate::changes::BlockShape> {
        let mut types: HashSet<(Mode, &str)> = HashSet::new();
        for addr in addrs {
            types.insert((addr.resource.mode, addr.resource.type_name.as_str()));
        }
        let mut providers: Vec<Arc<ProviderInstance>> =
            lock(&self.providers).values().cloned().collect();
        // The same answer whatever the map's order, should two providers
        // ever define one type name.
        providers.sort_by(|a, b| a.name.cmp(&b.name));
        let mut out = BTreeMap::new();
        for (mode, type_name) in types {
            let schema = providers.iter().find_map(|p| match mode {
                Mode::Managed => p.resource_schema(type_name),
                Mode::Data => p.data_source_schema(type_name),
            });
            let Some(schema) = schema else { continue };
            let shape = crate::changes::BlockShape::of(&schema.block);
            if shape.is_empty() {
                continue;
            }
            out.insert(crate::changes::BlockShape::key(mode, type_name), shape);
        }
        out
    }
}

fn state_mode(m: Mode) -> StateMode {
    match m {
        Mode::Managed => StateMode::Managed,
        Mode::Data => StateMode::Data,
    }
}

fn config_mode(m: Mode) -> ResourceMode {
    match m {
        Mode::Managed => ResourceMode::Managed,
        Mode::Data => ResourceMode::Data,
    }
}

/// Decodes a state record's attributes, restoring its sensitive marks.
pub(crate) fn decode_record(r: &ResourceRecord) -> Result<Value, String> {
    let v = from_tagged_json(&r.attributes).map_err(|e| format!("{}: {e:?}", r.address))?;
    let paths: Vec<AttrPath> =
        serde_json::from_value(r.sensitive_paths.clone()).unwrap_or_default();
    Ok(v.with_sensitive_paths(&paths))
}

/// Every expression of a body, nested and dynamic blocks included.
pub(crate) fn body_exprs<'a>(body: &'a Body, out: &mut Vec<&'a Expr>) {
    for a in &body.attributes {
        out.push(&a.expr);
    }
    for b in &body.blocks {
        match b {
            NestedBlock::Static(b) => body_exprs(&b.body, out),
            NestedBlock::Dynamic(d) => {
                out.push(&d.for_each);
                if let Some(l) = &d.labels {
                    out.push(l);
                }
                body_exprs(&d.content, out);
            }
        }
    }
}

fn resource_exprs(r: &Resource) -> Vec<&Expr> {
    let mut out = Vec::new();
    out.extend(r.count.iter());
    out.extend(r.for_each.iter());
    body_exprs(&r.body, &mut out);
    out.extend(r.depends_on.iter());
    let lc = &r.lifecycle;
    out.extend(lc.create_before_destroy.iter());
    out.extend(lc.prevent_destroy.iter());
    out.extend(lc.replace_triggered_by.iter());
    for c in lc.preconditions.iter().chain(&lc.postconditions) {
        out.push(&c.condition);
        out.push(&c.error_message);
    }
    out
}

/// The expressions a node evaluates.
pub(crate) fn node_exprs<'a>(root: &'a Module, key: &NodeKey) -> Vec<&'a Expr> {
    let Some(m) = module_at(root, key.module()) else {
        return Vec::new();
    };
    match key {
        NodeKey::Variable(_, n) => m
            .variable(n)
            .map(|v| {
                v.validations
                    .iter()
                    .flat_map(|r| [&r.condition, &r.error_message])
                    .collect()
            })
            .unwrap_or_default(),
        NodeKey::Local(_, n) => m.local(n).map(|l| vec![&l.expr]).unwrap_or_default(),
        NodeKey::Output(_, n) => m
            .output(n)
            .map(|o| {
                let mut v = vec![&o.value];
                for c in &o.preconditions {
                    v.push(&c.condition);
                    v.push(&c.error_message);
                }
                v
            })
            .unwrap_or_default(),
        NodeKey::Resource(_, mode, t, n) => m
            .resource(config_mode(*mode), t, n)
            .map(resource_exprs)
            .unwrap_or_default(),
        NodeKey::ModuleCall(_, n) => m
            .module_call(n)
            .map(|c| {
                let mut v: Vec<&Expr> = c.count.iter().chain(c.for_each.iter()).collect();
                body_exprs(&c.inputs, &mut v);
                v
            })
            .unwrap_or_default(),
        NodeKey::Provider(_, n, a) => m
            .provider(n, a.as_deref())
            .map(|p| {
                let mut v = Vec::new();
                body_exprs(&p.body, &mut v);
                v
            })
            .unwrap_or_default(),
        NodeKey::Destroy(..) | NodeKey::Delete(..) => Vec::new(),
    }
}

/// The provider configuration address recorded in the state.
pub(crate) fn provider_label(key: &NodeKey) -> String {
    key.to_string()
}

/// Parses a recorded provider label back to a provider node key.
pub(crate) fn parse_provider_label(label: &str) -> Option<NodeKey> {
    let (module, rest) = match label.rfind("provider[") {
        Some(i) => (&label[..i], &label[i..]),
        None => return None,
    };
    let module = ModulePath(
        module
            .trim_end_matches('.')
            .split('.')
            .filter(|s| !s.is_empty() && *s != "module")
            .map(str::to_string)
            .collect(),
    );
    let rest = rest.strip_prefix("provider[\"")?;
    let (name, after) = rest.split_once("\"]")?;
    let alias = after.strip_prefix('.').map(str::to_string);
    Some(NodeKey::Provider(module, name.to_string(), alias))
}

fn ignore_path(e: &Expr) -> Option<AttrPath> {
    let text = e.text().trim();
    let mut steps = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            if let Some(s) = inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                steps.push(PathStep::Key(s.to_string()));
            } else {
                steps.push(PathStep::Index(inner.parse().ok()?));
            }
            rest = &r[end + 1..];
        } else {
            let r = rest.strip_prefix('.').unwrap_or(rest);
            let end = r.find(['.', '[']).unwrap_or(r.len());
            steps.push(PathStep::Attr(r[..end].to_string()));
            rest = &r[end..];
        }
    }
    Some(AttrPath(steps))
}

/// Replaces the value at `path` in `target` with the one in `source`.
fn copy_path(target: &mut Value, source: &Value, path: &[PathStep]) {
    let Some((first, rest)) = path.split_first() else {
        *target = source.clone();
        return;
    };
    let (Value::Object(t) | Value::Map(t), Value::Object(s) | Value::Map(s)) =
        (target, source.unmarked())
    else {
        return;
    };
    let key = match first {
        PathStep::Attr(k) | PathStep::Key(k) => k,
        PathStep::Index(_) => return,
    };
    match (t.get_mut(key), s.get(key)) {
        (Some(tv), Some(sv)) => copy_path(tv, sv, rest),
        (None, Some(sv)) if rest.is_empty() => {
            t.insert(key.clone(), sv.clone());
        }
        _ => {}
    }
}

fn is_true(v: &Value) -> bool {
    matches!(v.unmarked(), Value::Bool(true))
}

/// The lifecycle settings of one resource in one module instance.
#[derive(Clone, Debug, Default)]
struct LifecycleValues {
    create_before_destroy: bool,
    prevent_destroy: bool,
    ignore: Option<Vec<AttrPath>>, // None: nothing; Some(empty): all
    ignore_all: bool,
}

impl Run {
    /// Records (once) that the run was interrupted.
    fn note_cancelled(&self) {
        let mut results = lock(&self.results);
        if !results
            .diags
            .iter()
            .any(|d| d.summary == "Operation cancelled")
        {
            results.diags.push(Diagnostic::error(
                "Operation cancelled",
                "gitform stopped starting new changes (it was interrupted, or its state lock was lost). The changes that had started were finished and recorded; the rest did not run. Run the command again to finish.",
            ));
        }
    }

    fn fail(&self, d: impl Into<Diagnostics>) -> bool {
        lock(&self.results).diags.extend(d.into());
        false
    }

    fn module_dir(&self, path: &ModulePath) -> PathBuf {
        module_at(&self.root, path)
            .map(|m| m.dir.clone())
            .unwrap_or_default()
    }

    fn deps(&self, node: NodeIndex) -> &[Dep] {
        self.node_deps.get(&node).map(Vec::as_slice).unwrap_or(&[])
    }

    fn context(&self, mi: &ModuleInstance, node: NodeIndex) -> EvalContext {
        let dir = self.module_dir(&mi.path());
        lock(&self.scope).context(mi, &dir, self.deps(node))
    }

    /// Visits one node. Returns whether it succeeded.
    pub(crate) async fn visit(self: Arc<Self>, node: NodeIndex) -> bool {
        if self.observer.cancelled() {
            self.note_cancelled();
            return false;
        }
        let key = self.graph.graph[node].key.clone();
        let instances = lock(&self.scope).instances_of(key.module());
        match &key {
            NodeKey::Variable(_, name) => self.visit_variable(node, name, &instances),
            NodeKey::Local(_, name) => self.visit_local(node, name, &instances),
            NodeKey::Output(_, name) => self.visit_output(node, name, &instances),
            NodeKey::ModuleCall(_, name) => self.visit_module_call(node, name, &instances),
            NodeKey::Provider(path, name, alias) => {
                let ok = self
                    .visit_provider(node, &key, path, name, alias.as_deref(), &instances)
                    .await;
                // Configured: start its refresh batches now, not when the
                // first node of each type gets there.
                let configured = lock(&self.providers).get(&key).cloned();
                if let (true, Some(pinst)) = (ok, configured) {
                    crate::refresh::prefetch(&self, &key, &pinst);
                }
                ok
            }
            NodeKey::Resource(path, mode, t, n) => {
                let rk: ResKey = (path.clone(), *mode, t.clone(), n.clone());
                self.visit_resource(node, &key, rk, &instances).await
            }
            NodeKey::Destroy(path, mode, t, n) => {
                let rk: ResKey = (path.clone(), *mode, t.clone(), n.clone());
                self.visit_destroy(&rk, true).await
            }
            NodeKey::Delete(path, mode, t, n) => {
                let rk: ResKey = (path.clone(), *mode, t.clone(), n.clone());
                self.visit_destroy(&rk, false).await
            }
        }
    }

    fn visit_variable(&self, node: NodeIndex, name: &str, instances: &[ModuleInstance]) -> bool {
        let key = &self.graph.graph[node].key;
        let Some(decl) = module_at(&self.root, key.module()).and_then(|m| m.variable(name)) else {
            return true;
        };
        let mut ok = true;
        for mi in instances {
            let scope = self.context(mi, node);
            let value = if mi.is_root() {
                match &self.phase {
                    Phase::Apply { .. } => {
                        Ok(self.root_inputs.get(name).cloned().unwrap_or(Value::Null))
                    }
                    Phase::Plan(_) => {
                        finalize_in(decl, self.root_inputs.get(name).cloned(), None, &scope)
                    }
                }
            } else {
                let given = lock(&self.scope)
                    .modules
                    .get(mi)
                    .and_then(|m| m.inputs.get(name).cloned());
                finalize_in(decl, given, Some(&mi.to_string()), &scope)
            };
            match value {
                Ok(v) => {
                    lock(&self.scope)
                        .module_mut(mi)
                        .vars
                        .insert(name.to_string(), v);
                }
                Err(d) => ok = self.fail(d),
            }
        }
        ok
    }

    fn visit_local(&self, node: NodeIndex, name: &str, instances: &[ModuleInstance]) -> bool {
        let key = &self.graph.graph[node].key;
        let Some(local) = module_at(&self.root, key.module()).and_then(|m| m.local(name)) else {
            return true;
        };
        let mut ok = true;
        for mi in instances {
            let ctx = self.context(mi, node);
            match eval(&local.expr.expr, &ctx, &local.expr.file) {
                Ok(v) => {
                    lock(&self.scope)
                        .module_mut(mi)
                        .locals
                        .insert(name.to_string(), v);
                }
                Err(d) => ok = self.fail(d),
            }
        }
        ok
    }

    fn visit_output(&self, node: NodeIndex, name: &str, instances: &[ModuleInstance]) -> bool {
        let key = &self.graph.graph[node].key;
        let Some(out) = module_at(&self.root, key.module()).and_then(|m| m.output(name)) else {
            return true;
        };
        let mut ok = true;
        for mi in instances {
            let ctx = self.context(mi, node);
            for c in &out.preconditions {
                if let Err(d) = check_rule(
                    &ctx,
                    &c.condition,
                    &c.error_message,
                    "Module output value precondition failed",
                ) {
                    ok = self.fail(d);
                }
            }
            let destroying = match &self.phase {
                Phase::Plan(o) => o.mode == PlanMode::Destroy,
                Phase::Apply { mode, .. } => *mode == PlanMode::Destroy,
            };
            let v = match eval(&out.value.expr, &ctx, &out.value.file) {
                Ok(v) => v,
                // When everything is destroyed, outputs go away: their
                // values no longer matter.
                Err(_) if destroying => Value::unknown(),
                Err(d) => {
                    ok = self.fail(d);
                    continue;
                }
            };
            if mi.is_root() && !out.sensitive && v.contains_sensitive() {
                ok = self.fail(
                    Diagnostic::error(
                        "Output refers to sensitive values",
                        "To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, gitform requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true",
                    )
                    .with_range(Some(out.decl_range.clone())),
                );
                continue;
            }
            let v = v.mark_if(out.sensitive);
            if mi.is_root() {
                lock(&self.results)
                    .outputs
                    .insert(name.to_string(), (v.clone(), out.sensitive));
            }
            lock(&self.scope)
                .module_mut(mi)
                .outputs
                .insert(name.to_string(), v);
        }
        ok
    }

    fn visit_module_call(&self, node: NodeIndex, name: &str, instances: &[ModuleInstance]) -> bool {
        let key = &self.graph.graph[node].key;
        let Some(parent) = module_at(&self.root, key.module()) else {
            return true;
        };
        let Some(call) = parent.module_call(name) else {
            return true;
        };
        let Some(child) = parent.children.get(name) else {
            return true;
        };
        let child_path = key.module().child(name);
        let mut ok = true;
        let mut all_children = Vec::new();
        for mi in instances {
            let mut ctx = self.context(mi, node);
            let expansion = match expand(
                &ctx,
                call.count.as_ref(),
                call.for_each.as_ref(),
                &format!("module.{name}"),
            ) {
                Ok(e) => e,
                Err(d) => {
                    ok = self.fail(d);
                    continue;
                }
            };
            let each_values = for_each_values(&ctx, call.for_each.as_ref());
            for k in expansion.keys() {
                set_instance_roots(&mut ctx, &k, &each_values);
                let ci = mi.child(name, k.clone());
                let mut inputs = BTreeMap::new();
                for a in &call.inputs.attributes {
                    if child.variable(&a.name).is_none() {
                        let names = child.variables.iter().map(|v| v.name.as_str());
                        ok = self.fail(
                            Diagnostic::error(
                                "Unsupported argument",
                                format!(
                                    "An argument named \"{}\" is not expected here.{}",
                                    a.name,
                                    crate::graph::suggestion(&a.name, names, "")
                                ),
                            )
                            .with_range(Some(a.name_range.clone())),
                        );
                        continue;
                    }
                    match eval(&a.expr.expr, &ctx, &a.expr.file) {
                        Ok(v) => {
                            inputs.insert(a.name.clone(), v);
                        }
                        Err(d) => ok = self.fail(d),
                    }
                }
                for v in &child.variables {
                    if v.default.is_none() && call.inputs.attribute(&v.name).is_none() {
                        ok = self.fail(
                            Diagnostic::error(
                                "Missing required argument",
                                format!(
                                    "The argument \"{}\" is required, but no definition was found.",
                                    v.name
                                ),
                            )
                            .with_range(Some(
                                gitform_value::SourceRange {
                                    start: call.decl_range.end,
                                    ..call.decl_range.clone()
                                },
                            )),
                        );
                    }
                }
                let mut scope = lock(&self.scope);
                scope.module_mut(&ci).inputs = inputs;
                all_children.push(ci);
            }
            lock(&self.scope)
                .module_mut(mi)
                .calls
                .insert(name.to_string(), expansion);
        }
        lock(&self.scope).instances.insert(child_path, all_children);
        ok
    }

    async fn visit_provider(
        &self,
        node: NodeIndex,
        key: &NodeKey,
        path: &ModulePath,
        name: &str,
        alias: Option<&str>,
        instances: &[ModuleInstance],
    ) -> bool {
        // An implied provider configuration has no block: point at the
        // first resource that uses it.
        let range = self.graph.graph[node].range.clone().or_else(|| {
            self.graph
                .resource_provider
                .iter()
                .filter(|(_, p)| *p == key)
                .filter_map(|(r, _)| {
                    self.graph
                        .node(r)
                        .and_then(|i| self.graph.graph[i].range.clone())
                })
                .min_by(|a, b| (&a.filename, a.start).cmp(&(&b.filename, b.start)))
        });
        let factory = match self.registry.resolve(name) {
            Ok(f) => Some(f),
            // A plugin that exists but cannot be used (not found where it
            // was required, wrong version, failed handshake): its own reason.
            Err(crate::providers::ResolveError::Failed(d)) => {
                let mut d = *d;
                if d.range.is_none() {
                    d.range = range;
                }
                return self.fail(d);
            }
            Err(crate::providers::ResolveError::Unknown) => None,
        };
        let Some(factory) = factory else {
            let mut names: Vec<&str> = self.registry.names().collect();
            names.sort();
            return self.fail(
                Diagnostic::error(
                    "Provider not available",
                    format!(
                        "gitform has no provider named \"{name}\". The providers available are: {}.{}",
                        names.join(", "),
                        crate::graph::suggestion(name, names.iter().copied(), "")
                    ),
                )
                .with_range(range),
            );
        };
        let inst = ProviderInstance::start(name, factory, self.registry.adaptive());
        let block = &inst.schema.provider.block;
        let config = match (
            module_at(&self.root, path).and_then(|m| m.provider(name, alias)),
            instances,
        ) {
            (Some(pc), [mi]) => {
                let mut ctx = self.context(mi, node);
                let (v, d) = decode_body(&pc.body, block, &mut ctx, &pc.decl_range);
                if d.has_errors() {
                    return self.fail(d);
                }
                v
            }
            (Some(pc), many) if many.len() > 1 => {
                return self.fail(
                    Diagnostic::error(
                        "Module is incompatible with count, for_each, and depends_on",
                        "A module that contains its own provider configurations cannot be used with count or for_each. Pass the provider configuration from the calling module instead.",
                    )
                    .with_range(Some(pc.decl_range.clone())),
                );
            }
            (_, []) => return true,
            _ => block.null_object(),
        };
        let resp = inst.provider.configure(ConfigureRequest { config }).await;
        let errors: Vec<Diagnostic> = resp
            .diagnostics
            .into_iter()
            .map(|d| d.with_range(range.clone()))
            .collect();
        if errors.iter().any(Diagnostic::is_error) {
            return self.fail(Diagnostics(errors));
        }
        // The provider's slots, at most the run's parallelism: calls take a
        // provider slot before a parallelism slot, so that a lowered limit
        // holds back the calls that have not started.
        let parallelism = self.parallelism;
        inst.limit.set_max(
            inst.provider
                .max_concurrency()
                .map_or(parallelism, |m| m.min(parallelism)),
        );
        lock(&self.providers).insert(key.clone(), Arc::new(inst));
        true
    }

    fn provider_for(&self, key: &NodeKey) -> Option<Arc<ProviderInstance>> {
        let pkey = self.graph.resource_provider.get(key)?;
        lock(&self.providers).get(pkey).cloned()
    }

    fn prior_for(&self, rk: &ResKey, mi: &ModuleInstance) -> Vec<PriorInstance> {
        self.prior
            .get(rk)
            .map(|v| {
                v.iter()
                    .filter(|p| &p.addr.resource.module == mi)
                    .map(PriorInstance::for_node)
                    .collect()
            })
            .unwrap_or_default()
    }

    async fn visit_resource(
        self: &Arc<Self>,
        node: NodeIndex,
        key: &NodeKey,
        rk: ResKey,
        instances: &[ModuleInstance],
    ) -> bool {
        let (path, mode, type_name, name) = rk.clone();
        let Some(pinst) = self.provider_for(key) else {
            return self.fail(Diagnostic::error(
                "Provider configuration not present",
                format!("No provider configuration for {key}."),
            ));
        };
        let schema = match mode {
            Mode::Managed => pinst.resource_schema(&type_name),
            Mode::Data => pinst.data_source_schema(&type_name),
        };
        let config_res = module_at(&self.root, &path)
            .and_then(|m| m.resource(config_mode(mode), &type_name, &name));
        let range = self.graph.graph[node].range.clone();
        let Some(schema) = schema else {
            let known: Vec<&str> = match mode {
                Mode::Managed => pinst.schema.resources.keys().map(String::as_str).collect(),
                Mode::Data => pinst
                    .schema
                    .data_sources
                    .keys()
                    .map(String::as_str)
                    .collect(),
            };
            let what = if mode == Mode::Managed {
                "resource"
            } else {
                "data source"
            };
            return self.fail(
                Diagnostic::error(
                    format!("Invalid {what} type"),
                    format!(
                        "The provider {} does not support {what} type \"{type_name}\".{}",
                        pinst.name,
                        crate::graph::suggestion(&type_name, known.into_iter(), "")
                    ),
                )
                .with_range(range),
            );
        };
        if self.active.as_ref().is_some_and(|a| !a.contains(key)) {
            // Outside the targets: what the state records, nothing evaluated.
            for mi in instances {
                let prior = self.prior_for(&rk, mi);
                let whole = assemble_recorded(&prior, &schema);
                lock(&self.scope)
                    .module_mut(mi)
                    .resources
                    .insert((mode, type_name.clone(), name.clone()), whole);
            }
            return true;
        }
        if let Phase::Plan(opts) = &self.phase {
            self.plan_deposed(&rk, opts);
        }
        let Some(res) = config_res else {
            // No configuration: every recorded instance is an orphan.
            if let Phase::Plan(opts) = &self.phase {
                let all: Vec<PriorInstance> = self
                    .prior
                    .get(&rk)
                    .map(|v| v.iter().map(PriorInstance::for_node).collect())
                    .unwrap_or_default();
                return self
                    .plan_orphans(
                        key,
                        &pinst,
                        &schema,
                        all,
                        ActionReason::NoResourceConfig,
                        opts.clone(),
                    )
                    .await;
            }
            return true;
        };
        let mut ok = true;
        for mi in instances {
            let raddr = ResourceAddr {
                module: mi.clone(),
                mode,
                type_name: type_name.clone(),
                name: name.clone(),
            };
            let mut ctx = self.context(mi, node);
            let expansion = match expand(
                &ctx,
                res.count.as_ref(),
                res.for_each.as_ref(),
                &raddr.to_string(),
            ) {
                Ok(e) => e,
                Err(d) => {
                    ok = self.fail(d);
                    continue;
                }
            };
            let lifecycle = match lifecycle_values(&ctx, res) {
                Ok(l) => l,
                Err(d) => {
                    ok = self.fail(d);
                    continue;
                }
            };
            let each_values = for_each_values(&ctx, res.for_each.as_ref());
            let mut configs = Vec::new();
            for k in expansion.keys() {
                set_instance_roots(&mut ctx, &k, &each_values);
                let (v, d) = decode_body(&res.body, &schema.block, &mut ctx, &res.decl_range);
                let d: Diagnostics = Diagnostics(
                    d.into_iter()
                        .map(|d| d.with_address(raddr.instance(k.clone()).to_string()))
                        .collect(),
                );
                if d.has_errors() {
                    ok = self.fail(d);
                    continue;
                }
                // Preconditions are checked before the change is planned.
                for c in &res.lifecycle.preconditions {
                    if let Err(d) = check_rule(
                        &ctx,
                        &c.condition,
                        &c.error_message,
                        "Resource precondition failed",
                    ) {
                        ok = self.fail(d);
                    }
                }
                configs.push((raddr.instance(k), v));
            }
            if !ok {
                continue;
            }
            let prior = self.prior_for(&rk, mi);
            let values = match &self.phase {
                Phase::Plan(opts) => {
                    self.plan_instances(
                        &pinst,
                        &schema,
                        key,
                        res,
                        configs,
                        prior,
                        &lifecycle,
                        opts.clone(),
                    )
                    .await
                }
                Phase::Apply { serial, .. } => {
                    self.apply_instances(
                        &pinst, &schema, key, res, configs, prior, &lifecycle, *serial,
                    )
                    .await
                }
            };
            match values {
                Some(values) => {
                    // Postconditions, once the object's values are known.
                    if !res.lifecycle.postconditions.is_empty() {
                        for (k, v) in &values {
                            if !v.is_wholly_known() || v.is_null() {
                                continue;
                            }
                            set_instance_roots(&mut ctx, k, &each_values);
                            ctx.roots.insert("self".into(), v.clone());
                            for c in &res.lifecycle.postconditions {
                                if let Err(d) = check_rule(
                                    &ctx,
                                    &c.condition,
                                    &c.error_message,
                                    "Resource postcondition failed",
                                ) {
                                    let at = raddr.instance(k.clone()).to_string();
                                    ok = self.fail(Diagnostics(
                                        d.into_iter().map(|d| d.with_address(at.clone())).collect(),
                                    ));
                                }
                            }
                        }
                        ctx.roots.remove("self");
                    }
                    let whole = assemble(&expansion, &values);
                    lock(&self.scope)
                        .module_mut(mi)
                        .resources
                        .insert((mode, type_name.clone(), name.clone()), whole);
                }
                None => ok = false,
            }
        }
        // Instances whose module instance no longer exists.
        if let Phase::Plan(opts) = &self.phase {
            let gone: Vec<PriorInstance> = self
                .prior
                .get(&rk)
                .map(|v| {
                    v.iter()
                        .filter(|p| !instances.contains(&p.addr.resource.module))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            if !gone.is_empty() {
                ok &= self
                    .plan_orphans(
                        key,
                        &pinst,
                        &schema,
                        gone,
                        ActionReason::NoModule,
                        opts.clone(),
                    )
                    .await;
            }
        }
        ok
    }

    /// Deletes for the deposed objects of a resource (plan phase).
    fn plan_deposed(&self, rk: &ResKey, opts: &PlanOptions) {
        if opts.mode == PlanMode::RefreshOnly {
            return;
        }
        let Some(deposed) = self.deposed.get(rk) else {
            return;
        };
        let mut results = lock(&self.results);
        for (p, key) in deposed {
            if !opts.targets.is_empty() && !opts.targets.iter().any(|t| t.contains(&p.addr)) {
                continue;
            }
            results.push(ResourceChange {
                addr: p.addr.clone(),
                provider: p.record.provider.clone(),
                action: Action::Delete,
                reason: None,
                before: Some(p.value.clone()),
                after: None,
                requires_replace: Vec::new(),
                private: None,
                dependencies: p.record.dependencies.clone(),
                schema_version: p.record.schema_version,
                create_before_destroy: true,
                deposed: Some(key.clone()),
            });
        }
    }

    /// Whether something named in `replace_triggered_by` changes in this
    /// plan, for instance `key` of a resource in module instance `mi`: a
    /// resource instance that is updated or replaced, or, when the
    /// reference names an attribute, that attribute's value changing. An
    /// index written with `count.index` or `each.key` means this
    /// instance's own key.
    fn replace_triggered(
        &self,
        res: &Resource,
        mi: &ModuleInstance,
        key: &Option<InstanceKey>,
    ) -> Option<String> {
        if res.lifecycle.replace_triggered_by.is_empty() {
            return None;
        }
        let results = lock(&self.results);
        for e in &res.lifecycle.replace_triggered_by {
            for r in gitform_lang::references(&e.expr) {
                let gitform_lang::Subject::Resource { type_name, name } = r.subject else {
                    continue;
                };
                let resource = ResourceAddr {
                    module: mi.clone(),
                    mode: Mode::Managed,
                    type_name,
                    name,
                };
                let mut steps = r.remaining.iter().peekable();
                let index = match steps.peek() {
                    Some(gitform_lang::TraversalStep::Index(i)) => Some(Some(InstanceKey::Int(*i))),
                    Some(gitform_lang::TraversalStep::Key(k)) => {
                        Some(Some(InstanceKey::Str(k.clone())))
                    }
                    Some(gitform_lang::TraversalStep::Dynamic) => Some(key.clone()),
                    _ => None,
                };
                if index.is_some() {
                    steps.next();
                }
                let path = AttrPath(
                    steps
                        .map_while(|s| match s {
                            gitform_lang::TraversalStep::Attr(a) => Some(PathStep::Attr(a.clone())),
                            gitform_lang::TraversalStep::Key(k) => Some(PathStep::Key(k.clone())),
                            gitform_lang::TraversalStep::Index(i) => Some(PathStep::Index(*i)),
                            _ => None,
                        })
                        .collect(),
                );
                let candidates: Vec<usize> = match index {
                    Some(k) => results
                        .by_addr
                        .get(&resource.instance(k))
                        .copied()
                        .into_iter()
                        .collect(),
                    None => results
                        .by_resource
                        .get(&resource)
                        .cloned()
                        .unwrap_or_default(),
                };
                let hit = candidates
                    .into_iter()
                    .filter_map(|i| results.changes.get(i))
                    .any(|c| {
                        let changed = c.action.is_replace() || c.action == Action::Update;
                        if !changed || path.is_root() {
                            return changed;
                        }
                        let before = c.before.as_ref().and_then(|v| v.get_path(&path));
                        let after = c.after.as_ref().and_then(|v| v.get_path(&path));
                        match (before, after) {
                            (Some(b), Some(a)) => !a.is_wholly_known() || !values_equal(b, a),
                            (None, None) => false,
                            _ => true,
                        }
                    });
                if hit {
                    return Some(e.text().to_string());
                }
            }
        }
        None
    }

    async fn plan_orphans(
        &self,
        key: &NodeKey,
        pinst: &ProviderInstance,
        schema: &Schema,
        orphans: Vec<PriorInstance>,
        reason: ActionReason,
        opts: PlanOptions,
    ) -> bool {
        let orphans: Vec<PriorInstance> = orphans
            .into_iter()
            .filter(|p| opts.targets.is_empty() || opts.targets.iter().any(|t| t.contains(&p.addr)))
            .collect();
        if orphans.is_empty() {
            return true;
        }
        let refreshed = if opts.refresh
            && opts.mode != PlanMode::Destroy
            && orphans
                .first()
                .is_some_and(|p| p.addr.resource.mode == Mode::Managed)
        {
            match crate::refresh::refresh(self, key, pinst, schema, &orphans, &opts.targets).await {
                Ok(r) => r,
                Err(d) => return self.fail(d),
            }
        } else {
            orphans.iter().map(|p| Some(p.value.clone())).collect()
        };
        let mut results = lock(&self.results);
        for (p, now) in orphans.into_iter().zip(refreshed) {
            if opts.refresh && !values_equal_opt(Some(&p.value), now.as_ref()) {
                results.drift.push(Drift {
                    addr: p.addr.clone(),
                    before: p.value.clone(),
                    after: now.clone(),
                });
            }
            if opts.mode == PlanMode::RefreshOnly {
                continue;
            }
            let Some(now) = now else { continue };
            if p.addr.resource.mode == Mode::Data {
                // Data sources are only forgotten: the apply drops their records.
                continue;
            }
            let action = Action::Delete;
            results.push(ResourceChange {
                addr: p.addr.clone(),
                provider: p.record.provider.clone(),
                action,
                reason: if action == Action::Delete {
                    Some(reason.clone())
                } else {
                    None
                },
                before: Some(now),
                after: None,
                requires_replace: Vec::new(),
                private: None,
                dependencies: p.record.dependencies.clone(),
                schema_version: p.record.schema_version,
                create_before_destroy: p.record.create_before_destroy,
                deposed: None,
            });
        }
        true
    }

    /// Plans every instance of one resource in one module instance.
    /// Returns the values references see, by instance key.
    #[allow(clippy::too_many_arguments)]
    async fn plan_instances(
        &self,
        pinst: &Arc<ProviderInstance>,
        schema: &Arc<Schema>,
        key: &NodeKey,
        res: &Resource,
        configs: Vec<(InstanceAddr, Value)>,
        prior: Vec<PriorInstance>,
        lifecycle: &LifecycleValues,
        opts: PlanOptions,
    ) -> Option<BTreeMap<Option<InstanceKey>, Value>> {
        let active = self.active.as_ref().is_none_or(|a| a.contains(key));
        // Targets that name this resource (directly, or through a module
        // instance) narrow its instances; a resource that is only a
        // dependency of a target is planned whole.
        let naming: Vec<&TargetAddr> = opts
            .targets
            .iter()
            .filter(|t| match t {
                TargetAddr::Module(m) => key.module().0.starts_with(&m.path().0),
                TargetAddr::Resource(r) | TargetAddr::Instance(InstanceAddr { resource: r, .. }) => {
                    r.module.path() == *key.module()
                        && matches!(key, NodeKey::Resource(_, m, t, n) if *m == r.mode && *t == r.type_name && *n == r.name)
                }
            })
            .collect();
        let targeted =
            |addr: &InstanceAddr| naming.is_empty() || naming.iter().any(|t| t.contains(addr));
        let mode = res.mode;
        // Refresh what the state holds.
        let do_refresh = opts.refresh
            && active
            && mode == ResourceMode::Managed
            && opts.mode != PlanMode::Destroy;
        let refreshed: Vec<Option<Value>> = if do_refresh {
            match crate::refresh::refresh(self, key, pinst, schema, &prior, &opts.targets).await {
                Ok(r) => r,
                Err(d) => {
                    let range = Some(res.decl_range.clone());
                    self.fail(Diagnostics(
                        d.into_iter().map(|d| d.with_range(range.clone())).collect(),
                    ));
                    return None;
                }
            }
        } else {
            prior.iter().map(|p| Some(p.value.clone())).collect()
        };
        let mut current: HashMap<InstanceAddr, (PriorInstance, Option<Value>)> = HashMap::new();
        {
            let mut results = lock(&self.results);
            for (p, now) in prior.into_iter().zip(refreshed) {
                if do_refresh && !values_equal_opt(Some(&p.value), now.as_ref()) {
                    results.drift.push(Drift {
                        addr: p.addr.clone(),
                        before: p.value.clone(),
                        after: now.clone(),
                    });
                }
                current.insert(p.addr.clone(), (p, now));
            }
        }
        let mut values = BTreeMap::new();
        let deps = self.resource_deps.get(key).cloned().unwrap_or_default();
        let provider = self
            .graph
            .resource_provider
            .get(key)
            .map(provider_label)
            .unwrap_or_default();
        let wanted: HashSet<InstanceAddr> = configs.iter().map(|(a, _)| a.clone()).collect();
        let mut futures = Vec::new();
        for (addr, config) in configs {
            let cur = current.get(&addr).cloned();
            let prior_val = cur.as_ref().and_then(|(_, now)| now.clone());
            let tainted = cur
                .as_ref()
                .is_some_and(|(p, now)| p.record.tainted && now.is_some());
            if !active || !targeted(&addr) || opts.mode == PlanMode::RefreshOnly {
                values.insert(
                    addr.key.clone(),
                    prior_val
                        .clone()
                        .unwrap_or_else(|| Value::Unknown(schema.block.implied_type())),
                );
                continue;
            }
            if opts.mode == PlanMode::Destroy {
                if let Some(pv) = prior_val.clone() {
                    if mode == ResourceMode::Managed {
                        if lifecycle.prevent_destroy {
                            self.fail(prevent_destroy_error(&addr, res));
                            return None;
                        }
                        let (p, _) = cur.clone().unwrap_or_else(|| unreachable_prior(&addr));
                        lock(&self.results).push(ResourceChange {
                            addr: addr.clone(),
                            provider: provider.clone(),
                            action: Action::Delete,
                            reason: None,
                            before: Some(pv.clone()),
                            after: None,
                            requires_replace: Vec::new(),
                            private: None,
                            dependencies: p.record.dependencies.clone(),
                            schema_version: schema.version,
                            create_before_destroy: lifecycle.create_before_destroy,
                            deposed: None,
                        });
                    }
                    values.insert(addr.key.clone(), pv);
                } else {
                    values.insert(
                        addr.key.clone(),
                        Value::Unknown(schema.block.implied_type()),
                    );
                }
                continue;
            }
            let replace_requested = opts.replace.contains(&addr);
            let triggered = self.replace_triggered(res, &addr.resource.module, &addr.key);
            let deps_pending = mode == ResourceMode::Data && {
                let results = lock(&self.results);
                results.actions.iter().any(|(a, act)| {
                    !matches!(act, Action::NoOp | Action::Read)
                        && deps.contains(&crate::operations::res_node_name(a))
                })
            };
            let fut = plan_one(
                pinst.clone(),
                schema.clone(),
                self.sem.clone(),
                self.observer.clone(),
                PlanOne {
                    addr,
                    deps_pending,
                    config,
                    prior: prior_val,
                    tainted,
                    replace_requested,
                    triggered,
                    lifecycle: lifecycle.clone(),
                    data: mode == ResourceMode::Data,
                    provider: provider.clone(),
                    deps: deps.clone(),
                    decl: res.decl_range.clone(),
                },
            );
            futures.push(fut);
        }
        let mut ok = true;
        for r in futures::future::join_all(futures).await {
            match r {
                Ok((change, value)) => {
                    if change.action.destroys() && lifecycle.prevent_destroy {
                        ok = self.fail(prevent_destroy_error(&change.addr, res));
                        continue;
                    }
                    values.insert(change.addr.key.clone(), value);
                    lock(&self.results).push(change);
                }
                Err(d) => ok = self.fail(d),
            }
        }
        // Recorded instances whose keys are no longer produced.
        // (An object the refresh found gone needs no delete.)
        let orphans: Vec<PriorInstance> = current
            .into_values()
            .filter(|(p, _)| !wanted.contains(&p.addr))
            .filter_map(|(p, now)| now.map(|value| PriorInstance { value, ..p }))
            .collect();
        if !orphans.is_empty() && opts.mode != PlanMode::RefreshOnly {
            if lifecycle.prevent_destroy && mode == ResourceMode::Managed {
                for o in &orphans {
                    ok = self.fail(prevent_destroy_error(&o.addr, res));
                }
            } else {
                let no_refresh = PlanOptions {
                    refresh: false,
                    ..opts.clone()
                };
                ok &= self
                    .plan_orphans(
                        key,
                        pinst,
                        schema,
                        orphans,
                        ActionReason::NoInstanceKey,
                        no_refresh,
                    )
                    .await;
            }
        }
        ok.then_some(values)
    }

    /// Applies the planned changes of every instance of one resource in
    /// one module instance (all but destroys, which have their own node).
    #[allow(clippy::too_many_arguments)]
    async fn apply_instances(
        &self,
        pinst: &Arc<ProviderInstance>,
        schema: &Arc<Schema>,
        key: &NodeKey,
        res: &Resource,
        configs: Vec<(InstanceAddr, Value)>,
        prior: Vec<PriorInstance>,
        lifecycle: &LifecycleValues,
        serial: u64,
    ) -> Option<BTreeMap<Option<InstanceKey>, Value>> {
        let prior: HashMap<InstanceAddr, PriorInstance> =
            prior.into_iter().map(|p| (p.addr.clone(), p)).collect();
        let deps = self.resource_deps.get(key).cloned().unwrap_or_default();
        let provider = self
            .graph
            .resource_provider
            .get(key)
            .map(provider_label)
            .unwrap_or_default();
        let mut values = BTreeMap::new();
        let mut futures = Vec::new();
        for (addr, config) in configs {
            let change = self.planned.get(&addr);
            let recorded = prior.get(&addr).map(|p| p.value.clone());
            let Some(change) = change else {
                values.insert(
                    addr.key.clone(),
                    recorded.unwrap_or_else(|| Value::Unknown(schema.block.implied_type())),
                );
                continue;
            };
            match change.action {
                Action::NoOp | Action::Delete => {
                    let v = change
                        .after
                        .clone()
                        .or(change.before.clone())
                        .or(recorded)
                        .unwrap_or(Value::Null);
                    if res.mode == ResourceMode::Data && change.action == Action::NoOp {
                        // Data sources read during plan are recorded with the apply.
                        let rec = self.record(
                            &addr,
                            &provider,
                            schema,
                            &v,
                            &deps,
                            false,
                            lifecycle.create_before_destroy,
                        );
                        if let Err(e) = self.recorder.put(serial, rec).await {
                            self.fail(state_error(&addr, e));
                            return None;
                        }
                    }
                    values.insert(addr.key.clone(), v);
                }
                _ => futures.push(self.apply_one(
                    pinst.clone(),
                    schema.clone(),
                    addr,
                    config,
                    change,
                    lifecycle.clone(),
                    provider.clone(),
                    deps.clone(),
                    serial,
                    res.decl_range.clone(),
                )),
            }
        }
        let mut ok = true;
        for r in futures::future::join_all(futures).await {
            match r {
                Ok((addr, v)) => {
                    values.insert(addr.key.clone(), v);
                }
                Err(d) => ok = self.fail(d),
            }
        }
        ok.then_some(values)
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        addr: &InstanceAddr,
        provider: &str,
        schema: &Schema,
        value: &Value,
        deps: &[String],
        tainted: bool,
        cbd: bool,
    ) -> ResourceRecord {
        let marked = schema.block.mark_sensitive(value.clone());
        let paths = marked.sensitive_paths();
        let (plain, _) = marked.unmark_deep();
        ResourceRecord {
            address: addr.to_string(),
            mode: state_mode(addr.resource.mode),
            resource_type: addr.resource.type_name.clone(),
            provider: provider.to_string(),
            schema_version: schema.version,
            attributes: to_tagged_json(&plain),
            sensitive_paths: serde_json::to_value(paths).unwrap_or(serde_json::Value::Null),
            dependencies: deps.to_vec(),
            tainted,
            create_before_destroy: cbd,
            updated_serial: 0,
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn apply_one(
        &self,
        pinst: Arc<ProviderInstance>,
        schema: Arc<Schema>,
        addr: InstanceAddr,
        config: Value,
        change: &ResourceChange,
        lifecycle: LifecycleValues,
        provider: String,
        deps: Vec<String>,
        serial: u64,
        decl: SourceRange,
    ) -> Result<(InstanceAddr, Value), Diagnostics> {
        let with_addr = |ds: Vec<Diagnostic>| -> Diagnostics {
            Diagnostics(
                ds.into_iter()
                    .map(|d| {
                        d.with_address(addr.to_string())
                            .with_range(Some(decl.clone()))
                    })
                    .collect(),
            )
        };
        let type_name = addr.resource.type_name.clone();
        if change.action == Action::Read {
            let _slot = pinst.limit.acquire().await;
            let _permit = self.sem.acquire().await;
            self.observer.started(&addr, Action::Read);
            let t0 = Instant::now();
            let resp = pinst
                .provider
                .read_data(ReadDataRequest { type_name, config })
                .await;
            let d = with_addr(resp.diagnostics);
            self.observer
                .finished(&addr, Action::Read, !d.has_errors(), t0.elapsed(), None);
            if d.has_errors() {
                return Err(d);
            }
            let v = schema.block.mark_sensitive(resp.state);
            let rec = self.record(&addr, &provider, &schema, &v, &deps, false, false);
            self.recorder
                .put(serial, rec)
                .await
                .map_err(|e| state_error(&addr, e))?;
            return Ok((addr, v));
        }
        // With the values applied so far, the configuration may now be
        // wholly known: plan once more, then apply.
        let prior = if change.action == Action::Update {
            change.before.clone()
        } else {
            None
        };
        let prior = if change.action == Action::CreateThenDelete {
            None
        } else {
            prior
        };
        let mut proposed = proposed_new_state(&schema.block, prior.as_ref(), &config);
        apply_ignore_changes(&mut proposed, prior.as_ref(), &lifecycle);
        // Owned slots: the state writer gives them back once the result is
        // committed (see below).
        let slot = pinst.limit.acquire_owned().await;
        let permit = self.sem.clone().acquire_owned().await;
        if self.observer.cancelled() {
            self.note_cancelled();
            return Err(Diagnostics::new());
        }
        let planned = pinst
            .provider
            .plan_change(PlanChangeRequest {
                type_name: type_name.clone(),
                prior_state: prior.clone(),
                proposed_new_state: Some(proposed),
                config: config.clone(),
                prior_private: change.private.clone(),
            })
            .await;
        let d = with_addr(planned.diagnostics);
        if d.has_errors() {
            return Err(d);
        }
        let action = if change.action == Action::Update {
            Action::Update
        } else {
            Action::Create
        };
        self.observer.started(&addr, action);
        let t0 = Instant::now();
        let resp = pinst
            .provider
            .apply_change(ApplyChangeRequest {
                type_name,
                prior_state: prior.clone(),
                planned_state: planned.planned_state,
                config,
                planned_private: planned.planned_private,
            })
            .await;
        pinst.limit.observe(pinst.provider.throttle_events());
        // The parallelism slot (and the provider's) is held until the result
        // is recorded and reported, so that at most `-parallelism` changes
        // are in flight as the user sees them ("Creating..." to "Creation
        // complete"). The state writer reports the change and gives the
        // slots back as soon as it has committed the result, so the next
        // change starts without waiting for this task to be woken.
        let held = (permit, slot);
        let mut diags = with_addr(resp.diagnostics);
        if let Some(v) = &resp.new_state {
            if !v.is_wholly_known() {
                diags.push(
                    Diagnostic::error(
                        "Provider produced invalid object",
                        format!("The provider returned a result for {addr} that still contains unknown values after apply. This is a bug in the provider; the object was not recorded."),
                    )
                    .with_address(addr.to_string()),
                );
                self.observer
                    .finished(&addr, action, false, t0.elapsed(), None);
                return Err(diags);
            }
        }
        let failed = diags.has_errors();
        let id = resp
            .new_state
            .as_ref()
            .and_then(|v| v.get_attr("id"))
            .and_then(|v| v.as_str().map(str::to_string));
        match resp.new_state {
            Some(v) => {
                if change.action == Action::CreateThenDelete {
                    // The old object stays recorded, deposed, until its destroy succeeds.
                    if let Some(old) = &change.before {
                        let mut rec =
                            self.record(&addr, &provider, &schema, old, &deps, false, true);
                        rec.address = deposed_address(&addr, &serial.to_string());
                        self.recorder
                            .put(serial, rec)
                            .await
                            .map_err(|e| state_error(&addr, e))?;
                    }
                }
                // A create that failed halfway is kept, tainted, so the next plan replaces it.
                let tainted = failed && action == Action::Create;
                let v = schema.block.mark_sensitive(v);
                let rec = self.record(
                    &addr,
                    &provider,
                    &schema,
                    &v,
                    &deps,
                    tainted,
                    lifecycle.create_before_destroy,
                );
                // Reported only once it is recorded.
                let report: crate::recorder::After = {
                    let (observer, addr) = (self.observer.clone(), addr.clone());
                    Box::new(move |saved| {
                        observer.finished(
                            &addr,
                            action,
                            !failed && saved.is_ok(),
                            t0.elapsed(),
                            id.as_deref(),
                        );
                        drop(held);
                    })
                };
                self.recorder
                    .put_then(serial, rec, report)
                    .await
                    .map_err(|e| state_error(&addr, e))?;
                if failed {
                    return Err(diags);
                }
                let mut results = lock(&self.results);
                if action == Action::Update {
                    results.applied.change += 1;
                } else {
                    results.applied.add += 1;
                }
                Ok((addr, v))
            }
            None if failed => {
                self.observer
                    .finished(&addr, action, false, t0.elapsed(), None);
                Err(diags)
            }
            None => {
                self.observer
                    .finished(&addr, action, false, t0.elapsed(), None);
                Err(Diagnostic::error(
                    "Provider produced an invalid result",
                    format!(
                        "The provider returned no object after applying a {} to {addr}. This is a bug in the provider.",
                        action.as_str()
                    ),
                )
                .with_address(addr.to_string())
                .into())
            }
        }
    }

    /// Destroys of one resource: the destroy halves of its replacements
    /// (`replacements`), or the objects that go away for good.
    async fn visit_destroy(self: &Arc<Self>, rk: &ResKey, replacements: bool) -> bool {
        let Phase::Apply { serial, .. } = &self.phase else {
            return true;
        };
        let serial = *serial;
        let changes: Vec<ResourceChange> = self
            .planned_by_resource
            .get(rk)
            .into_iter()
            .flatten()
            .filter(|c| c.action.destroys() && c.action.is_replace() == replacements)
            .cloned()
            .collect();
        let mut futures = Vec::new();
        for ch in changes {
            let Some(pkey) = parse_provider_label(&ch.provider) else {
                self.fail(Diagnostic::error(
                    "Invalid provider in state",
                    format!("{} records provider {:?}.", ch.addr, ch.provider),
                ));
                return false;
            };
            let Some(pinst) = lock(&self.providers).get(&pkey).cloned() else {
                self.fail(Diagnostic::error(
                    "Provider configuration not present",
                    format!(
                        "To destroy {} its provider configuration {pkey} is required.",
                        ch.addr
                    ),
                ));
                return false;
            };
            futures.push(async move {
                let slot = pinst.limit.acquire().await;
                let permit = self.sem.acquire().await;
                if self.observer.cancelled() {
                    self.note_cancelled();
                    return Err(Diagnostics::new());
                }
                self.observer.started(&ch.addr, Action::Delete);
                let t0 = Instant::now();
                let resp = pinst
                    .provider
                    .apply_change(ApplyChangeRequest {
                        type_name: ch.addr.resource.type_name.clone(),
                        prior_state: ch.before.clone(),
                        planned_state: None,
                        config: Value::Null,
                        planned_private: None,
                    })
                    .await;
                pinst.limit.observe(pinst.provider.throttle_events());
                // Held until the removal is recorded and reported, as for
                // creates and updates.
                let _held = (permit, slot);
                let diags = Diagnostics(
                    resp.diagnostics
                        .into_iter()
                        .map(|d| d.with_address(ch.addr.to_string()))
                        .collect(),
                );
                if diags.has_errors() {
                    self.observer
                        .finished(&ch.addr, Action::Delete, false, t0.elapsed(), None);
                    return Err(diags);
                }
                // With create_before_destroy the instance's record already
                // holds the new object: the old one was recorded deposed.
                let address = match (&ch.deposed, ch.action) {
                    (Some(key), _) => deposed_address(&ch.addr, key),
                    (None, Action::CreateThenDelete) => {
                        deposed_address(&ch.addr, &serial.to_string())
                    }
                    (None, _) => ch.addr.to_string(),
                };
                {
                    match self.recorder.remove(serial, address).await {
                        Ok(()) | Err(gitform_state::StateError::ResourceNotFound(_)) => {}
                        Err(e) => {
                            self.observer.finished(
                                &ch.addr,
                                Action::Delete,
                                false,
                                t0.elapsed(),
                                None,
                            );
                            return Err(state_error(&ch.addr, e));
                        }
                    }
                }
                // Reported only once the state says so.
                self.observer
                    .finished(&ch.addr, Action::Delete, true, t0.elapsed(), None);
                lock(&self.results).applied.destroy += 1;
                Ok(())
            });
        }
        let mut ok = true;
        for r in futures::future::join_all(futures).await {
            if let Err(d) = r {
                ok = self.fail(d);
            }
        }
        ok
    }
}

/// The whole-resource value of recorded instances, shaped by their keys.
fn assemble_recorded(prior: &[PriorInstance], schema: &Schema) -> Value {
    let by_key: BTreeMap<Option<InstanceKey>, Value> = prior
        .iter()
        .map(|p| (p.addr.key.clone(), p.value.clone()))
        .collect();
    let expansion = match by_key.keys().next() {
        None => return Value::Unknown(schema.block.implied_type()),
        Some(None) => Expansion::Single,
        Some(Some(InstanceKey::Int(_))) => {
            let n = by_key.keys().filter_map(|k| match k {
                Some(InstanceKey::Int(i)) => Some(*i + 1),
                _ => None,
            });
            Expansion::Count(n.max().unwrap_or(0))
        }
        Some(Some(InstanceKey::Str(_))) => Expansion::ForEach(
            by_key
                .keys()
                .filter_map(|k| match k {
                    Some(InstanceKey::Str(s)) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
        ),
    };
    assemble(&expansion, &by_key)
}

fn unreachable_prior(addr: &InstanceAddr) -> (PriorInstance, Option<Value>) {
    let record = ResourceRecord {
        address: addr.to_string(),
        mode: state_mode(addr.resource.mode),
        resource_type: addr.resource.type_name.clone(),
        provider: String::new(),
        schema_version: 0,
        attributes: serde_json::Value::Null,
        sensitive_paths: serde_json::Value::Null,
        dependencies: Vec::new(),
        tainted: false,
        create_before_destroy: false,
        updated_serial: 0,
    };
    (
        PriorInstance {
            addr: addr.clone(),
            record,
            value: Value::Null,
        },
        None,
    )
}

fn state_error(addr: &InstanceAddr, e: gitform_state::StateError) -> Diagnostics {
    Diagnostic::error(
        "Failed to save state",
        format!("Could not record {addr} in the state: {e}."),
    )
    .with_address(addr.to_string())
    .into()
}

fn prevent_destroy_error(addr: &InstanceAddr, res: &Resource) -> Diagnostic {
    Diagnostic::error(
        "Instance cannot be destroyed",
        format!("Resource {addr} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target flag."),
    )
    .with_range(res.lifecycle.prevent_destroy.as_ref().map(|e| e.range()).or(Some(res.decl_range.clone())))
    .with_address(addr.to_string())
}

fn values_equal_opt(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => values_equal(a, b),
        _ => false,
    }
}

fn apply_ignore_changes(proposed: &mut Value, prior: Option<&Value>, lc: &LifecycleValues) {
    let Some(prior) = prior else { return };
    if lc.ignore_all {
        // Keep every prior value; only computed attributes may change.
        *proposed = prior.clone();
        return;
    }
    if let Some(paths) = &lc.ignore {
        for p in paths {
            copy_path(proposed, prior, &p.0);
        }
    }
}

fn lifecycle_values(ctx: &EvalContext, res: &Resource) -> Result<LifecycleValues, Diagnostics> {
    let lc = &res.lifecycle;
    let eval_bool = |e: &Option<Expr>, what: &str| -> Result<bool, Diagnostics> {
        let Some(e) = e else { return Ok(false) };
        let v = eval(&e.expr, ctx, &e.file)?;
        if !v.is_known() {
            return Err(Diagnostic::error(
                format!("Invalid {what} value"),
                format!("The value of lifecycle.{what} must be known when planning; it cannot depend on resource attributes that are known only after apply."),
            )
            .with_range(Some(e.range()))
            .into());
        }
        match gitform_value::convert::convert(v, &gitform_value::Type::Bool) {
            Ok(b) => Ok(is_true(&b)),
            Err(_) => Err(Diagnostic::error(
                format!("Invalid {what} value"),
                format!("lifecycle.{what} must be a bool."),
            )
            .with_range(Some(e.range()))
            .into()),
        }
    };
    let mut out = LifecycleValues {
        create_before_destroy: eval_bool(&lc.create_before_destroy, "create_before_destroy")?,
        prevent_destroy: eval_bool(&lc.prevent_destroy, "prevent_destroy")?,
        ..Default::default()
    };
    match &lc.ignore_changes {
        IgnoreChanges::None => {}
        IgnoreChanges::All => out.ignore_all = true,
        IgnoreChanges::Paths(ps) => out.ignore = Some(ps.iter().filter_map(ignore_path).collect()),
    }
    Ok(out)
}

fn check_rule(
    ctx: &EvalContext,
    cond: &Expr,
    msg: &Expr,
    summary: &str,
) -> Result<(), Diagnostics> {
    let v = eval(&cond.expr, ctx, &cond.file)?;
    if !v.is_known() || is_true(&v) {
        return Ok(());
    }
    let text = eval(&msg.expr, ctx, &msg.file)
        .ok()
        .and_then(|m| m.as_str().map(str::to_string))
        .unwrap_or_default();
    Err(Diagnostic::error(
        summary,
        format!(
            "{text}\n\nThis was checked by the condition at {}.",
            cond.range()
        ),
    )
    .with_range(Some(cond.range()))
    .into())
}

/// The collection a `for_each` expression iterates over, by key.
fn for_each_values(ctx: &EvalContext, for_each: Option<&Expr>) -> BTreeMap<String, Value> {
    let Some(e) = for_each else {
        return BTreeMap::new();
    };
    let Ok(v) = eval(&e.expr, ctx, &e.file) else {
        return BTreeMap::new();
    };
    let (v, marked) = v.unmark();
    match v {
        Value::Map(m) | Value::Object(m) => {
            m.into_iter().map(|(k, v)| (k, v.mark_if(marked))).collect()
        }
        Value::Set(s) => s
            .into_iter()
            .filter_map(|e| e.as_str().map(|k| (k.to_string(), e.clone())))
            .collect(),
        _ => BTreeMap::new(),
    }
}

fn set_instance_roots(
    ctx: &mut EvalContext,
    key: &Option<InstanceKey>,
    each: &BTreeMap<String, Value>,
) {
    match key {
        Some(InstanceKey::Int(i)) => {
            ctx.roots
                .insert("count".into(), Value::object([("index", Value::int(*i))]));
        }
        Some(InstanceKey::Str(k)) => {
            let v = each.get(k).cloned().unwrap_or(Value::Null);
            ctx.roots.insert(
                "each".into(),
                Value::object([("key", Value::string(k.clone())), ("value", v)]),
            );
        }
        None => {}
    }
}

/// Evaluates count / for_each into the instance keys. Both must be known
/// when planning.
pub(crate) fn expand(
    ctx: &EvalContext,
    count: Option<&Expr>,
    for_each: Option<&Expr>,
    what: &str,
) -> Result<Expansion, Diagnostics> {
    if let Some(e) = count {
        let v = eval(&e.expr, ctx, &e.file)?;
        if !v.is_known() {
            return Err(unknown_expansion(e, "count", what));
        }
        if v.is_sensitive() {
            return Err(Diagnostic::error(
                "Invalid count argument",
                "Sensitive values, or values derived from sensitive values, cannot be used as count arguments. If used, the sensitive value could be exposed as a resource address.",
            )
            .with_range(Some(e.range()))
            .into());
        }
        let n = match v.unmarked() {
            Value::Number(n) => n.to_i64(),
            Value::Null => {
                return Err(Diagnostic::error(
                    "Invalid count argument",
                    "The given \"count\" argument value is null. An integer is required.",
                )
                .with_range(Some(e.range()))
                .into())
            }
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        return match n {
            Some(n) if n >= 0 => Ok(Expansion::Count(n)),
            Some(_) => Err(Diagnostic::error("Invalid count argument", "The given \"count\" argument value is unsuitable: must be greater than or equal to zero.")
                .with_range(Some(e.range()))
                .into()),
            None => Err(Diagnostic::error("Invalid count argument", "The given \"count\" argument value is unsuitable: a whole number is required.")
                .with_range(Some(e.range()))
                .into()),
        };
    }
    if let Some(e) = for_each {
        let v = eval(&e.expr, ctx, &e.file)?;
        if !v.is_known()
            || !v.is_wholly_known() && !matches!(v.unmarked(), Value::Map(_) | Value::Object(_))
        {
            return Err(unknown_expansion(e, "for_each", what));
        }
        if v.contains_sensitive() {
            return Err(Diagnostic::error(
                "Invalid for_each argument",
                "Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. If used, the sensitive value could be exposed as a resource instance key.",
            )
            .with_range(Some(e.range()))
            .into());
        }
        return match v.unmarked() {
            Value::Map(m) | Value::Object(m) => Ok(Expansion::ForEach(m.keys().cloned().collect())),
            Value::Set(s) => {
                let mut keys = Vec::new();
                for el in s {
                    match el.unmarked() {
                        Value::String(k) => keys.push(k.clone()),
                        _ => {
                            return Err(Diagnostic::error(
                                "Invalid for_each set argument",
                                format!("The given \"for_each\" argument value is unsuitable: \"for_each\" supports sets of strings, but you have provided a set containing type {}.", el.ty().friendly_name()),
                            )
                            .with_range(Some(e.range()))
                            .into())
                        }
                    }
                }
                Ok(Expansion::ForEach(keys))
            }
            Value::Null => Err(Diagnostic::error("Invalid for_each argument", "The given \"for_each\" argument value is null. A map, or set of strings is allowed.")
                .with_range(Some(e.range()))
                .into()),
            other => Err(Diagnostic::error(
                "Invalid for_each argument",
                format!("The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.", other.ty().friendly_name()),
            )
            .with_range(Some(e.range()))
            .into()),
        };
    }
    let _ = what;
    Ok(Expansion::Single)
}

fn unknown_expansion(e: &Expr, arg: &str, what: &str) -> Diagnostics {
    let refs: Vec<String> = expr_deps(e, &[])
        .into_iter()
        .filter_map(|(d, span)| match d {
            Dep::Resource(..) | Dep::Module(..) => {
                Some(e.file.text.get(span).unwrap_or_default().to_string())
            }
            _ => None,
        })
        .collect();
    let because = if refs.is_empty() {
        String::new()
    } else {
        format!(
            " It depends on {}, which will be known only after apply.",
            refs.join(", ")
        )
    };
    let detail = if arg == "count" {
        format!("The \"count\" value of {what} depends on resource attributes that cannot be determined until apply, so gitform cannot predict how many instances will be created.{because} To work around this, use the -target argument to first apply only the resources that the count depends on.")
    } else {
        format!("The \"for_each\" value of {what} depends on resource attributes that cannot be determined until apply, so gitform cannot determine the full set of keys that will identify the instances of this resource.{because} When working with unknown values in for_each, it's better to define the map keys statically in your configuration and place apply-time results only in the map values. Alternatively, you could use the -target argument to first apply only the resources that the for_each value depends on.")
    };
    Diagnostic::error(format!("Invalid {arg} argument"), detail)
        .with_range(Some(e.range()))
        .into()
}

struct PlanOne {
    addr: InstanceAddr,
    /// A resource this (data) instance depends on has changes pending.
    deps_pending: bool,
    config: Value,
    prior: Option<Value>,
    tainted: bool,
    replace_requested: bool,
    triggered: Option<String>,
    lifecycle: LifecycleValues,
    data: bool,
    provider: String,
    deps: Vec<String>,
    decl: SourceRange,
}

/// Plans one instance: returns its change and the value references see.
async fn plan_one(
    pinst: Arc<ProviderInstance>,
    schema: Arc<Schema>,
    sem: Arc<Semaphore>,
    observer: Arc<dyn Observer>,
    p: PlanOne,
) -> Result<(ResourceChange, Value), Diagnostics> {
    let with_addr = |ds: Vec<Diagnostic>| -> Diagnostics {
        Diagnostics(
            ds.into_iter()
                .map(|d| {
                    d.with_address(p.addr.to_string())
                        .with_range(Some(p.decl.clone()))
                })
                .collect(),
        )
    };
    let type_name = p.addr.resource.type_name.clone();
    let mk = |action,
              reason,
              before: Option<Value>,
              after: Option<Value>,
              rr: Vec<AttrPath>,
              private| ResourceChange {
        addr: p.addr.clone(),
        provider: p.provider.clone(),
        action,
        reason,
        before,
        after,
        requires_replace: rr,
        private,
        dependencies: p.deps.clone(),
        schema_version: schema.version,
        create_before_destroy: p.lifecycle.create_before_destroy,
        deposed: None,
    };
    if p.data {
        if p.config.is_wholly_known() && !p.deps_pending {
            let _permit = sem.acquire().await;
            // "Reading..." and "Read complete after 1s [id=...]", as
            // Terraform reports a data source read while it plans.
            let started = Instant::now();
            observer.started(&p.addr, Action::Read);
            let resp = pinst
                .provider
                .read_data(ReadDataRequest {
                    type_name,
                    config: p.config.clone(),
                })
                .await;
            let d = with_addr(resp.diagnostics);
            let id = resp.state.get_attr("id").and_then(Value::as_str);
            observer.finished(
                &p.addr,
                Action::Read,
                !d.has_errors(),
                started.elapsed(),
                id,
            );
            if d.has_errors() {
                return Err(d);
            }
            let v = schema.block.mark_sensitive(resp.state);
            return Ok((
                mk(
                    Action::NoOp,
                    None,
                    p.prior.clone(),
                    Some(v.clone()),
                    Vec::new(),
                    None,
                ),
                v,
            ));
        }
        let after = Value::Unknown(schema.block.implied_type());
        return Ok((
            mk(
                Action::Read,
                Some(ActionReason::ReadDependencyPending),
                p.prior.clone(),
                Some(after.clone()),
                Vec::new(),
                None,
            ),
            after,
        ));
    }
    let mut proposed = proposed_new_state(&schema.block, p.prior.as_ref(), &p.config);
    apply_ignore_changes(&mut proposed, p.prior.as_ref(), &p.lifecycle);
    let _permit = sem.acquire().await;
    let resp = pinst
        .provider
        .plan_change(PlanChangeRequest {
            type_name: type_name.clone(),
            prior_state: p.prior.clone(),
            proposed_new_state: Some(proposed),
            config: p.config.clone(),
            prior_private: None,
        })
        .await;
    let d = with_addr(resp.diagnostics);
    if d.has_errors() {
        return Err(d);
    }
    let Some(planned) = resp.planned_state else {
        return Err(Diagnostic::error(
            "Provider produced an invalid plan",
            format!(
                "The provider planned no object for {}. This is a bug in the provider.",
                p.addr
            ),
        )
        .into());
    };
    let planned = schema.block.mark_sensitive(planned);
    let Some(prior) = p.prior.clone() else {
        return Ok((
            mk(
                Action::Create,
                None,
                None,
                Some(planned.clone()),
                Vec::new(),
                resp.planned_private,
            ),
            planned,
        ));
    };
    let reason = if p.tainted {
        Some(ActionReason::Tainted)
    } else if p.replace_requested {
        Some(ActionReason::ReplaceRequested)
    } else {
        p.triggered.clone().map(ActionReason::ReplaceTriggeredBy)
    };
    let changed = !values_equal(&prior, &planned);
    let replace = reason.is_some() || (!resp.requires_replace.is_empty() && changed);
    if replace {
        // Plan the new object as a create, so computed values are unknown again.
        let proposed = proposed_new_state(&schema.block, None, &p.config);
        let resp2 = pinst
            .provider
            .plan_change(PlanChangeRequest {
                type_name,
                prior_state: None,
                proposed_new_state: Some(proposed),
                config: p.config.clone(),
                prior_private: None,
            })
            .await;
        let d = with_addr(resp2.diagnostics);
        if d.has_errors() {
            return Err(d);
        }
        let after = schema
            .block
            .mark_sensitive(resp2.planned_state.unwrap_or(planned));
        let action = if p.lifecycle.create_before_destroy {
            Action::CreateThenDelete
        } else {
            Action::DeleteThenCreate
        };
        return Ok((
            mk(
                action,
                reason,
                Some(prior),
                Some(after.clone()),
                resp.requires_replace,
                resp2.planned_private,
            ),
            after,
        ));
    }
    let action = if changed {
        Action::Update
    } else {
        Action::NoOp
    };
    Ok((
        mk(
            action,
            None,
            Some(prior),
            Some(planned.clone()),
            resp.requires_replace,
            resp.planned_private,
        ),
        planned,
    ))
}

/// Config addresses of the resources a node depends on, directly or
/// through locals, variables, outputs and module calls.
pub(crate) fn resource_dependencies(graph: &Graph) -> HashMap<NodeKey, Vec<String>> {
    let mut out = HashMap::new();
    for idx in graph.graph.node_indices() {
        if !matches!(graph.graph[idx].key, NodeKey::Resource(..)) {
            continue;
        }
        let mut seen = HashSet::new();
        let mut stack: Vec<NodeIndex> = graph
            .graph
            .neighbors_directed(idx, Direction::Incoming)
            .collect();
        let mut deps = Vec::new();
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            match &graph.graph[n].key {
                k @ NodeKey::Resource(..) => deps.push(k.to_string()),
                NodeKey::Provider(..) => {}
                _ => stack.extend(graph.graph.neighbors_directed(n, Direction::Incoming)),
            }
        }
        deps.sort();
        out.insert(graph.graph[idx].key.clone(), deps);
    }
    out
}

/// The providers a run started, to stop them at its end (the refresh
/// prefetches still running are stopped first).
pub(crate) fn take_providers(run: &Run) -> Vec<Arc<ProviderInstance>> {
    crate::refresh::stop_prefetches(run);
    lock(&run.providers).drain().map(|(_, p)| p).collect()
}

/// The state address of a deposed object of instance `addr`.
pub(crate) fn deposed_address(addr: &InstanceAddr, key: &str) -> String {
    format!("{addr}#deposed:{key}")
}

/// Splits a state address into the instance address and the deposed key.
pub(crate) fn split_deposed(address: &str) -> (&str, Option<&str>) {
    match address.rsplit_once("#deposed:") {
        Some((a, k)) => (a, Some(k)),
        None => (address, None),
    }
}
