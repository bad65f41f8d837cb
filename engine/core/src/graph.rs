//! The dependency graph of a configuration, built with petgraph.
//!
//! Nodes are the configuration's objects (not their instances): input
//! variables, locals, outputs, resources and data sources, module calls
//! and provider configurations, in every module. Edges point from a
//! dependency to its dependent and come from expression references and
//! `depends_on`. Everything in a child module also depends on the module
//! call, which decides how many instances of the module there are.
//!
//! Building the graph is linear in the size of the configuration: each
//! expression's references are extracted once and resolved through hash
//! maps.

use crate::address::{Mode, ModulePath};
use crate::refs::{expr_deps, Dep};
use gitform_config::{Body, Expr, Module, NestedBlock, ResourceMode};
use gitform_value::{Diagnostic, Diagnostics, SourceRange};
use petgraph::algo::{kosaraju_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

/// What a graph node stands for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKey {
    Variable(ModulePath, String),
    Local(ModulePath, String),
    Output(ModulePath, String),
    Resource(ModulePath, Mode, String, String),
    ModuleCall(ModulePath, String),
    /// A provider configuration: module, provider name, alias.
    Provider(ModulePath, String, Option<String>),
    /// The destroy half of a resource's replacements (apply graphs only).
    Destroy(ModulePath, Mode, String, String),
    /// The deletes of a resource's objects that go away for good (apply graphs only).
    Delete(ModulePath, Mode, String, String),
}

impl NodeKey {
    pub fn module(&self) -> &ModulePath {
        match self {
            NodeKey::Variable(m, _)
            | NodeKey::Local(m, _)
            | NodeKey::Output(m, _)
            | NodeKey::Resource(m, ..)
            | NodeKey::ModuleCall(m, _)
            | NodeKey::Provider(m, ..)
            | NodeKey::Destroy(m, ..)
            | NodeKey::Delete(m, ..) => m,
        }
    }
}

impl fmt::Display for NodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.module();
        if !m.0.is_empty() {
            write!(f, "{m}.")?;
        }
        match self {
            NodeKey::Variable(_, n) => write!(f, "var.{n}"),
            NodeKey::Local(_, n) => write!(f, "local.{n}"),
            NodeKey::Output(_, n) => write!(f, "output.{n}"),
            NodeKey::Resource(_, Mode::Managed, t, n) => write!(f, "{t}.{n}"),
            NodeKey::Resource(_, Mode::Data, t, n) => write!(f, "data.{t}.{n}"),
            NodeKey::ModuleCall(_, n) => write!(f, "module.{n}"),
            NodeKey::Provider(_, n, None) => write!(f, "provider[\"{n}\"]"),
            NodeKey::Provider(_, n, Some(a)) => write!(f, "provider[\"{n}\"].{a}"),
            NodeKey::Destroy(_, Mode::Managed, t, n) => write!(f, "{t}.{n} (destroy)"),
            NodeKey::Destroy(_, Mode::Data, t, n) => write!(f, "data.{t}.{n} (destroy)"),
            NodeKey::Delete(_, Mode::Managed, t, n) => write!(f, "{t}.{n} (delete)"),
            NodeKey::Delete(_, Mode::Data, t, n) => write!(f, "data.{t}.{n} (delete)"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Node {
    pub key: NodeKey,
    /// Where the object is declared (None for implied provider configurations).
    pub range: Option<SourceRange>,
}

/// The graph plus an index from keys to nodes.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub graph: DiGraph<Node, ()>,
    pub index: HashMap<NodeKey, NodeIndex>,
    /// The provider configuration each resource uses.
    pub resource_provider: HashMap<NodeKey, NodeKey>,
    /// Every edge, to add each once in constant time (petgraph's
    /// `update_edge` scans the source's edges, quadratic for a provider
    /// with many resources).
    edges: HashSet<(NodeIndex, NodeIndex)>,
}

impl Graph {
    /// Adds the edge `from -> to` (from a dependency to its dependent) once.
    pub fn link(&mut self, from: NodeIndex, to: NodeIndex) {
        if self.edges.insert((from, to)) {
            self.graph.add_edge(from, to, ());
        }
    }

    pub fn node(&self, key: &NodeKey) -> Option<NodeIndex> {
        self.index.get(key).copied()
    }

    pub fn add(&mut self, key: NodeKey, range: Option<SourceRange>) -> NodeIndex {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let i = self.graph.add_node(Node {
            key: key.clone(),
            range,
        });
        self.index.insert(key, i);
        i
    }

    /// The graph in DOT, for `gitform graph`.
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "digraph {\n  compound = \"true\"\n  newrank = \"true\"\n  subgraph \"root\" {\n",
        );
        let mut nodes: Vec<_> = self.graph.node_indices().collect();
        nodes.sort_by_key(|&i| self.graph[i].key.to_string());
        for &i in &nodes {
            let label = self.graph[i].key.to_string();
            let shape = match self.graph[i].key {
                NodeKey::Resource(..) => "box",
                NodeKey::Provider(..) => "diamond",
                NodeKey::ModuleCall(..) => "folder",
                _ => "note",
            };
            out.push_str(&format!(
                "    {:?} [label = {:?}, shape = \"{shape}\"]\n",
                label, label
            ));
        }
        let mut edges: Vec<(String, String)> = self
            .graph
            .edge_indices()
            .filter_map(|e| self.graph.edge_endpoints(e))
            .map(|(a, b)| (self.graph[b].key.to_string(), self.graph[a].key.to_string()))
            .collect();
        edges.sort();
        for (from, to) in edges {
            out.push_str(&format!("    {from:?} -> {to:?}\n"));
        }
        out.push_str("  }\n}\n");
        out
    }
}

