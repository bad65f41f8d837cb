//! Reference extraction without evaluation: the dependency graph's input.
//!
//! [`references`] walks an expression once (linear in its size) and reports
//! every traversal of a root name, classified into a [`Subject`]. Names
//! bound by `for` expressions and template `%{for}` directives are not
//! references; [`references_excluding`] also skips extra local names such
//! as a `dynamic` block's iterator.

use crate::eval::MAX_DEPTH;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::{Decorated, Span};
use std::ops::Range;

/// What a reference points at.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    Var(String),
    Local(String),
    Resource {
        type_name: String,
        name: String,
    },
    Data {
        type_name: String,
        name: String,
    },
    /// `module.<name>`, with the output name when one follows.
    Module {
        name: String,
        output: Option<String>,
    },
    CountIndex,
    EachKey,
    EachValue,
    SelfRef,
    Path(PathAttr),
    TerraformWorkspace,
    TerraformApplying,
    /// A malformed reference (`var` alone, `data.x`, `count.foo`); the
    /// string is Terraform's explanation.
    Invalid(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PathAttr {
    Module,
    Root,
    Cwd,
}

/// One step of a traversal after the subject.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TraversalStep {
    /// `.name`
    Attr(String),
    /// `["key"]` with a literal string key.
    Key(String),
    /// `[0]` or `.0` with a literal number.
    Index(i64),
    /// `[expr]` with a computed key (its own references are reported separately).
    Dynamic,
    /// `[*]` or `.*`
    Splat,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference {
    pub subject: Subject,
    /// The steps after the subject, e.g. `[0].id` of `aws_instance.web[0].id`.
    pub remaining: Vec<TraversalStep>,
    /// Byte range of the subject in the source (`aws_instance.web`).
    pub span: Range<usize>,
}

/// All references in `expr`, in source order (duplicates included).
pub fn references(expr: &Expression) -> Vec<Reference> {
    references_excluding(expr, &[])
}

/// Like [`references`], also treating `locals` (e.g. a `dynamic` block's
/// iterator name) as bound names that are not references.
pub fn references_excluding(expr: &Expression, locals: &[&str]) -> Vec<Reference> {
    let mut w = Walker {
        scopes: locals.to_vec(),
        out: Vec::new(),
        depth: 0,
    };
    w.expr(expr);
    w.out
}

/// A static traversal such as a `depends_on`, `ignore_changes` or
/// `replace_triggered_by` item: a root name and literal steps.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StaticTraversal {
    pub root: String,
    pub steps: Vec<TraversalStep>,
    pub span: Range<usize>,
}

impl StaticTraversal {
    /// Classifies the traversal as a reference (for `depends_on` and
    /// `replace_triggered_by`; `ignore_changes` items are attribute paths
    /// and use `root` and `steps` directly).
    pub fn reference(&self) -> Reference {
        let (subject, consumed) = classify(&self.root, &self.steps);
        Reference {
            subject,
            remaining: self.steps.get(consumed..).unwrap_or(&[]).to_vec(),
            span: self.span.clone(),
        }
    }
}

/// A list item that is not a static traversal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TraversalError {
    pub span: Range<usize>,
    pub summary: String,
    pub detail: String,
}

impl TraversalError {
    pub fn to_diagnostic(&self, file: &gitform_value::SourceFile) -> gitform_value::Diagnostic {
        let span = if self.span.end <= file.text.len() {
            Some(file.range(self.span.clone()))
        } else {
            None
        };
        gitform_value::Diagnostic::error(&self.summary, &self.detail).with_range(span)
    }
}

/// The items of a list of static traversals (`depends_on = [a.b, c]`), or
/// the single traversal when `expr` is not a list.
pub fn traversal_references(expr: &Expression) -> Vec<Result<StaticTraversal, TraversalError>> {
    match expr {
        Expression::Array(items) => items.iter().map(static_traversal).collect(),
        other => vec![static_traversal(other)],
    }
}

