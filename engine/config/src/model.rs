//! The loaded configuration: one [`Module`] per directory, with its
//! declarations. Expressions stay unevaluated ([`Expr`]).

use crate::body::{Body, Expr};
use gitform_value::{SourceFile, SourceRange};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

/// One module: the declarations of every `*.tf` file of a directory, plus its
/// loaded local child modules.
///
/// The `Vec` fields hold declarations in load order (files sorted by name,
/// then source order). Use the lookup methods for O(1) access by name; they
/// rely on an index built by the loader, so treat the vectors as read-only
/// (or call [`Module::reindex`] after changing them).
#[derive(Clone, Debug, Default)]
pub struct Module {
    /// The module's directory (as given to the loader, joined with the call's `source`).
    pub dir: PathBuf,
    /// The module's source files, sorted by name. Diagnostics name files by
    /// their path relative to the root module's directory.
    pub files: Vec<Arc<SourceFile>>,
    pub terraform: TerraformSettings,
    pub providers: Vec<ProviderConfig>,
    pub variables: Vec<Variable>,
    pub locals: Vec<Local>,
    pub managed_resources: Vec<Resource>,
    pub data_resources: Vec<Resource>,
    pub outputs: Vec<Output>,
    pub module_calls: Vec<ModuleCall>,
    /// Loaded child modules, by call name. A call whose module failed to load
    /// (missing directory, cycle) has no entry; the error is in the diagnostics.
    pub children: BTreeMap<String, Module>,
    pub(crate) index: ModuleIndex,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct ModuleIndex {
    variables: HashMap<String, usize>,
    locals: HashMap<String, usize>,
    outputs: HashMap<String, usize>,
    module_calls: HashMap<String, usize>,
    managed: HashMap<(String, String), usize>,
    data: HashMap<(String, String), usize>,
    providers: HashMap<(String, Option<String>), usize>,
}

impl Module {
    /// Rebuilds the name index used by the lookup methods. The first
    /// declaration of a name wins.
    pub fn reindex(&mut self) {
        fn build<T, K: std::hash::Hash + Eq>(
            items: &[T],
            key: impl Fn(&T) -> K,
        ) -> HashMap<K, usize> {
            let mut m = HashMap::with_capacity(items.len());
            for (i, it) in items.iter().enumerate() {
                m.entry(key(it)).or_insert(i);
            }
            m
        }
        self.index = ModuleIndex {
            variables: build(&self.variables, |v| v.name.clone()),
            locals: build(&self.locals, |v| v.name.clone()),
            outputs: build(&self.outputs, |v| v.name.clone()),
            module_calls: build(&self.module_calls, |v| v.name.clone()),
            managed: build(&self.managed_resources, |r| {
                (r.type_name.clone(), r.name.clone())
            }),
            data: build(&self.data_resources, |r| {
                (r.type_name.clone(), r.name.clone())
            }),
            providers: build(&self.providers, |p| (p.name.clone(), p.alias.clone())),
        };
    }

    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.index
            .variables
            .get(name)
            .and_then(|&i| self.variables.get(i))
    }

    pub fn local(&self, name: &str) -> Option<&Local> {
        self.index
            .locals
            .get(name)
            .and_then(|&i| self.locals.get(i))
    }

    pub fn output(&self, name: &str) -> Option<&Output> {
        self.index
            .outputs
            .get(name)
            .and_then(|&i| self.outputs.get(i))
    }

    pub fn module_call(&self, name: &str) -> Option<&ModuleCall> {
        self.index
            .module_calls
            .get(name)
            .and_then(|&i| self.module_calls.get(i))
    }

    /// A managed (`resource`) or data (`data`) resource by type and name.
    pub fn resource(&self, mode: ResourceMode, type_name: &str, name: &str) -> Option<&Resource> {
        let key = (type_name.to_string(), name.to_string());
        match mode {
            ResourceMode::Managed => self
                .index
                .managed
                .get(&key)
                .and_then(|&i| self.managed_resources.get(i)),
            ResourceMode::Data => self
                .index
                .data
                .get(&key)
                .and_then(|&i| self.data_resources.get(i)),
        }
    }

    /// A provider configuration by provider name and alias (`None`: the default one).
    pub fn provider(&self, name: &str, alias: Option<&str>) -> Option<&ProviderConfig> {
        let key = (name.to_string(), alias.map(str::to_string));
        self.index
            .providers
            .get(&key)
            .and_then(|&i| self.providers.get(i))
    }

    /// Every resource, managed then data.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.managed_resources.iter().chain(&self.data_resources)
    }
}

/// The merged `terraform { ... }` blocks of a module.
#[derive(Clone, Debug, Default)]
pub struct TerraformSettings {
    /// Every `required_version` constraint string (one per `terraform` block that sets it).
    pub required_versions: Vec<VersionConstraint>,
    /// `required_providers` entries by local name.
    pub required_providers: BTreeMap<String, RequiredProvider>,
    /// The `backend "type" { ... }` block, if any.
    pub backend: Option<Backend>,
    /// The `terraform` block ranges, for diagnostics.
    pub ranges: Vec<SourceRange>,
}

#[derive(Clone, Debug)]
pub struct VersionConstraint {
    pub constraint: String,
    pub range: SourceRange,
}

/// `aws = { source = "hashicorp/aws", version = "~> 5.0" }`.
#[derive(Clone, Debug)]
pub struct RequiredProvider {
    pub name: String,
    /// The source address as written (e.g. `hashicorp/aws`), if given.
    pub source: Option<String>,
    pub version: Option<String>,
    /// `configuration_aliases = [aws.west]`, as provider references.
    pub configuration_aliases: Vec<ProviderRef>,
    pub range: SourceRange,
}

