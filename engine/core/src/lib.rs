//! gitform's engine: the dependency graph, planning and applying.
//!
//! See `docs/ARCHITECTURE.md` for the data flow and the invariants.

pub mod address;
pub mod body;
pub mod changes;
pub mod graph;
pub mod limit;
pub mod lock;
pub mod operations;
pub mod planfile;
pub mod providers;
mod recorder;
pub mod refresh;
pub mod refs;
pub mod render;
pub mod run;
pub mod scope;
pub mod variables;
pub mod walk;

pub use changes::{Action, Plan, PlanMode, ResourceChange};
pub use operations::{apply, load, plan, ApplyOutcome, Workspace};
pub use providers::ProviderRegistry;
pub use run::{Observer, PlanOptions, Silent};
