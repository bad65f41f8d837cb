//! The values computed so far during a walk, by module instance, and the
//! evaluation contexts built from them.
//!
//! Contexts hold only what an expression refers to, so building one costs
//! as much as its references, not as much as the configuration.

use crate::address::{InstanceKey, Mode, ModuleInstance, ModulePath};
use crate::refs::Dep;
use gitform_lang::EvalContext;
use gitform_value::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// How a resource or module call expands into instances.
#[derive(Clone, Debug, PartialEq)]
pub enum Expansion {
    Single,
    Count(i64),
    ForEach(Vec<String>),
}

impl Expansion {
    pub fn keys(&self) -> Vec<Option<InstanceKey>> {
        match self {
            Expansion::Single => vec![None],
            Expansion::Count(n) => (0..*n).map(|i| Some(InstanceKey::Int(i))).collect(),
            Expansion::ForEach(keys) => keys
                .iter()
                .map(|k| Some(InstanceKey::Str(k.clone())))
                .collect(),
        }
    }
}

/// Assembles the value seen by references to a whole resource or module
/// call: an object for one instance, a tuple for count, an object by key
/// for for_each.
pub fn assemble(expansion: &Expansion, instances: &BTreeMap<Option<InstanceKey>, Value>) -> Value {
    match expansion {
        Expansion::Single => instances.get(&None).cloned().unwrap_or(Value::Null),
        Expansion::Count(n) => Value::Tuple(
            (0..*n)
                .map(|i| {
                    instances
                        .get(&Some(InstanceKey::Int(i)))
                        .cloned()
                        .unwrap_or(Value::unknown())
                })
                .collect(),
        ),
        Expansion::ForEach(keys) => Value::Object(
            keys.iter()
                .map(|k| {
                    (
                        k.clone(),
                        instances
                            .get(&Some(InstanceKey::Str(k.clone())))
                            .cloned()
                            .unwrap_or(Value::unknown()),
                    )
                })
                .collect(),
        ),
    }
}

/// Values of one module instance.
#[derive(Debug, Default)]
pub struct ModuleValues {
    /// Raw input values given by the module call (child modules only).
    pub inputs: BTreeMap<String, Value>,
    pub vars: BTreeMap<String, Value>,
    pub locals: BTreeMap<String, Value>,
    /// Whole-resource values, assembled once the resource node finishes.
    pub resources: HashMap<(Mode, String, String), Value>,
    pub outputs: BTreeMap<String, Value>,
    /// Expansion of each module call made from this module instance.
    pub calls: HashMap<String, Expansion>,
}

/// Everything evaluated so far.
#[derive(Debug)]
pub struct Scope {
    pub modules: HashMap<ModuleInstance, ModuleValues>,
    /// The instances of each static module path.
    pub instances: HashMap<ModulePath, Vec<ModuleInstance>>,
    /// The root module's directory (`path.root`), and `path.cwd`.
    pub root_dir: PathBuf,
    pub cwd: PathBuf,
    pub workspace: String,
}

impl Scope {
    pub fn new(root_dir: PathBuf, cwd: PathBuf) -> Scope {
        let mut instances = HashMap::new();
        instances.insert(ModulePath::root(), vec![ModuleInstance::root()]);
        let mut modules = HashMap::new();
        modules.insert(ModuleInstance::root(), ModuleValues::default());
        Scope {
            modules,
            instances,
            root_dir,
            cwd,
            workspace: "default".to_string(),
        }
    }

    pub fn module_mut(&mut self, mi: &ModuleInstance) -> &mut ModuleValues {
        self.modules.entry(mi.clone()).or_default()
    }

    pub fn instances_of(&self, path: &ModulePath) -> Vec<ModuleInstance> {
        self.instances.get(path).cloned().unwrap_or_default()
    }