fn static_traversal(expr: &Expression) -> Result<StaticTraversal, TraversalError> {
    let span = expr.span().unwrap_or(0..0);
    let invalid = || {
        TraversalError {
        span: span.clone(),
        summary: "Invalid expression".to_string(),
        detail: "A single static variable reference is required: only attribute access and indexing with constant keys. No calculations, function calls, template expressions, etc are allowed here.".to_string(),
    }
    };
    match expr {
        Expression::Variable(id) => Ok(StaticTraversal {
            root: id.value().as_str().to_string(),
            steps: Vec::new(),
            span: span.clone(),
        }),
        Expression::Traversal(t) => {
            let Expression::Variable(id) = &t.expr else {
                return Err(invalid());
            };
            let mut steps = Vec::with_capacity(t.operators.len());
            for op in &t.operators {
                match step_of(op) {
                    TraversalStep::Dynamic | TraversalStep::Splat => return Err(invalid()),
                    s => steps.push(s),
                }
            }
            Ok(StaticTraversal {
                root: id.value().as_str().to_string(),
                steps,
                span: span.clone(),
            })
        }
        Expression::Parenthesis(p) => static_traversal(p.inner()),
        _ => Err(invalid()),
    }
}

fn step_of(op: &Decorated<TraversalOperator>) -> TraversalStep {
    match op.value() {
        TraversalOperator::GetAttr(id) => TraversalStep::Attr(id.value().as_str().to_string()),
        TraversalOperator::LegacyIndex(n) => {
            i64::try_from(*n.value()).map_or(TraversalStep::Dynamic, TraversalStep::Index)
        }
        TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => TraversalStep::Splat,
        TraversalOperator::Index(e) => literal_key(e),
    }
}

fn literal_key(e: &Expression) -> TraversalStep {
    match e {
        Expression::String(s) => TraversalStep::Key(s.value().clone()),
        Expression::Number(n) => n
            .value()
            .as_i64()
            .map_or(TraversalStep::Dynamic, TraversalStep::Index),
        Expression::Parenthesis(p) => literal_key(p.inner()),
        _ => TraversalStep::Dynamic,
    }
}

fn attr(steps: &[TraversalStep], i: usize) -> Option<&str> {
    match steps.get(i) {
        Some(TraversalStep::Attr(a)) => Some(a),
        _ => None,
    }
}

/// The subject of a traversal from `root` and how many steps it uses.
fn classify(root: &str, steps: &[TraversalStep]) -> (Subject, usize) {
    let direct = |name: &str| {
        Subject::Invalid(format!(
            "The \"{name}\" object cannot be accessed directly. Instead, access one of its attributes."
        ))
    };
    match root {
        "var" => attr(steps, 0).map_or((direct("var"), 0), |a| (Subject::Var(a.to_string()), 1)),
        "local" => attr(steps, 0).map_or((direct("local"), 0), |a| (Subject::Local(a.to_string()), 1)),
        "data" => match (attr(steps, 0), attr(steps, 1)) {
            (Some(t), Some(n)) => (Subject::Data { type_name: t.to_string(), name: n.to_string() }, 2),
            _ => (
                Subject::Invalid(
                    "The \"data\" object must be followed by two attribute names: the data source type and the resource name."
                        .to_string(),
                ),
                0,
            ),
        },
        "module" => match (attr(steps, 0), attr(steps, 1)) {
            (Some(m), Some(o)) => (Subject::Module { name: m.to_string(), output: Some(o.to_string()) }, 2),
            (Some(m), None) => (Subject::Module { name: m.to_string(), output: None }, 1),
            _ => (direct("module"), 0),
        },
        "count" => match attr(steps, 0) {
            Some("index") => (Subject::CountIndex, 1),
            a => (
                Subject::Invalid(format!(
                    "The \"count\" object does not have an attribute named \"{}\". The only supported attribute is count.index, which is the index of each instance of a resource block that has the \"count\" argument set.",
                    a.unwrap_or_default()
                )),
                0,
            ),
        },
        "each" => match attr(steps, 0) {
            Some("key") => (Subject::EachKey, 1),
            Some("value") => (Subject::EachValue, 1),
            a => (
                Subject::Invalid(format!(
                    "The \"each\" object does not have an attribute named \"{}\". The supported attributes are each.key and each.value, the current key and value pair of the \"for_each\" attribute set.",
                    a.unwrap_or_default()
                )),
                0,
            ),
        },
        "self" => (Subject::SelfRef, 0),
        "path" => match attr(steps, 0) {
            Some("module") => (Subject::Path(PathAttr::Module), 1),
            Some("root") => (Subject::Path(PathAttr::Root), 1),
            Some("cwd") => (Subject::Path(PathAttr::Cwd), 1),
            a => (
                Subject::Invalid(format!("The \"path\" object does not have an attribute named \"{}\".", a.unwrap_or_default())),
                0,
            ),
        },
        "terraform" => match attr(steps, 0) {
            Some("workspace") => (Subject::TerraformWorkspace, 1),
            Some("applying") => (Subject::TerraformApplying, 1),
            a => (
                Subject::Invalid(format!(
                    "The \"terraform\" object does not have an attribute named \"{}\". The only supported attributes are terraform.workspace, the name of the currently-selected workspace, and terraform.applying, a boolean which is true only during apply.",
                    a.unwrap_or_default()
                )),
                0,
            ),
        },
        type_name => match attr(steps, 0) {
            Some(n) => (Subject::Resource { type_name: type_name.to_string(), name: n.to_string() }, 1),
            None => (
                Subject::Invalid(
                    "A reference to a resource type must be followed by at least one attribute access, specifying the resource name."
                        .to_string(),
                ),
                0,
            ),
        },
    }
}