/// Finds the module at `path` in the module tree.
pub fn module_at<'a>(root: &'a Module, path: &ModulePath) -> Option<&'a Module> {
    let mut m = root;
    for name in &path.0 {
        m = m.children.get(name)?;
    }
    Some(m)
}

fn mode_of(m: ResourceMode) -> Mode {
    match m {
        ResourceMode::Managed => Mode::Managed,
        ResourceMode::Data => Mode::Data,
    }
}

/// Builds the graph of the whole module tree. Unresolvable references and
/// cycles are reported as diagnostics; the graph is still returned.
pub fn build(root: &Module) -> (Graph, Diagnostics) {
    let mut g = Graph::default();
    let mut diags = Diagnostics::new();
    add_module_nodes(&mut g, root, &ModulePath::root());
    add_module_edges(&mut g, root, root, &ModulePath::root(), &mut diags);
    report_cycles(&g, &mut diags);
    (g, diags)
}

fn add_module_nodes(g: &mut Graph, m: &Module, path: &ModulePath) {
    for v in &m.variables {
        g.add(
            NodeKey::Variable(path.clone(), v.name.clone()),
            Some(v.decl_range.clone()),
        );
    }
    for l in &m.locals {
        g.add(
            NodeKey::Local(path.clone(), l.name.clone()),
            Some(l.range.clone()),
        );
    }
    for o in &m.outputs {
        g.add(
            NodeKey::Output(path.clone(), o.name.clone()),
            Some(o.decl_range.clone()),
        );
    }
    for r in m.resources() {
        g.add(
            NodeKey::Resource(
                path.clone(),
                mode_of(r.mode),
                r.type_name.clone(),
                r.name.clone(),
            ),
            Some(r.decl_range.clone()),
        );
    }
    for p in &m.providers {
        g.add(
            NodeKey::Provider(path.clone(), p.name.clone(), p.alias.clone()),
            Some(p.decl_range.clone()),
        );
    }
    for c in &m.module_calls {
        g.add(
            NodeKey::ModuleCall(path.clone(), c.name.clone()),
            Some(c.decl_range.clone()),
        );
        if let Some(child) = m.children.get(&c.name) {
            add_module_nodes(g, child, &path.child(&c.name));
        }
    }
}