    /// The value of `module.NAME` as seen from module instance `mi`.
    fn module_call_value(&self, mi: &ModuleInstance, name: &str) -> Value {
        let Some(exp) = self.modules.get(mi).and_then(|m| m.calls.get(name)) else {
            return Value::unknown();
        };
        let mut by_key = BTreeMap::new();
        for key in exp.keys() {
            let child = mi.child(name, key.clone());
            let outputs = self
                .modules
                .get(&child)
                .map(|m| m.outputs.clone())
                .unwrap_or_default();
            by_key.insert(key, Value::Object(outputs));
        }
        assemble(exp, &by_key)
    }

    /// A context with every name of module instance `mi` in scope: all
    /// variables, locals, resources, data sources and module calls (for
    /// `gitform console`).
    pub fn full_context(&self, mi: &ModuleInstance, module_dir: &std::path::Path) -> EvalContext {
        let Some(m) = self.modules.get(mi) else {
            return self.context(mi, module_dir, &[]);
        };
        let mut deps: Vec<Dep> = Vec::new();
        deps.extend(m.vars.keys().map(|n| Dep::Var(n.clone())));
        deps.extend(m.locals.keys().map(|n| Dep::Local(n.clone())));
        deps.extend(
            m.resources
                .keys()
                .map(|(mode, t, n)| Dep::Resource(*mode, t.clone(), n.clone())),
        );
        deps.extend(m.calls.keys().map(|n| Dep::Module(n.clone(), None)));
        self.context(mi, module_dir, &deps)
    }

    /// An evaluation context for an expression of module instance `mi`
    /// with the given dependencies. `module_dir` is the module's directory.
    pub fn context(
        &self,
        mi: &ModuleInstance,
        module_dir: &std::path::Path,
        deps: &[Dep],
    ) -> EvalContext {
        let empty = ModuleValues::default();
        let m = self.modules.get(mi).unwrap_or(&empty);
        let mut vars = BTreeMap::new();
        let mut locals = BTreeMap::new();
        let mut resources: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
        let mut data: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
        let mut modules = BTreeMap::new();
        for d in deps {
            match d {
                Dep::Var(n) => {
                    if let Some(v) = m.vars.get(n) {
                        vars.insert(n.clone(), v.clone());
                    }
                }
                Dep::Local(n) => {
                    if let Some(v) = m.locals.get(n) {
                        locals.insert(n.clone(), v.clone());
                    }
                }
                Dep::Resource(mode, t, n) => {
                    let v = m
                        .resources
                        .get(&(*mode, t.clone(), n.clone()))
                        .cloned()
                        .unwrap_or(Value::unknown());
                    let table = if *mode == Mode::Managed {
                        &mut resources
                    } else {
                        &mut data
                    };
                    table.entry(t.clone()).or_default().insert(n.clone(), v);
                }
                Dep::Module(n, _) if !modules.contains_key(n) => {
                    modules.insert(n.clone(), self.module_call_value(mi, n));
                }
                _ => {}
            }
        }
        let rel = |p: &std::path::Path| -> String {
            match p.strip_prefix(&self.cwd) {
                Ok(r) if r.as_os_str().is_empty() => ".".to_string(),
                Ok(r) => r.to_string_lossy().into_owned(),
                Err(_) => p.to_string_lossy().into_owned(),
            }
        };
        let mut ctx = EvalContext::new()
            .with_root("var", Value::Object(vars))
            .with_root("local", Value::Object(locals))
            .with_root("module", Value::Object(modules))
            .with_root(
                "data",
                Value::Object(
                    data.into_iter()
                        .map(|(t, ns)| (t, Value::Object(ns)))
                        .collect(),
                ),
            )
            .with_path(
                &rel(module_dir),
                &rel(&self.root_dir),
                &self.cwd.to_string_lossy(),
            )
            .with_workspace(&self.workspace)
            .with_base_dir(self.cwd.clone());
        for (t, ns) in resources {
            ctx = ctx.with_root(t, Value::Object(ns));
        }
        if !mi.is_root() {
            ctx = ctx.with_module_addr(mi.to_string());
        }
        ctx
    }
}