#[derive(Clone, Debug)]
pub struct Backend {
    pub type_name: String,
    pub body: Body,
    pub range: SourceRange,
}

/// A `provider "name" { ... }` block.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    pub name: String,
    pub alias: Option<String>,
    /// Every argument and nested block except `alias`, unevaluated.
    pub body: Body,
    /// The `provider "name"` header.
    pub decl_range: SourceRange,
    pub range: SourceRange,
}

impl ProviderConfig {
    /// `aws` or `aws.west`.
    pub fn address(&self) -> String {
        match &self.alias {
            Some(a) => format!("{}.{a}", self.name),
            None => self.name.clone(),
        }
    }
}

/// A reference to a provider configuration: `aws` or `aws.west`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProviderRef {
    pub name: String,
    pub alias: Option<String>,
    pub range: Option<SourceRange>,
}

/// A `variable "name" { ... }` block.
#[derive(Clone, Debug)]
pub struct Variable {
    pub name: String,
    /// The raw type constraint expression (`list(string)`), parsed by gitform-lang.
    pub ty: Option<Expr>,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    /// Whether `null` is an acceptable value (default true).
    pub nullable: bool,
    pub ephemeral: bool,
    pub validations: Vec<Validation>,
    /// The `variable "name"` header.
    pub decl_range: SourceRange,
    pub range: SourceRange,
}

/// A `validation { condition = ..., error_message = ... }` block.
#[derive(Clone, Debug)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Expr,
    pub range: SourceRange,
}

/// A `precondition` / `postcondition` block.
#[derive(Clone, Debug)]
pub struct CheckRule {
    pub condition: Expr,
    pub error_message: Expr,
    pub range: SourceRange,
}

/// One entry of a `locals { ... }` block.
#[derive(Clone, Debug)]
pub struct Local {
    pub name: String,
    pub expr: Expr,
    /// The whole `name = expr`.
    pub range: SourceRange,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceMode {
    /// `resource "type" "name"`.
    Managed,
    /// `data "type" "name"`.
    Data,
}

/// A `resource` or `data` block.
#[derive(Clone, Debug)]
pub struct Resource {
    pub mode: ResourceMode,
    pub type_name: String,
    pub name: String,
    /// The `provider = aws.west` meta-argument.
    pub provider: Option<ProviderRef>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    /// `depends_on` entries; each is a plain traversal (`aws_vpc.main`, `module.x`).
    pub depends_on: Vec<Expr>,
    pub lifecycle: Lifecycle,
    /// `provisioner "type" { ... }` blocks, kept as written (not run yet by the engine).
    pub provisioners: Vec<crate::body::Block>,
    /// The resource-level `connection { ... }` block, kept as written.
    pub connection: Option<crate::body::Block>,
    /// Every other argument and nested block (including `dynamic`), unevaluated.
    /// Checked later against the provider's schema.
    pub body: Body,
    /// The `resource "type" "name"` header.
    pub decl_range: SourceRange,
    pub range: SourceRange,
}

impl Resource {
    /// `aws_vpc.main` or `data.aws_ami.x`.
    pub fn address(&self) -> String {
        match self.mode {
            ResourceMode::Managed => format!("{}.{}", self.type_name, self.name),
            ResourceMode::Data => format!("data.{}.{}", self.type_name, self.name),
        }
    }

    /// The provider's local name implied by the type (`aws` for `aws_vpc`)
    /// when there is no `provider` argument.
    pub fn implied_provider(&self) -> &str {
        self.type_name.split('_').next().unwrap_or(&self.type_name)
    }
}

/// A resource's `lifecycle { ... }` block (all fields empty when absent).
#[derive(Clone, Debug, Default)]
pub struct Lifecycle {
    pub create_before_destroy: Option<Expr>,
    pub prevent_destroy: Option<Expr>,
    pub ignore_changes: IgnoreChanges,
    /// Each entry a reference expression (`aws_instance.x`, `aws_instance.x.id`).
    pub replace_triggered_by: Vec<Expr>,
    pub preconditions: Vec<CheckRule>,
    pub postconditions: Vec<CheckRule>,
    pub range: Option<SourceRange>,
}

#[derive(Clone, Debug, Default)]
pub enum IgnoreChanges {
    #[default]
    None,
    /// `ignore_changes = all`.
    All,
    /// Attribute paths relative to the resource (`tags`, `tags["Name"]`). Each
    /// is a traversal expression, or (deprecated syntax, with a warning) a
    /// string literal containing one.
    Paths(Vec<Expr>),
}

/// An `output "name" { ... }` block.
#[derive(Clone, Debug)]
pub struct Output {
    pub name: String,
    pub value: Expr,
    pub description: Option<String>,
    pub sensitive: bool,
    pub ephemeral: bool,
    pub depends_on: Vec<Expr>,
    pub preconditions: Vec<CheckRule>,
    pub decl_range: SourceRange,
    pub range: SourceRange,
}

/// A `module "name" { source = "./dir" ... }` block.
#[derive(Clone, Debug)]
pub struct ModuleCall {
    pub name: String,
    /// The `source` string as written (a local path: `./x` or `../x`).
    pub source: String,
    pub source_range: SourceRange,
    pub version: Option<String>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    /// `providers = { aws = aws.west }`: child's name → this module's configuration.
    pub providers: Vec<PassedProvider>,
    /// The input variables: every other argument, unevaluated.
    pub inputs: Body,
    pub decl_range: SourceRange,
    pub range: SourceRange,
}

/// One `providers = { in_child = in_parent }` entry of a module call.
#[derive(Clone, Debug)]
pub struct PassedProvider {
    pub in_child: ProviderRef,
    pub in_parent: ProviderRef,
    pub range: SourceRange,
}
