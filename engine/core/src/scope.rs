//! The values computed so far during a walk, by module instance, and the
//! evaluation contexts built from them.
//!
//! Contexts hold only what an expression refers to, so building one costs
//! as much as its references, not as much as the configuration.

use crate::address::{InstanceKey, Mode, ModuleInstance, ModulePath};
use crate::refs::Dep;
use gitform_functions::{FileSource, FuncContext, TemplateFn};
use gitform_lang::EvalContext;
use gitform_value::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

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
    /// Where the file functions read (the disk when `None`).
    pub files: Option<Arc<dyn FileSource>>,
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
            files: None,
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
        ctx.func.files = self.files.clone();
        ctx.func.template = Some(template_renderer(ctx.func.clone()));
        for (t, ns) in resources {
            ctx = ctx.with_root(t, Value::Object(ns));
        }
        if !mi.is_root() {
            ctx = ctx.with_module_addr(mi.to_string());
        }
        ctx
    }
}

/// The renderer of `templatefile`: the file is parsed as a bare template
/// (no quotes, no backslash escapes) and evaluated with only the given
/// variables in scope and the functions of `func`, except `templatefile`
/// itself (Terraform forbids recursive calls).
fn template_renderer(func: FuncContext) -> Arc<TemplateFn> {
    Arc::new(move |text: &str, name: &str, vars: &Value| {
        let template = hcl_edit::parser::parse_template(text).map_err(|e| {
            let d = gitform_lang::parse_error_diagnostic(
                &e,
                &gitform_value::SourceFile::new(name, text),
            );
            format!("failed to parse {name}: {}", diagnostic_text(&d))
        })?;
        let mut expr = hcl_edit::expr::Expression::StringTemplate(
            template
                .into_iter()
                .collect::<hcl_edit::template::StringTemplate>(),
        );
        let empty = std::collections::BTreeMap::new();
        let attrs = match vars.unmarked() {
            Value::Object(attrs) | Value::Map(attrs) => attrs,
            _ => &empty,
        };
        // The template sees each variable as a bare name. The evaluator
        // binds bare names only as `for` iteration variables, so the
        // template is wrapped, once per variable, in
        // `[for NAME in [var.NAME] : ...]` and the one-element tuples are
        // peeled off after evaluation. A variable named `var` is bound
        // innermost so that it cannot hide the others' `var.NAME`.
        let mut names: Vec<&String> = attrs.keys().collect();
        names.sort_by_key(|n| n.as_str() == "var");
        for n in names.iter().rev() {
            let ident = hcl_edit::Ident::try_new(n.as_str()).map_err(|_| {
                format!(
                    "invalid template variable name {n:?}: must start with a letter, followed by zero or more letters, digits, and underscores"
                )
            })?;
            let source = hcl_edit::expr::Traversal::new(
                hcl_edit::Ident::new("var"),
                vec![hcl_edit::Decorated::new(
                    hcl_edit::expr::TraversalOperator::GetAttr(hcl_edit::Decorated::new(
                        ident.clone(),
                    )),
                )],
            );
            let collection =
                hcl_edit::expr::Array::from(vec![hcl_edit::expr::Expression::from(source)]);
            // A `for` without a key expression is the tuple `[for ...]`.
            expr = hcl_edit::expr::Expression::from(hcl_edit::expr::ForExpr::new(
                hcl_edit::expr::ForIntro::new(ident, collection),
                expr,
            ));
        }
        let mut ctx = EvalContext::new().with_root("var", Value::Object(attrs.clone()));
        ctx.func = FuncContext {
            template: None,
            ..func.clone()
        };
        let file = gitform_value::SourceFile::new(name, text);
        let mut value = gitform_lang::eval(&expr, &ctx, &file).map_err(|diags| {
            diags
                .iter()
                .map(|d| missing_key(d, text, attrs).unwrap_or_else(|| diagnostic_text(d)))
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        for _ in 0..names.len() {
            let (inner, marked) = value.unmark();
            value = match inner {
                Value::Tuple(mut items) if items.len() == 1 => items.remove(0).mark_if(marked),
                // Unknown when a variable was: the result is unknown too.
                other if !other.is_known() => {
                    return Ok(Value::Unknown(gitform_value::Type::Dynamic).mark_if(marked))
                }
                other => return Err(format!("unexpected template result {other:?}")),
            };
        }
        Ok(value)
    })
}

/// Terraform's message for a template that names a variable the vars map
/// lacks: the evaluator reports such a bare name as a reference to a
/// resource type, at the name.
fn missing_key(
    d: &gitform_value::Diagnostic,
    text: &str,
    vars: &std::collections::BTreeMap<String, Value>,
) -> Option<String> {
    if !matches!(
        d.summary.as_str(),
        "Invalid reference" | "Reference to undeclared resource"
    ) {
        return None;
    }
    let r = d.range.as_ref()?;
    let referenced = text.get(r.start.byte..r.end.byte)?;
    let name: String = referenced
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    if name.is_empty() || vars.contains_key(&name) {
        return None;
    }
    Some(format!(
        "vars map does not contain key {name:?}, referenced at {}:{},{}-{}",
        r.filename,
        r.start.line,
        r.start.column,
        r.start.column + name.chars().count()
    ))
}

/// A diagnostic of a template as one line: what, where, why.
fn diagnostic_text(d: &gitform_value::Diagnostic) -> String {
    let at = d
        .range
        .as_ref()
        .map(|r| format!("{r}: "))
        .unwrap_or_default();
    if d.detail.is_empty() {
        format!("{at}{}", d.summary)
    } else {
        format!("{at}{}; {}", d.summary, d.detail)
    }
}
