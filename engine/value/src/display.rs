//! Terraform's console format for values.
//! (Being written: see the value-semantics work item.)

use crate::value::Value;

/// Formats a value as `terraform console` prints it.
pub fn format_console(v: &Value) -> String {
    format!("{v:?}")
}
