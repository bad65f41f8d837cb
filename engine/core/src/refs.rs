//! What an expression depends on, in the graph's terms.
//!
//! This adapts gitform-lang's reference extraction (which knows the
//! expression syntax) to the engine's dependency kinds.

use crate::address::Mode;
use gitform_config::Expr;
use gitform_lang::refs::{references, Subject};
use std::ops::Range;

/// One thing an expression refers to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Dep {
    Var(String),
    Local(String),
    Resource(Mode, String, String),
    /// A module call, and the output named right after it, if any.
    Module(String, Option<String>),
    CountIndex,
    Each,
    Invalid(String),
    /// `path.*`, `terraform.workspace`, `self`: no graph edge.
    None,
}

/// The dependencies of `expr`, each with the byte span of its reference.
/// `extra_locals` are names bound around the expression (the iterator of
/// a `dynamic` block) that are not references to resources.
pub fn expr_deps(expr: &Expr, extra_locals: &[&str]) -> Vec<(Dep, Range<usize>)> {
    references(&expr.expr)
        .into_iter()
        .filter_map(|r| {
            let dep = match r.subject {
                Subject::Var(n) => Dep::Var(n),
                Subject::Local(n) => Dep::Local(n),
                Subject::Resource { type_name, name } => {
                    if extra_locals.contains(&type_name.as_str()) {
                        return None;
                    }
                    Dep::Resource(Mode::Managed, type_name, name)
                }
                Subject::Data { type_name, name } => Dep::Resource(Mode::Data, type_name, name),
                Subject::Module { name, output } => Dep::Module(name, output),
                Subject::CountIndex => Dep::CountIndex,
                Subject::EachKey | Subject::EachValue => Dep::Each,
                Subject::Invalid(reason) => {
                    if let Some(root) = reason.split('"').nth(1) {
                        if extra_locals.contains(&root) {
                            return None;
                        }
                    }
                    Dep::Invalid(reason)
                }
                _ => Dep::None,
            };
            Some((dep, r.span))
        })
        .collect()
}
