//! gitform's shared vocabulary: values with unknown and sensitive marks,
//! types and type constraints, arbitrary-precision numbers, attribute paths
//! and diagnostics.
//!
//! Every other crate speaks in these types. This crate does no IO.

pub mod convert;
pub mod diagnostic;
pub mod display;
pub mod json;
pub mod number;
pub mod path;
pub mod types;
pub mod value;

pub use diagnostic::{Diagnostic, Diagnostics, LineIndex, Pos, Severity, SourceFile, SourceRange};
pub use number::Number;
pub use path::{AttrPath, PathStep};
pub use types::{ObjectType, Type};
pub use value::Value;
