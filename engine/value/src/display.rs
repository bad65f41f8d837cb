//! Terraform's console format for values.
//! (Being written: see the value-semantics work item.)