/// Which provider configuration a resource in module `path` uses.
fn resolve_provider(root: &Module, path: &ModulePath, name: &str, alias: Option<&str>) -> NodeKey {
    let mut cur = path.clone();
    let mut name = name.to_string();
    let mut alias = alias.map(str::to_string);
    while let Some(m) = module_at(root, &cur) {
        if m.provider(&name, alias.as_deref()).is_some() {
            return NodeKey::Provider(cur, name, alias);
        }
        let Some((parent, call_name)) = cur.parent() else {
            break;
        };
        let call_name = call_name.to_string();
        // An explicit `providers = { x = y }` mapping on the module call.
        if let Some(call) = module_at(root, &parent).and_then(|pm| pm.module_call(&call_name)) {
            if let Some(pp) = call
                .providers
                .iter()
                .find(|pp| pp.in_child.name == name && pp.in_child.alias == alias)
            {
                name = pp.in_parent.name.clone();
                alias = pp.in_parent.alias.clone();
            }
        }
        cur = parent;
    }
    NodeKey::Provider(ModulePath::root(), name, alias)
}

struct EdgeBuilder<'a> {
    g: &'a mut Graph,
    path: &'a ModulePath,
    module: &'a Module,
    diags: &'a mut Diagnostics,
}

impl EdgeBuilder<'_> {
    /// Adds edges from whatever `expr` references to `to`.
    fn expr(&mut self, to: NodeIndex, expr: &Expr, ctx: RefContext) {
        for (dep, span) in expr_deps(expr, ctx.extra_locals) {
            self.dep(to, dep, expr, span, ctx);
        }
    }

    fn body(&mut self, to: NodeIndex, body: &Body, ctx: RefContext) {
        for a in &body.attributes {
            self.expr(to, &a.expr, ctx);
        }
        for b in &body.blocks {
            match b {
                NestedBlock::Static(b) => self.body(to, &b.body, ctx),
                NestedBlock::Dynamic(d) => {
                    self.expr(to, &d.for_each, ctx);
                    if let Some(l) = &d.labels {
                        self.expr(to, l, ctx);
                    }
                    let mut locals: Vec<&str> = ctx.extra_locals.to_vec();
                    locals.push(d.iterator_name());
                    self.body(
                        to,
                        &d.content,
                        RefContext {
                            extra_locals: &locals,
                            ..ctx
                        },
                    );
                }
            }
        }
    }

    fn dep(
        &mut self,
        to: NodeIndex,
        dep: Dep,
        expr: &Expr,
        span: std::ops::Range<usize>,
        ctx: RefContext,
    ) {
        let path = self.path.clone();
        let m = self.module;
        let range = || expr.file.range(span.clone());
        let key = match dep {
            Dep::Var(name) => {
                if m.variable(&name).is_none() {
                    let names = m.variables.iter().map(|v| v.name.as_str());
                    self.diags.push(
                        Diagnostic::error(
                            "Reference to undeclared input variable",
                            format!(
                                "An input variable with the name \"{name}\" has not been declared.{}",
                                suggestion(&name, names, "")
                            ),
                        )
                        .with_range(Some(range())),
                    );
                    return;
                }
                NodeKey::Variable(path, name)
            }
            Dep::Local(name) => {
                if m.local(&name).is_none() {
                    let names = m.locals.iter().map(|v| v.name.as_str());
                    self.diags.push(
                        Diagnostic::error(
                            "Reference to undeclared local value",
                            format!(
                                "A local value with the name \"{name}\" has not been declared.{}",
                                suggestion(&name, names, "")
                            ),
                        )
                        .with_range(Some(range())),
                    );
                    return;
                }
                NodeKey::Local(path, name)
            }
            Dep::Resource(mode, t, n) => {
                let cmode = if mode == Mode::Managed {
                    ResourceMode::Managed
                } else {
                    ResourceMode::Data
                };
                if m.resource(cmode, &t, &n).is_none() {
                    let (what, prefix) = if mode == Mode::Managed {
                        ("resource", "")
                    } else {
                        ("data resource", "data.")
                    };
                    let names: Vec<String> = m
                        .resources()
                        .filter(|r| r.mode == cmode)
                        .map(|r| format!("{}.{}", r.type_name, r.name))
                        .collect();
                    let given = format!("{t}.{n}");
                    self.diags.push(
                        Diagnostic::error(
                            format!("Reference to undeclared {what}"),
                            format!(
                                "A {what} \"{t}\" \"{n}\" has not been declared in {}.{}",
                                module_name(&path),
                                suggestion(&given, names.iter().map(String::as_str), prefix)
                            ),
                        )
                        .with_range(Some(range())),
                    );
                    return;
                }
                NodeKey::Resource(path, mode, t, n)
            }
            Dep::Module(name, output) => {
                let Some(child) = m.children.get(&name) else {
                    if m.module_call(&name).is_none() {
                        let names = m.module_calls.iter().map(|c| c.name.as_str());
                        self.diags.push(
                            Diagnostic::error(
                                "Reference to undeclared module",
                                format!(
                                    "No module call named \"{name}\" is declared in {}.{}",
                                    module_name(&path),
                                    suggestion(&name, names, "")
                                ),
                            )
                            .with_range(Some(range())),
                        );
                    }
                    return;
                };
                let child_path = path.child(&name);
                match output {
                    Some(out) => {
                        if child.output(&out).is_none() {
                            let names = child.outputs.iter().map(|o| o.name.as_str());
                            self.diags.push(
                                Diagnostic::error(
                                    "Unsupported attribute",
                                    format!(
                                        "This object does not have an attribute named \"{out}\".{}",
                                        suggestion(&out, names, "")
                                    ),
                                )
                                .with_range(Some(range())),
                            );
                            return;
                        }
                        NodeKey::Output(child_path, out)
                    }
                    None if ctx.depends_on => {
                        // Waiting for a module means waiting for everything in it.
                        let inside: Vec<NodeIndex> = self
                            .g
                            .index
                            .iter()
                            .filter(|(k, _)| {
                                k.module().0.starts_with(&child_path.0)
                                    && matches!(k, NodeKey::Resource(..) | NodeKey::Output(..))
                            })
                            .map(|(_, &i)| i)
                            .collect();
                        for from in inside {
                            self.g.link(from, to);
                        }
                        return;
                    }
                    None => {
                        for o in &child.outputs {
                            if let Some(&from) = self
                                .g
                                .index
                                .get(&NodeKey::Output(child_path.clone(), o.name.clone()))
                            {
                                self.g.link(from, to);
                            }
                        }
                        return;
                    }
                }
            }
            Dep::CountIndex => {
                if !ctx.counted {
                    self.diags.push(
                        Diagnostic::error(
                            "Reference to \"count\" in non-counted context",
                            "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.",
                        )
                        .with_range(Some(range())),
                    );
                }
                return;
            }
            Dep::Each => {
                if !ctx.for_each {
                    self.diags.push(
                        Diagnostic::error(
                            "Reference to \"each\" in context without for_each",
                            "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.",
                        )
                        .with_range(Some(range())),
                    );
                }
                return;
            }
            Dep::Invalid(reason) => {
                self.diags
                    .push(Diagnostic::error("Invalid reference", reason).with_range(Some(range())));
                return;
            }
            Dep::None => return,
        };
        if let Some(&from) = self.g.index.get(&key) {
            if from == to {
                if !ctx.allow_self {
                    self.diags.push(
                        Diagnostic::error(
                            "Self-referential block",
                            format!("Configuration for {key} may not refer to itself."),
                        )
                        .with_range(Some(range())),
                    );
                }
                return;
            }
            self.g.link(from, to);
        }
    }
}

