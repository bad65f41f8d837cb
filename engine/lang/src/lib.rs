//! gitform's expression language: evaluation of HCL expressions over the
//! hcl-edit AST with Terraform's semantics ([`eval()`]), reference extraction
//! without evaluation ([`references`]), and type-constraint parsing
//! ([`parse_type_constraint`]).

mod arith;
mod call;
pub mod context;
pub mod eval;
mod prim;
pub mod refs;
pub mod suggest;
mod template;
mod traverse;
pub mod typeexpr;

pub use context::EvalContext;
pub use eval::{eval, type_console_string, MAX_DEPTH};
pub use refs::{
    references, references_excluding, traversal_references, PathAttr, Reference, StaticTraversal,
    Subject, TraversalError, TraversalStep,
};
pub use typeexpr::parse_type_constraint;

use gitform_value::{Diagnostic, Diagnostics, SourceFile, Value};
use hcl_edit::expr::Expression;
use std::sync::Arc;

/// Parses one expression. Spans in the result point into the returned file.
pub fn parse_expression(
    text: &str,
    file_name: &str,
) -> Result<(Expression, Arc<SourceFile>), Diagnostics> {
    let file = Arc::new(SourceFile::new(file_name, text));
    match hcl_edit::parser::parse_expr(text) {
        Ok(expr) => Ok((expr, file)),
        Err(e) => Err(parse_error_diagnostic(&e, &file).into()),
    }
}

/// A diagnostic for an hcl-edit parse error, pointing at its location.
pub fn parse_error_diagnostic(e: &hcl_edit::parser::Error, file: &SourceFile) -> Diagnostic {
    let loc = e.location();
    let mut start = loc.offset().min(file.text.len());
    // hcl-edit may point inside a multi-byte character.
    while !file.text.is_char_boundary(start) {
        start -= 1;
    }
    let end = file.text[start..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8());
    let mut message = e.message().to_string();
    if let Some(first) = message.get(0..1) {
        let upper = first.to_uppercase();
        message.replace_range(0..1, &upper);
    }
    if !message.ends_with('.') {
        message.push('.');
    }
    Diagnostic::error("Invalid expression", message).with_range(Some(file.range(start..end)))
}

/// Parses and evaluates `text` (named `<console-input>` in diagnostics).
/// Used by `gitform console` and the conformance tests.
pub fn eval_str(text: &str, ctx: &EvalContext) -> Result<Value, Diagnostics> {
    let (expr, file) = parse_expression(text.trim(), "<console-input>")?;
    eval(&expr, ctx, &file)
}
