//! The provider contract test kit.
//!
//! Runs a provider through the lifecycle the engine drives (validate,
//! configure, plan, apply, read, batched read, import, data sources,
//! delete) and checks the invariants every provider must keep, the way
//! Terraform's acceptance tests and the engine's own consistency checks do:
//!
//! - plan agrees with configuration: every attribute the configuration sets
//!   is planned as configured, computed attributes are unknown or a value
//!   the provider knows for sure (two identical plans agree on it);
//! - apply agrees with the plan: every known planned value is kept, every
//!   unknown becomes known, and the state has the schema's shape;
//! - read after create (and after each update) returns what apply returned;
//! - a plan right after a read is a no-op;
//! - updates work, in place or by replacement as the case expects;
//! - import round-trips: import plus read equals the created state;
//! - delete works and is idempotent: read after delete finds nothing, and a
//!   second delete does no harm;
//! - validation rejects the configurations the case calls invalid, and
//!   accepts valid ones even when their values are unknown.
//!
//! The kit works on any `Arc<dyn Provider>`: a builtin provider in-process
//! or a plugin behind the plugin host. Test cases come from Rust
//! ([`Suite`]) or from a `contract.hcl` file ([`load_suite`]); `gitform
//! provider test` runs the kit against a plugin binary.
//!
//! ```no_run
//! # async fn demo(provider: std::sync::Arc<dyn gitform_provider::Provider>) {
//! let work_dir = std::path::Path::new("/tmp/scratch");
//! let suite = gitform_provider_contract::load_suite(std::path::Path::new("contract.hcl"), &provider.schema(), work_dir)
//!     .expect("a valid contract file");
//! let report = gitform_provider_contract::run_suite(provider, &suite).await;
//! print!("{}", report.render());
//! assert!(report.passed());
//! # }
//! ```

mod checks;
mod file;
mod report;

pub use checks::run_suite;
pub use file::{load_suite, load_suite_source, Paths};
pub use report::{CheckResult, Outcome, Report};

use gitform_value::Value;
use std::sync::Arc;

/// A function of a created object's state (the import id, a data source
/// configuration). Returns an error message when it cannot be computed.
pub type StateFn<T> = Arc<dyn Fn(&Value) -> Result<T, String> + Send + Sync>;

/// Everything to check against one provider.
#[derive(Clone)]
pub struct Suite {
    /// Where the suite comes from (a file name), for the report.
    pub source: String,
    /// The `provider` block's values: an object of the provider schema's
    /// type (`Value::Null`: an empty configuration).
    pub provider_config: Value,
    pub resources: Vec<ResourceCase>,
    /// Data sources read on their own, without a resource of the case.
    pub data_sources: Vec<DataCase>,
}

/// One resource type's lifecycle, run on one object.
#[derive(Clone)]
pub struct ResourceCase {
    /// A name for the report: `sqlite_item.basic`.
    pub name: String,
    pub type_name: String,
    /// The configuration of the create (every schema attribute present).
    pub create: Value,
    /// Changes applied in order after the create.
    pub steps: Vec<UpdateStep>,
    /// How to import the object; `None`: import is not checked.
    pub import: Option<ImportCase>,
    /// Configurations that `validate_config` must reject.
    pub invalid: Vec<Value>,
    /// Data sources read while the object exists; their results must agree
    /// with the object on the attributes both schemas share.
    pub data: Vec<DataCase>,
    /// The object exists only in gitform's state (`random_id`,
    /// `terraform_data`): `read` returns what it is given, so a read after
    /// delete cannot find it gone and is not checked.
    pub state_only: bool,
}

/// One change of a [`ResourceCase`].
#[derive(Clone)]
pub struct UpdateStep {
    pub config: Value,
    pub expect: Expect,
}

/// What an [`UpdateStep`]'s plan must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// An in-place update (no `requires_replace`).
    Update,
    /// A replacement (the plan reports attributes that force it).
    Replace,
}

/// How to import a created object.
#[derive(Clone)]
pub struct ImportCase {
    /// The import id, from the created state (`self.id` by default).
    pub id: StateFn<String>,
    /// Attributes the provider cannot recover on import (such as a
    /// write-only input); they are not compared.
    pub ignore: Vec<String>,
}

/// A data source read.
#[derive(Clone)]
pub struct DataCase {
    /// A name for the report: `data.sqlite_item.lookup`.
    pub name: String,
    pub type_name: String,
    /// The configuration, from the resource's created state (standalone
    /// data cases get `Value::Null`).
    pub config: StateFn<Value>,
}

impl ImportCase {
    /// Imports by the value of one string attribute of the created state.
    pub fn by_attribute(name: &str) -> ImportCase {
        let name = name.to_string();
        ImportCase {
            id: Arc::new(move |state: &Value| {
                state
                    .get_attr(&name)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| format!("the created state has no string attribute \"{name}\""))
            }),
            ignore: Vec::new(),
        }
    }
}

impl std::fmt::Debug for Suite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Suite")
            .field("source", &self.source)
            .field("provider_config", &self.provider_config)
            .field("resources", &self.resources)
            .field(
                "data_sources",
                &self
                    .data_sources
                    .iter()
                    .map(|d| &d.name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl std::fmt::Debug for ResourceCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceCase")
            .field("name", &self.name)
            .field("create", &self.create)
            .field("steps", &self.steps.len())
            .field("import", &self.import.is_some())
            .field("invalid", &self.invalid.len())
            .field(
                "data",
                &self.data.iter().map(|d| &d.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}