#[derive(Clone, Copy, Default)]
struct RefContext<'a> {
    counted: bool,
    for_each: bool,
    allow_self: bool,
    /// The expression is a `depends_on` item.
    depends_on: bool,
    extra_locals: &'a [&'a str],
}

fn module_name(path: &ModulePath) -> String {
    if path.0.is_empty() {
        "the root module".to_string()
    } else {
        path.to_string()
    }
}

/// " Did you mean "var.region"?" or nothing (Terraform's threshold).
pub fn suggestion<'a>(
    given: &str,
    candidates: impl Iterator<Item = &'a str>,
    prefix: &str,
) -> String {
    match gitform_config::suggest::suggest(given, candidates) {
        Some(c) => format!(" Did you mean \"{prefix}{c}\"?"),
        None => String::new(),
    }
}

fn add_module_edges(
    g: &mut Graph,
    root: &Module,
    m: &Module,
    path: &ModulePath,
    diags: &mut Diagnostics,
) {
    let call_node = path
        .parent()
        .and_then(|(parent, name)| g.node(&NodeKey::ModuleCall(parent, name.to_string())));
    let mut eb = EdgeBuilder {
        g,
        path,
        module: m,
        diags,
    };
    let idx = |eb: &EdgeBuilder, key: NodeKey| eb.g.index[&key];

    for v in &m.variables {
        let to = idx(&eb, NodeKey::Variable(path.clone(), v.name.clone()));
        if let Some(d) = &v.default {
            eb.expr(to, d, RefContext::default());
        }
        for val in &v.validations {
            eb.expr(
                to,
                &val.condition,
                RefContext {
                    allow_self: true,
                    ..Default::default()
                },
            );
            eb.expr(
                to,
                &val.error_message,
                RefContext {
                    allow_self: true,
                    ..Default::default()
                },
            );
        }
    }
    for l in &m.locals {
        let to = idx(&eb, NodeKey::Local(path.clone(), l.name.clone()));
        eb.expr(to, &l.expr, RefContext::default());
    }
    for o in &m.outputs {
        let to = idx(&eb, NodeKey::Output(path.clone(), o.name.clone()));
        eb.expr(to, &o.value, RefContext::default());
        for d in &o.depends_on {
            eb.expr(
                to,
                d,
                RefContext {
                    depends_on: true,
                    ..Default::default()
                },
            );
        }
        for c in &o.preconditions {
            eb.expr(to, &c.condition, RefContext::default());
            eb.expr(to, &c.error_message, RefContext::default());
        }
    }
    for p in &m.providers {
        let to = idx(
            &eb,
            NodeKey::Provider(path.clone(), p.name.clone(), p.alias.clone()),
        );
        eb.body(to, &p.body, RefContext::default());
    }
    for r in m.resources() {
        let key = NodeKey::Resource(
            path.clone(),
            mode_of(r.mode),
            r.type_name.clone(),
            r.name.clone(),
        );
        let to = idx(&eb, key.clone());
        let ctx = RefContext {
            counted: r.count.is_some(),
            for_each: r.for_each.is_some(),
            ..Default::default()
        };
        if let Some(c) = &r.count {
            eb.expr(to, c, RefContext::default());
        }
        if let Some(f) = &r.for_each {
            eb.expr(to, f, RefContext::default());
        }
        eb.body(to, &r.body, ctx);
        for d in &r.depends_on {
            eb.expr(
                to,
                d,
                RefContext {
                    depends_on: true,
                    ..Default::default()
                },
            );
        }
        let lc = &r.lifecycle;
        for e in [&lc.create_before_destroy, &lc.prevent_destroy]
            .into_iter()
            .flatten()
        {
            eb.expr(to, e, RefContext::default());
        }
        for e in &lc.replace_triggered_by {
            eb.expr(to, e, ctx);
        }
        for c in lc.preconditions.iter().chain(&lc.postconditions) {
            eb.expr(
                to,
                &c.condition,
                RefContext {
                    allow_self: true,
                    ..ctx
                },
            );
            eb.expr(
                to,
                &c.error_message,
                RefContext {
                    allow_self: true,
                    ..ctx
                },
            );
        }
        // The provider configuration.
        let (pname, palias) = match &r.provider {
            Some(p) => (p.name.clone(), p.alias.clone()),
            None => (r.implied_provider().to_string(), None),
        };
        let pkey = resolve_provider(root, path, &pname, palias.as_deref());
        let pnode = if let Some(&i) = eb.g.index.get(&pkey) {
            i
        } else if pkey.module().0.is_empty() && palias.is_none() {
            // An implied default configuration with an empty body.
            eb.g.add(pkey.clone(), None)
        } else {
            eb.diags.push(
                Diagnostic::error(
                    "Provider configuration not present",
                    format!(
                        "To work with {} its original provider configuration at {pkey} is required, but it has been removed or was never declared.",
                        r.address()
                    ),
                )
                .with_range(Some(r.decl_range.clone())),
            );
            continue;
        };
        eb.g.link(pnode, to);
        eb.g.resource_provider.insert(key, pkey);
    }
    for c in &m.module_calls {
        let to = idx(&eb, NodeKey::ModuleCall(path.clone(), c.name.clone()));
        let ctx = RefContext {
            counted: c.count.is_some(),
            for_each: c.for_each.is_some(),
            ..Default::default()
        };
        if let Some(e) = &c.count {
            eb.expr(to, e, RefContext::default());
        }
        if let Some(e) = &c.for_each {
            eb.expr(to, e, RefContext::default());
        }
        eb.body(to, &c.inputs, ctx);
        for d in &c.depends_on {
            eb.expr(
                to,
                d,
                RefContext {
                    depends_on: true,
                    ..Default::default()
                },
            );
        }
    }
    // Everything inside a child module waits for its module call.
    if let Some(call) = call_node {
        let mine: Vec<NodeIndex> =
            eb.g.index
                .iter()
                .filter(|(k, _)| k.module() == path)
                .map(|(_, &i)| i)
                .collect();
        for i in mine {
            eb.g.link(call, i);
        }
    }
    let EdgeBuilder { g, diags, .. } = eb;
    for c in &m.module_calls {
        if let Some(child) = m.children.get(&c.name) {
            add_module_edges(g, root, child, &path.child(&c.name), diags);
        }
    }
}

