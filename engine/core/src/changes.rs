//! The plan model: what a plan proposes to change, and in which order.
//!
//! A [`Plan`] is a value: it can be rendered, saved to a file and applied
//! later. It never refers to live objects.

use crate::address::InstanceAddr;
use gitform_provider::{Block, Nesting};
use gitform_value::{AttrPath, Value};
use std::collections::BTreeMap;

/// What happens to one resource instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    NoOp,
    Create,
    /// A data source read that has to wait for apply.
    Read,
    Update,
    /// Replace: destroy the old object, then create the new one.
    DeleteThenCreate,
    /// Replace with `create_before_destroy`.
    CreateThenDelete,
    Delete,
}

impl Action {
    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    /// True when the action destroys an existing object.
    pub fn destroys(self) -> bool {
        matches!(
            self,
            Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete
        )
    }

    /// True when the action produces a new or updated object.
    pub fn creates(self) -> bool {
        matches!(
            self,
            Action::Create | Action::Update | Action::DeleteThenCreate | Action::CreateThenDelete
        )
    }

    /// The symbol shown in the plan: `+`, `~`, `-/+`, `+/-`, `-`, `<=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Read => "<=",
            Action::Update => "~",
            Action::DeleteThenCreate => "-/+",
            Action::CreateThenDelete => "+/-",
            Action::Delete => "-",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::NoOp => "no-op",
            Action::Create => "create",
            Action::Read => "read",
            Action::Update => "update",
            Action::DeleteThenCreate => "delete-then-create",
            Action::CreateThenDelete => "create-then-delete",
            Action::Delete => "delete",
        }
    }
}

/// Why an action was chosen, when it is not the obvious one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionReason {
    Tainted,
    ReplaceRequested,
    ReplaceTriggeredBy(String),
    /// The resource block is no longer in the configuration.
    NoResourceConfig,
    /// The instance key is no longer produced by count or for_each.
    NoInstanceKey,
    /// The module instance is no longer produced by its module call.
    NoModule,
    /// A data source read waits for apply because its configuration or
    /// dependencies are not known yet.
    ReadDependencyPending,
}

impl ActionReason {
    /// The explanation shown under the resource heading in a rendered plan.
    /// `addr` is the instance address, or its module instance for `NoModule`.
    pub fn describe(&self, addr: &str) -> String {
        match self {
            ActionReason::Tainted => format!("{addr} is tainted, so must be replaced"),
            ActionReason::ReplaceRequested => format!("{addr} will be replaced, as requested"),
            ActionReason::ReplaceTriggeredBy(by) => {
                format!("{addr} will be replaced due to changes in replace_triggered_by ({by})")
            }
            ActionReason::NoResourceConfig => format!("(because {addr} is not in configuration)"),
            ActionReason::NoInstanceKey => {
                format!("(because key {addr} is not in for_each map or count range)")
            }
            ActionReason::NoModule => {
                format!("(because {addr} is not in configuration)")
            }
            ActionReason::ReadDependencyPending => {
                "(depends on a resource or a module with changes pending)".to_string()
            }
        }
    }
}

/// A planned change to one resource instance.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceChange {
    pub addr: InstanceAddr,
    /// The provider configuration that manages the instance, e.g. `provider["random"]`.
    pub provider: String,
    pub action: Action,
    pub reason: Option<ActionReason>,
    /// The refreshed prior object (None when creating).
    pub before: Option<Value>,
    /// The planned object (None when deleting). May contain unknowns.
    pub after: Option<Value>,
    /// Attributes whose change forces the replacement.
    pub requires_replace: Vec<AttrPath>,
    /// Private provider data from planning, handed back at apply.
    pub private: Option<Vec<u8>>,
    /// The resources (config addresses) this instance depends on.
    pub dependencies: Vec<String>,
    pub schema_version: u64,
    pub create_before_destroy: bool,
    /// Set for the old object of a create-before-destroy replacement whose
    /// destroy did not happen: its deposed key. Such a change is always a
    /// delete and does not count as the instance's own change.
    pub deposed: Option<String>,
}

/// A change made outside gitform, found by refresh.
#[derive(Clone, Debug, PartialEq)]
pub struct Drift {
    pub addr: InstanceAddr,
    pub before: Value,
    /// None when the object was deleted outside gitform.
    pub after: Option<Value>,
}

/// A root module output after the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputChange {
    pub name: String,
    pub action: Action,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub sensitive: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PlanMode {
    #[default]
    Normal,
    Destroy,
    RefreshOnly,
}

/// The nested block types of a resource type's schema, by name, down to
/// any depth. The plan renders these as blocks (`name { ... }`), as
/// Terraform does, and every other attribute as `name = value`; it is kept
/// in the plan so that a saved plan renders the same without its providers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BlockShape(pub BTreeMap<String, (Nesting, BlockShape)>);

impl BlockShape {
    /// The nested block types of `block`.
    pub fn of(block: &Block) -> BlockShape {
        BlockShape(
            block
                .blocks
                .iter()
                .map(|(name, nb)| (name.clone(), (nb.nesting, BlockShape::of(&nb.block))))
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The key of a resource (`aws_instance`) or data source
    /// (`data.aws_ami`) type in [`Plan::block_shapes`].
    pub fn key(mode: crate::address::Mode, type_name: &str) -> String {
        match mode {
            crate::address::Mode::Data => format!("data.{type_name}"),
            crate::address::Mode::Managed => type_name.to_string(),
        }
    }
}

/// The result of planning.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub mode: PlanMode,
    /// Every resource instance change, no-ops included, in execution order
    /// (a topological order of the dependency graph; destroys of
    /// dependents come before destroys of what they depend on).
    pub changes: Vec<ResourceChange>,
    pub drift: Vec<Drift>,
    pub outputs: Vec<OutputChange>,
    /// The input variable values the plan was made with.
    pub variables: BTreeMap<String, Value>,
    /// The state serial and lineage the plan was made against. A saved plan
    /// is refused when the state has moved on.
    pub prior_serial: u64,
    pub lineage: String,
    /// A digest of the configuration files, to refuse a saved plan whose
    /// configuration changed.
    pub config_digest: String,
    pub targets: Vec<String>,
    /// False when `-refresh=false` was given.
    pub refreshed: bool,
    /// The nested block types of each type with changes or drift (types
    /// without nested blocks are left out), keyed by [`BlockShape::key`].
    pub block_shapes: BTreeMap<String, BlockShape>,
}

/// Counts for the "Plan: X to add, Y to change, Z to destroy." line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    pub read: usize,
}

impl Plan {
    pub fn counts(&self) -> ChangeCounts {
        let mut c = ChangeCounts::default();
        for ch in &self.changes {
            match ch.action {
                Action::Create => c.add += 1,
                Action::Update => c.change += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    c.add += 1;
                    c.destroy += 1
                }
                Action::Delete => c.destroy += 1,
                Action::Read => c.read += 1,
                Action::NoOp => {}
            }
        }
        c
    }

    /// True when applying the plan would change anything: a resource, an
    /// output, or (in refresh-only mode) the recorded state.
    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.action != Action::NoOp && c.action != Action::Read)
            || self.outputs.iter().any(|o| o.action != Action::NoOp)
            || (self.mode == PlanMode::RefreshOnly && !self.drift.is_empty())
    }
}