struct Walker<'e> {
    scopes: Vec<&'e str>,
    out: Vec<Reference>,
    depth: usize,
}

impl<'e> Walker<'e> {
    fn bound(&self, name: &str) -> bool {
        self.scopes.iter().rev().any(|s| *s == name)
    }

    fn expr(&mut self, e: &'e Expression) {
        if self.depth >= MAX_DEPTH {
            self.out.push(Reference {
                subject: Subject::Invalid("The expression is nested too deeply.".to_string()),
                remaining: Vec::new(),
                span: e.span().unwrap_or(0..0),
            });
            return;
        }
        self.depth += 1;
        self.expr_inner(e);
        self.depth -= 1;
    }

    fn expr_inner(&mut self, e: &'e Expression) {
        match e {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_) => {}
            Expression::Array(items) => items.iter().for_each(|i| self.expr(i)),
            Expression::Object(obj) => {
                for (k, v) in obj.iter() {
                    if let ObjectKey::Expression(ke) = k {
                        self.expr(ke);
                    }
                    self.expr(v.expr());
                }
            }
            Expression::StringTemplate(t) => self.template(t),
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Variable(id) => {
                let name = id.value().as_str();
                if !self.bound(name) {
                    let (subject, _) = classify(name, &[]);
                    self.out.push(Reference {
                        subject,
                        remaining: Vec::new(),
                        span: e.span().unwrap_or(0..0),
                    });
                }
            }
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::FuncCall(call) => call.args.iter().for_each(|a| self.expr(a)),
            Expression::Traversal(t) => {
                match &t.expr {
                    Expression::Variable(id) if !self.bound(id.value().as_str()) => {
                        let steps: Vec<TraversalStep> = t.operators.iter().map(step_of).collect();
                        let (subject, consumed) = classify(id.value().as_str(), &steps);
                        let start = t.expr.span().unwrap_or(0..0);
                        let end = match consumed.checked_sub(1).and_then(|i| t.operators.get(i)) {
                            Some(op) => op.span().map_or(start.end, |s| s.end),
                            None => start.end,
                        };
                        let mut steps = steps;
                        let remaining = steps.split_off(consumed.min(steps.len()));
                        self.out.push(Reference {
                            subject,
                            remaining,
                            span: start.start..end,
                        });
                    }
                    other => self.expr(other),
                }
                for op in &t.operators {
                    if let TraversalOperator::Index(ie) = op.value() {
                        self.expr(ie);
                    }
                }
            }
            Expression::UnaryOp(op) => self.expr(&op.expr),
            Expression::BinaryOp(op) => {
                self.expr(&op.lhs_expr);
                self.expr(&op.rhs_expr);
            }
            Expression::ForExpr(f) => {
                self.expr(&f.intro.collection_expr);
                let base = self.scopes.len();
                if let Some(k) = &f.intro.key_var {
                    self.scopes.push(k.value().as_str());
                }
                self.scopes.push(f.intro.value_var.value().as_str());
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                self.expr(&f.value_expr);
                if let Some(c) = &f.cond {
                    self.expr(&c.expr);
                }
                self.scopes.truncate(base);
            }
        }
    }

    fn template(&mut self, t: &'e Template) {
        for el in t.iter() {
            match el {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.expr(&i.expr),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        self.expr(&d.if_expr.cond_expr);
                        self.template(&d.if_expr.template);
                        if let Some(e) = &d.else_expr {
                            self.template(&e.template);
                        }
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        self.expr(&f.collection_expr);
                        let base = self.scopes.len();
                        if let Some(k) = &f.key_var {
                            self.scopes.push(k.value().as_str());
                        }
                        self.scopes.push(f.value_var.value().as_str());
                        self.template(&f.template);
                        self.scopes.truncate(base);
                    }
                },
            }
        }
    }
}