pub fn report_cycles(g: &Graph, diags: &mut Diagnostics) {
    // A topological sort settles the common, acyclic case. Both it and
    // Kosaraju's algorithm are iterative in petgraph (Tarjan's recursion
    // overflowed the stack on a chain of 100,000 resources).
    if toposort(&g.graph, None).is_ok() {
        return;
    }
    for scc in kosaraju_scc(&g.graph) {
        let cyclic = scc.len() > 1 || scc.first().is_some_and(|&n| g.graph.contains_edge(n, n));
        if !cyclic {
            continue;
        }
        let members: BTreeSet<String> = scc
            .iter()
            .map(|&n| {
                let node = &g.graph[n];
                match &node.range {
                    Some(r) => format!(
                        "{} ({}:{}:{})",
                        node.key, r.filename, r.start.line, r.start.column
                    ),
                    None => node.key.to_string(),
                }
            })
            .collect();
        let first_range = scc
            .iter()
            .filter_map(|&n| g.graph[n].range.clone())
            .min_by_key(|r| (r.filename.clone(), r.start));
        diags.push(
            Diagnostic::error(
                "Cycle in the configuration",
                format!(
                    "These objects depend on each other, so there is no order to evaluate them in: {}. Break the cycle by removing one of the references.",
                    members.into_iter().collect::<Vec<_>>().join(", ")
                ),
            )
            .with_range(first_range),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize, close: bool) -> Graph {
        let mut g = Graph::default();
        let mut prev = None;
        for i in 0..n {
            let key = NodeKey::Local(ModulePath::root(), format!("l{i}"));
            let idx = g.add(key, None);
            if let Some(p) = prev {
                g.link(p, idx);
            }
            prev = Some(idx);
        }
        if close {
            g.link(prev.unwrap(), NodeIndex::new(0));
        }
        g
    }

    #[test]
    fn long_chains_do_not_overflow_the_stack() {
        // Tarjan's recursive algorithm overflowed here.
        let mut diags = Diagnostics::new();
        report_cycles(&chain(200_000, false), &mut diags);
        assert!(diags.is_empty());
        report_cycles(&chain(200_000, true), &mut diags);
        assert_eq!(diags.len(), 1);
        assert!(diags.0[0].detail.contains("local.l199999"));
    }
}
