//! The evaluation context: the values of root names (`var`, `local`,
//! resource types, `data`, `module`, `count`, `each`, `path`, `terraform`,
//! `self`) and what the expression may use (functions, variables).

use gitform_functions::FuncContext;
use gitform_value::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Root names with a meaning of their own. Every other root name is a
/// managed resource type.
pub const RESERVED_ROOTS: &[&str] = &[
    "var",
    "local",
    "data",
    "module",
    "count",
    "each",
    "self",
    "path",
    "terraform",
];

/// What an expression is evaluated against.
///
/// `roots` maps each root name to its value:
/// - `var` → object of input variables, `local` → object of local values;
/// - a resource type such as `aws_instance` → object of resource names;
/// - `data` → object of data source types → object of names;
/// - `module` → object of module call names (each an object of outputs);
/// - `count` → `{index}`, `each` → `{key, value}` (absent outside
///   counted / `for_each` blocks);
/// - `path` → `{module, root, cwd}`, `terraform` → `{workspace}`;
/// - `self` (only where Terraform allows it).
///
/// A missing `var`/`local`/`data`/`module` root behaves as an empty object.
#[derive(Clone, Debug)]
pub struct EvalContext {
    pub roots: HashMap<String, Value>,
    /// Passed to every function call (base directory of file functions).
    pub func: FuncContext,
    /// False in `.tfvars` files: "Function calls not allowed".
    pub allow_functions: bool,
    /// False in `.tfvars` files and for type-constraint defaults:
    /// "Variables not allowed". Iterator names of `for` expressions still work.
    pub allow_variables: bool,
    /// Enables the console-only `type(x)` function (see [`crate::eval`]).
    pub console_type_function: bool,
    /// How messages name the module being evaluated: `None` is
    /// "the root module", `Some("module.net")` is "module.net".
    pub module_addr: Option<String>,
}

impl Default for EvalContext {
    fn default() -> Self {
        EvalContext::new()
    }
}

impl EvalContext {
    /// An empty context: functions and variables allowed, no names declared.
    pub fn new() -> EvalContext {
        EvalContext {
            roots: HashMap::new(),
            func: FuncContext::default(),
            allow_functions: true,
            allow_variables: true,
            console_type_function: false,
            module_addr: None,
        }
    }

    /// The context of `.tfvars` files and other literal-only places:
    /// no functions, no variables (Terraform's nil `EvalContext`).
    pub fn literal_only() -> EvalContext {
        EvalContext {
            allow_functions: false,
            allow_variables: false,
            ..EvalContext::new()
        }
    }

    /// Sets a root name to a value, replacing what was there.
    pub fn with_root(mut self, name: impl Into<String>, value: Value) -> EvalContext {
        self.roots.insert(name.into(), value);
        self
    }

    /// Declares input variable `var.<name>`.
    pub fn with_var(mut self, name: impl Into<String>, value: Value) -> EvalContext {
        self.insert_nested(&["var"], name.into(), value);
        self
    }

    /// Declares all input variables at once (replacing earlier ones).
    pub fn with_vars(self, vars: impl IntoIterator<Item = (String, Value)>) -> EvalContext {
        let obj: BTreeMap<String, Value> = vars.into_iter().collect();
        self.with_root("var", Value::Object(obj))
    }

    /// Declares local value `local.<name>`.
    pub fn with_local(mut self, name: impl Into<String>, value: Value) -> EvalContext {
        self.insert_nested(&["local"], name.into(), value);
        self
    }

    /// Declares managed resource `<type_name>.<name>`. For `count` or
    /// `for_each` resources pass the tuple or object of instances.
    pub fn with_resource(
        mut self,
        type_name: &str,
        name: impl Into<String>,
        value: Value,
    ) -> EvalContext {
        self.insert_nested(&[type_name], name.into(), value);
        self
    }

    /// Declares data resource `data.<type_name>.<name>`.
    pub fn with_data(
        mut self,
        type_name: &str,
        name: impl Into<String>,
        value: Value,
    ) -> EvalContext {
        self.insert_nested(&["data", type_name], name.into(), value);
        self
    }

    /// Declares module call `module.<name>` with its outputs object.
    pub fn with_module(mut self, name: impl Into<String>, outputs: Value) -> EvalContext {
        self.insert_nested(&["module"], name.into(), outputs);
        self
    }

    /// Sets `count.index`.
    pub fn with_count_index(self, index: i64) -> EvalContext {
        self.with_root("count", Value::object([("index", Value::int(index))]))
    }

    /// Sets `each.key` and `each.value`.
    pub fn with_each(self, key: Value, value: Value) -> EvalContext {
        self.with_root("each", Value::object([("key", key), ("value", value)]))
    }

    /// Sets `path.module`, `path.root` and `path.cwd`.
    pub fn with_path(self, module: &str, root: &str, cwd: &str) -> EvalContext {
        self.with_root(
            "path",
            Value::object([
                ("module", Value::from(module)),
                ("root", Value::from(root)),
                ("cwd", Value::from(cwd)),
            ]),
        )
    }

    /// Sets `terraform.workspace` (and `terraform.applying` to false).
    pub fn with_workspace(self, workspace: &str) -> EvalContext {
        self.with_root(
            "terraform",
            Value::object([
                ("workspace", Value::from(workspace)),
                ("applying", Value::Bool(false)),
            ]),
        )
    }

    /// Makes `self` available (provisioners, connection, postconditions).
    pub fn with_self(self, value: Value) -> EvalContext {
        self.with_root("self", value)
    }

    /// The base directory of filesystem functions (`path.module` on disk).
    pub fn with_base_dir(mut self, dir: impl Into<PathBuf>) -> EvalContext {
        self.func = FuncContext::new(dir);
        self
    }

    pub fn with_functions(mut self, allowed: bool) -> EvalContext {
        self.allow_functions = allowed;
        self
    }

    pub fn with_variables(mut self, allowed: bool) -> EvalContext {
        self.allow_variables = allowed;
        self
    }

    /// Enables the console-only `type(x)` function.
    pub fn with_console_type_function(mut self) -> EvalContext {
        self.console_type_function = true;
        self
    }

    pub fn with_module_addr(mut self, addr: impl Into<String>) -> EvalContext {
        self.module_addr = Some(addr.into());
        self
    }

    /// The module as messages name it: "the root module" or "module.x".
    pub fn module_description(&self) -> String {
        match &self.module_addr {
            Some(a) => a.clone(),
            None => "the root module".to_string(),
        }
    }

    fn insert_nested(&mut self, path: &[&str], name: String, value: Value) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        let slot = self
            .roots
            .entry((*first).to_string())
            .or_insert_with(|| Value::Object(BTreeMap::new()));
        insert_into(slot, rest, name, value);
    }
}

fn insert_into(slot: &mut Value, path: &[&str], name: String, value: Value) {
    if !matches!(slot, Value::Object(_)) {
        *slot = Value::Object(BTreeMap::new());
    }
    let Value::Object(map) = slot else {
        return;
    };
    match path.split_first() {
        None => {
            map.insert(name, value);
        }
        Some((first, rest)) => {
            let next = map
                .entry((*first).to_string())
                .or_insert_with(|| Value::Object(BTreeMap::new()));
            insert_into(next, rest, name, value);
        }
    }
}
