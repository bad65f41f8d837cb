//! gitform's configuration loader.
//!
//! Reads a module directory's `*.tf` files with hcl-edit into a [`Module`]:
//! blocks become plain structs, expressions stay unevaluated ([`Expr`], an
//! `hcl_edit::expr::Expression` plus its file and span) for gitform-lang to
//! evaluate. Local child modules are loaded too.
//!
//! Loading never stops at the first problem: syntax errors are recovered from
//! block by block, and every structural problem (unknown blocks, bad labels,
//! duplicates, invalid meta-arguments) is reported as a [`Diagnostic`] with a
//! source range.
//!
//! [`Diagnostic`]: gitform_value::Diagnostic

pub mod body;
mod decode;
pub mod fmt;
pub mod loader;
pub mod model;
pub mod render;
mod scan;
pub mod source;
pub mod suggest;
mod syntax;
pub mod tfvars;

pub use body::{Attribute, Block, Body, DynamicBlock, Expr, NestedBlock};
pub use loader::{load_module, load_module_from_sources, load_module_with};
pub use model::{
    Backend, CheckRule, IgnoreChanges, Lifecycle, Local, Module, ModuleCall, Output,
    PassedProvider, ProviderConfig, ProviderRef, RequiredProvider, Resource, ResourceMode,
    TerraformSettings, Validation, Variable, VersionConstraint,
};
pub use source::{DiskReader, MemoryReader, SourceReader};
pub use tfvars::{load_tfvars, load_tfvars_json};

/// Parses one HCL file's text (already UTF-8) into its top-level body, with
/// syntax-error recovery. For tools such as `fmt` that need the raw hcl-edit
/// body; spans are byte offsets into `file.text`.
pub fn parse_source_file(
    file: &std::sync::Arc<gitform_value::SourceFile>,
) -> (hcl_edit::structure::Body, gitform_value::Diagnostics) {
    syntax::parse_file(file)
}
