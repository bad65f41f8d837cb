//! Evaluation of HCL expressions with Terraform's semantics.
//!
//! Marks: every operation unmarks its inputs, computes and marks the result
//! when an input was sensitive; collections keep their elements' own marks.
//! Unknowns: an operation that needs the content of an unknown yields an
//! unknown of the result type (`Type::Dynamic` when it cannot be known).
//!
//! The console-only `type(x)` function (enabled by
//! [`EvalContext::console_type_function`]) returns a string holding the
//! type in Terraform's console layout (see [`type_console_string`]); the
//! console prints that string raw, without quotes.

use crate::arith;
use crate::context::EvalContext;
use crate::prim;
use gitform_value::convert::{convert, unify, values_equal};
use gitform_value::{Diagnostic, Diagnostics, Number, SourceFile, Type, Value};
use hcl_edit::expr::{BinaryOperator, Expression, ForExpr, ObjectKey, UnaryOperator};
use hcl_edit::{Ident, Span};
use std::collections::BTreeMap;
use std::ops::Range;

/// The deepest expression nesting evaluated; deeper input gets a diagnostic.
pub const MAX_DEPTH: usize = 1000;

/// Evaluates `expr` (whose spans point into `file`) in `ctx`.
pub fn eval(expr: &Expression, ctx: &EvalContext, file: &SourceFile) -> Result<Value, Diagnostics> {
    let mut ev = Evaluator::new(ctx, file);
    ev.eval(expr).map_err(|f| Diagnostics(f.diags))
}

/// An evaluation failure: its diagnostics, and whether `try`/`can` may
/// catch it (`fatal` failures are static problems such as references to
/// undeclared names, which Terraform reports before evaluating).
#[derive(Debug)]
pub(crate) struct Fail {
    pub diags: Vec<Diagnostic>,
    pub fatal: bool,
}

impl Fail {
    pub(crate) fn merge(&mut self, other: Fail) {
        self.diags.extend(other.diags);
        self.fatal |= other.fatal;
    }
}

pub(crate) type R<T> = Result<T, Fail>;

/// Collects failures of independent parts so all are reported.
#[derive(Default)]
pub(crate) struct Collect(Option<Fail>);

impl Collect {
    pub(crate) fn take<T>(&mut self, r: R<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(f) => {
                match &mut self.0 {
                    Some(acc) => acc.merge(f),
                    None => self.0 = Some(f),
                }
                None
            }
        }
    }

    pub(crate) fn finish(self) -> R<()> {
        match self.0 {
            Some(f) => Err(f),
            None => Ok(()),
        }
    }
}

pub(crate) struct Evaluator<'a> {
    pub(crate) ctx: &'a EvalContext,
    pub(crate) file: &'a SourceFile,
    /// Names bound by enclosing `for` expressions and template directives.
    pub(crate) scopes: Vec<(&'a str, Value)>,
    depth: usize,
}

impl<'a> Evaluator<'a> {
    pub(crate) fn new(ctx: &'a EvalContext, file: &'a SourceFile) -> Evaluator<'a> {
        Evaluator {
            ctx,
            file,
            scopes: Vec::new(),
            depth: 0,
        }
    }

    pub(crate) fn diag(
        &self,
        summary: &str,
        detail: impl Into<String>,
        span: Option<Range<usize>>,
    ) -> Diagnostic {
        let range = span
            .filter(|s| s.start <= s.end && s.end <= self.file.text.len())
            .map(|s| self.file.range(s));
        Diagnostic::error(summary, detail).with_range(range)
    }

    pub(crate) fn fail(
        &self,
        summary: &str,
        detail: impl Into<String>,
        span: Option<Range<usize>>,
    ) -> Fail {
        Fail {
            diags: vec![self.diag(summary, detail, span)],
            fatal: false,
        }
    }

    pub(crate) fn fatal(
        &self,
        summary: &str,
        detail: impl Into<String>,
        span: Option<Range<usize>>,
    ) -> Fail {
        Fail {
            diags: vec![self.diag(summary, detail, span)],
            fatal: true,
        }
    }

    pub(crate) fn eval(&mut self, e: &'a Expression) -> R<Value> {
        if self.depth >= MAX_DEPTH {
            return Err(self.fatal(
                "Expression too deeply nested",
                format!("This expression is nested more than {MAX_DEPTH} levels deep."),
                e.span(),
            ));
        }
        self.depth += 1;
        let r = self.eval_inner(e);
        self.depth -= 1;
        r
    }

    fn eval_inner(&mut self, e: &'a Expression) -> R<Value> {
        match e {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => Ok(Value::Number(self.number_literal(n, e.span()))),
            Expression::String(s) => Ok(Value::String(s.value().clone())),
            Expression::Array(items) => {
                let mut c = Collect::default();
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    if let Some(v) = c.take(self.eval(item)) {
                        out.push(v);
                    }
                }
                c.finish()?;
                Ok(Value::Tuple(out))
            }
            Expression::Object(obj) => self.eval_object(obj),
            Expression::StringTemplate(t) => self.eval_template(t, false, e.span()),
            Expression::HeredocTemplate(h) => self.eval_template(&h.template, true, e.span()),
            Expression::Parenthesis(p) => self.eval(p.inner()),
            Expression::Variable(v) => self.eval_variable(v.value(), e.span()),
            Expression::Conditional(c) => {
                self.eval_conditional(&c.cond_expr, &c.true_expr, &c.false_expr, e.span())
            }
            Expression::FuncCall(call) => self.eval_call(call, e.span()),
            Expression::Traversal(t) => self.eval_traversal(t, e.span()),
            Expression::UnaryOp(op) => self.eval_unary(*op.operator.value(), &op.expr, e.span()),
            Expression::BinaryOp(op) => {
                self.eval_binary(&op.lhs_expr, *op.operator.value(), &op.rhs_expr, e.span())
            }
            Expression::ForExpr(f) => self.eval_for(f, e.span()),
        }
    }

    fn number_literal(
        &self,
        n: &hcl_edit::Formatted<hcl_edit::Number>,
        span: Option<Range<usize>>,
    ) -> Number {
        // The source text is exact; the parsed value went through f64.
        if let Some(text) = span.and_then(|s| self.file.text.get(s)) {
            let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            if let Some(num) = Number::parse(&cleaned) {
                return num;
            }
        }
        let v = n.value();
        if let Some(i) = v.as_i64() {
            Number::from_i64(i)
        } else if let Some(u) = v.as_u64() {
            Number::from_u64(u)
        } else {
            v.as_f64()
                .and_then(Number::from_f64)
                .unwrap_or_else(Number::zero)
        }
    }

    fn eval_object(&mut self, obj: &'a hcl_edit::expr::Object) -> R<Value> {
        let mut c = Collect::default();
        let mut out = BTreeMap::new();
        let mut marked = false;
        let mut unknown = false;
        for (key, value) in obj.iter() {
            let k = match key {
                ObjectKey::Ident(id) => Some(id.value().as_str().to_string()),
                ObjectKey::Expression(ke) => match ke {
                    // Keywords used as keys are literal names, as in HCL.
                    Expression::Null(_) => Some("null".to_string()),
                    Expression::Bool(b) => Some(b.value().to_string()),
                    _ => match c.take(self.eval(ke)) {
                        None => None,
                        Some(kv) => {
                            let (kv, m) = kv.unmark_deep();
                            marked |= m;
                            if kv.is_null() {
                                c.take::<()>(Err(self.fail(
                                    "Null value as key",
                                    "Can't use a null value as a key.",
                                    ke.span(),
                                )));
                                None
                            } else if !kv.is_known() {
                                unknown = true;
                                None
                            } else {
                                match prim::to_string(&kv) {
                                    Ok(s) => Some(s),
                                    Err(msg) => {
                                        c.take::<()>(Err(self.fail(
                                            "Incorrect key type",
                                            format!("Can't use this value as a key: {msg}."),
                                            ke.span(),
                                        )));
                                        None
                                    }
                                }
                            }
                        }
                    },
                },
            };
            let v = c.take(self.eval(value.expr()));
            if let (Some(k), Some(v)) = (k, v) {
                out.insert(k, v);
            }
        }
        c.finish()?;
        if unknown {
            return Ok(Value::Unknown(Type::Dynamic).mark_if(marked));
        }
        Ok(Value::Object(out).mark_if(marked))
    }

    fn eval_unary(
        &mut self,
        op: UnaryOperator,
        operand: &'a Expression,
        span: Option<Range<usize>>,
    ) -> R<Value> {
        let v = self.eval(operand)?;
        let (v, marked) = v.unmark_deep();
        if v.is_null() {
            return Err(self.fail(
                "Operation failed",
                "Error during operation: argument must not be null.",
                span,
            ));
        }
        let result = match op {
            UnaryOperator::Not => {
                if !v.is_known() {
                    Value::Unknown(Type::Bool)
                } else {
                    let b = prim::to_bool(&v).map_err(|m| {
                        self.fail(
                            "Invalid operand",
                            format!("Unsuitable value for unary operand: {m}."),
                            operand.span(),
                        )
                    })?;
                    Value::Bool(!b)
                }
            }
            UnaryOperator::Neg => {
                if !v.is_known() {
                    Value::Unknown(Type::Number)
                } else {
                    let n = prim::to_number(&v).map_err(|m| {
                        self.fail(
                            "Invalid operand",
                            format!("Unsuitable value for unary operand: {m}."),
                            operand.span(),
                        )
                    })?;
                    Value::Number(arith::neg(&n))
                }
            }
        };
        Ok(result.mark_if(marked))
    }

    fn eval_binary(
        &mut self,
        lhs: &'a Expression,
        op: BinaryOperator,
        rhs: &'a Expression,
        span: Option<Range<usize>>,
    ) -> R<Value> {
        // Both sides are always evaluated: HCL does not short-circuit.
        let mut c = Collect::default();
        let l = c.take(self.eval(lhs));
        let r = c.take(self.eval(rhs));
        c.finish()?;
        let (Some(l), Some(r)) = (l, r) else {
            return Err(self.fail(
                "Invalid expression",
                "An operand could not be evaluated.",
                span,
            ));
        };
        let (l, lm) = l.unmark_deep();
        let (r, rm) = r.unmark_deep();
        let marked = lm || rm;
        use BinaryOperator as B;
        if matches!(op, B::Eq | B::NotEq) {
            let eq = values_equal(&l, &r);
            let (eq, em) = eq.unmark();
            let result = match (op, eq) {
                (B::NotEq, Value::Bool(b)) => Value::Bool(!b),
                (_, v) => v,
            };
            return Ok(result.mark_if(marked || em));
        }
        let want_bool = matches!(op, B::And | B::Or);
        // Convert each operand, reporting both when both are unsuitable.
        let mut c = Collect::default();
        let lconv = c.take(self.operand(&l, want_bool, "left", lhs.span()));
        let rconv = c.take(self.operand(&r, want_bool, "right", rhs.span()));
        c.finish()?;
        let (Some(lconv), Some(rconv)) = (lconv, rconv) else {
            return Err(self.fail("Invalid operand", "An operand is unsuitable.", span));
        };
        if l.is_null() || r.is_null() {
            return Err(self.fail(
                "Operation failed",
                "Error during operation: argument must not be null.",
                span,
            ));
        }
        let result = match (lconv, rconv) {
            (Operand::Bool(a), Operand::Bool(b)) => match op {
                B::And => Value::Bool(a && b),
                _ => Value::Bool(a || b),
            },
            (Operand::Num(a), Operand::Num(b)) => match op {
                B::Plus => Value::Number(arith::add(&a, &b)),
                B::Minus => Value::Number(arith::sub(&a, &b)),
                B::Mul => Value::Number(arith::mul(&a, &b)),
                B::Div => match arith::div(&a, &b) {
                    Some(n) => Value::Number(n),
                    None => {
                        let detail = if a.as_big() == Number::zero().as_big() {
                            "Error during operation: can't divide zero by zero."
                        } else {
                            "Error during operation: can't divide by zero."
                        };
                        return Err(self.fail("Operation failed", detail, span));
                    }
                },
                B::Mod => Value::Number(arith::rem(&a, &b)),
                B::Less => Value::Bool(a < b),
                B::LessEq => Value::Bool(a <= b),
                B::Greater => Value::Bool(a > b),
                B::GreaterEq => Value::Bool(a >= b),
                _ => Value::Unknown(Type::Dynamic),
            },
            // `false && unknown` is false and `true || unknown` is true (cty).
            (Operand::Bool(false), Operand::Unknown) | (Operand::Unknown, Operand::Bool(false))
                if op == B::And =>
            {
                Value::Bool(false)
            }
            (Operand::Bool(true), Operand::Unknown) | (Operand::Unknown, Operand::Bool(true))
                if op == B::Or =>
            {
                Value::Bool(true)
            }
            _ => {
                let ty = match op {
                    B::Plus | B::Minus | B::Mul | B::Div | B::Mod => Type::Number,
                    _ => Type::Bool,
                };
                Value::Unknown(ty)
            }
        };
        Ok(result.mark_if(marked))
    }

    fn operand(
        &self,
        v: &Value,
        want_bool: bool,
        side: &str,
        span: Option<Range<usize>>,
    ) -> R<Operand> {
        if v.is_null() {
            return Ok(Operand::Null);
        }
        if !v.is_known() {
            // An unknown of an unsuitable type is still an error.
            let ty = v.ty();
            let ok = match ty {
                Type::Dynamic | Type::String => true,
                Type::Bool => want_bool,
                Type::Number => !want_bool,
                _ => false,
            };
            if !ok {
                let msg = if want_bool {
                    "bool required"
                } else {
                    "number required"
                };
                return Err(self.fail(
                    "Invalid operand",
                    format!("Unsuitable value for {side} operand: {msg}."),
                    span,
                ));
            }
            return Ok(Operand::Unknown);
        }
        let r = if want_bool {
            prim::to_bool(v).map(Operand::Bool)
        } else {
            prim::to_number(v).map(Operand::Num)
        };
        r.map_err(|m| {
            self.fail(
                "Invalid operand",
                format!("Unsuitable value for {side} operand: {m}."),
                span,
            )
        })
    }

    fn eval_conditional(
        &mut self,
        cond: &'a Expression,
        t: &'a Expression,
        f: &'a Expression,
        span: Option<Range<usize>>,
    ) -> R<Value> {
        let cv = self.eval(cond)?;
        let (cv, cm) = cv.unmark_deep();
        // Both results are evaluated (their types decide the result type);
        // only the selected one's dynamic errors count.
        let tr = self.eval(t);
        let fr = self.eval(f);
        let selected_true = if cv.is_null() {
            return Err(self.fail(
                "Null condition",
                "The condition value is null. Conditions must either be true or false.",
                cond.span(),
            ));
        } else if !cv.is_known() {
            None
        } else {
            Some(prim::to_bool(&cv).map_err(|_| {
                self.fail(
                    "Incorrect condition type",
                    "The condition expression must be of type bool.",
                    cond.span(),
                )
            })?)
        };
        let (tv, fv) = match (tr, fr, selected_true) {
            (Err(e), _, Some(true) | None) | (_, Err(e), Some(false) | None) => return Err(e),
            (Ok(_), Err(e), Some(true)) | (Err(e), Ok(_), Some(false)) if e.fatal => return Err(e),
            (Ok(tv), Ok(fv), _) => (tv, fv),
            (Ok(tv), Err(_), _) => (tv, Value::Unknown(Type::Dynamic)),
            (Err(_), Ok(fv), _) => (Value::Unknown(Type::Dynamic), fv),
        };
        let marked = cm || tv.is_sensitive() || fv.is_sensitive();
        let (tv, _) = tv.unmark();
        let (fv, _) = fv.unmark();
        let result_ty = if tv.is_null() && fv.is_null() {
            Type::Dynamic
        } else if tv.is_null() {
            fv.ty()
        } else if fv.is_null() {
            tv.ty()
        } else {
            let (tt, ft) = (tv.ty(), fv.ty());
            match unify(&[tt.clone(), ft.clone()]) {
                Some(ty) => ty,
                None => {
                    return Err(self.fail(
                        "Inconsistent conditional result types",
                        format!(
                            "The true and false result expressions must have consistent types. The 'true' value is {}, but the 'false' value is {}.",
                            tt.friendly_name(),
                            ft.friendly_name()
                        ),
                        span,
                    ))
                }
            }
        };
        let Some(which) = selected_true else {
            return Ok(Value::Unknown(result_ty).mark_if(marked));
        };
        let (chosen, chosen_expr) = if which { (tv, t) } else { (fv, f) };
        if chosen.is_null() || matches!(result_ty, Type::Dynamic) {
            return Ok(chosen.mark_if(marked));
        }
        let which_name = if which { "true" } else { "false" };
        let converted = convert(chosen, &result_ty).map_err(|e| {
            self.fail(
                "Inconsistent conditional result types",
                format!(
                    "The {which_name} result value has the wrong type: {}.",
                    e.message
                ),
                chosen_expr.span(),
            )
        })?;
        Ok(converted.mark_if(marked))
    }

    /// Elements of a collection for iteration: (key, value) pairs.
    pub(crate) fn iteration_pairs(
        &self,
        coll: Value,
        span: Option<Range<usize>>,
        what: &str,
    ) -> R<Result<Vec<(Value, Value)>, ()>> {
        match coll {
            Value::Null => Err(self.fail(
                "Iteration over null value",
                format!("A null value cannot be used as the collection in a '{what}' expression."),
                span,
            )),
            Value::Unknown(_) => Ok(Err(())),
            Value::List(v) | Value::Tuple(v) => Ok(Ok(v
                .into_iter()
                .enumerate()
                .map(|(i, e)| (Value::int(i as i64), e))
                .collect())),
            Value::Set(v) => Ok(Ok(v.into_iter().map(|e| (e.clone(), e)).collect())),
            Value::Map(m) | Value::Object(m) => Ok(Ok(m
                .into_iter()
                .map(|(k, e)| (Value::String(k), e))
                .collect())),
            other => Err(self.fail(
                "Iteration over non-iterable value",
                format!(
                    "A value of type {} cannot be used as the collection in a '{what}' expression.",
                    other.ty().friendly_name()
                ),
                span,
            )),
        }
    }

    fn eval_for(&mut self, f: &'a ForExpr, _span: Option<Range<usize>>) -> R<Value> {
        let coll = self.eval(&f.intro.collection_expr)?;
        let (coll, cm) = coll.unmark();
        let mut marked = cm;
        let pairs = match self.iteration_pairs(coll, f.intro.collection_expr.span(), "for")? {
            Ok(p) => p,
            Err(()) => return Ok(Value::Unknown(Type::Dynamic).mark_if(marked)),
        };
        let key_name: Option<&'a str> = f.intro.key_var.as_ref().map(|k| k.value().as_str());
        let value_name: &'a str = f.intro.value_var.value().as_str();
        let mut c = Collect::default();
        let mut unknown = false;
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in pairs {
            let base = self.scopes.len();
            if let Some(kn) = key_name {
                self.scopes.push((kn, k));
            }
            self.scopes.push((value_name, v));
            let r = self.for_item(f, &mut marked, &mut unknown);
            self.scopes.truncate(base);
            let Some(item) = c.take(r) else { continue };
            let Some((key, value)) = item else { continue };
            match key {
                None => list.push(value),
                Some((key, key_span)) => {
                    if f.grouping {
                        groups.entry(key).or_default().push(value);
                    } else {
                        match map.entry(key) {
                            std::collections::btree_map::Entry::Occupied(o) => {
                                let key = o.key();
                                c.take::<()>(Err(self.fail(
                                    "Duplicate object key",
                                    format!(
                                        "Two different items produced the key \"{key}\" in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key."
                                    ),
                                    key_span,
                                )));
                            }
                            std::collections::btree_map::Entry::Vacant(v) => {
                                v.insert(value);
                            }
                        }
                    }
                }
            }
        }
        c.finish()?;
        if unknown {
            return Ok(Value::Unknown(Type::Dynamic).mark_if(marked));
        }
        let result = if f.key_expr.is_none() {
            Value::Tuple(list)
        } else if f.grouping {
            Value::Object(
                groups
                    .into_iter()
                    .map(|(k, vs)| (k, Value::Tuple(vs)))
                    .collect(),
            )
        } else {
            Value::Object(map)
        };
        Ok(result.mark_if(marked))
    }

    /// One iteration of a `for` expression: `None` when filtered out or
    /// unknown, else the key (object form) and value.
    #[allow(clippy::type_complexity)]
    fn for_item(
        &mut self,
        f: &'a ForExpr,
        marked: &mut bool,
        unknown: &mut bool,
    ) -> R<Option<(Option<(String, Option<Range<usize>>)>, Value)>> {
        if let Some(cond) = &f.cond {
            let cv = self.eval(&cond.expr)?;
            let (cv, m) = cv.unmark_deep();
            *marked |= m;
            if cv.is_null() {
                return Err(self.fail(
                    "Condition is null",
                    "The value of the 'if' clause must not be null.",
                    cond.expr.span(),
                ));
            }
            if !cv.is_known() {
                *unknown = true;
                return Ok(None);
            }
            let b = prim::to_bool(&cv).map_err(|msg| {
                self.fail(
                    "Invalid 'for' condition",
                    format!("The 'if' clause value is invalid: {msg}."),
                    cond.expr.span(),
                )
            })?;
            if !b {
                return Ok(None);
            }
        }
        let key = match &f.key_expr {
            None => None,
            Some(ke) => {
                let kv = self.eval(ke)?;
                let (kv, m) = kv.unmark_deep();
                *marked |= m;
                if kv.is_null() {
                    return Err(self.fail(
                        "Invalid object key",
                        "Key expression in 'for' expression must not produce a null value.",
                        ke.span(),
                    ));
                }
                if !kv.is_known() {
                    *unknown = true;
                    return Ok(None);
                }
                let s = prim::to_string(&kv).map_err(|msg| {
                    self.fail(
                        "Invalid object key",
                        format!("The key expression produced an invalid result: {msg}."),
                        ke.span(),
                    )
                })?;
                Some((s, ke.span()))
            }
        };
        let value = self.eval(&f.value_expr)?;
        Ok(Some((key, value)))
    }

    pub(crate) fn lookup_scope(&self, name: &str) -> Option<&Value> {
        self.scopes
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    pub(crate) fn ident_str(id: &'a Ident) -> &'a str {
        id.as_str()
    }
}

enum Operand {
    Null,
    Unknown,
    Bool(bool),
    Num(Number),
}

/// The type in Terraform's console layout, as the console's `type()`
/// prints it: `string`, `list(number)`, and multi-line `object({...})` /
/// `tuple([...])` with four-space indentation.
pub fn type_console_string(ty: &Type) -> String {
    let mut out = String::new();
    write_type(ty, 0, &mut out);
    out
}

fn write_type(ty: &Type, indent: usize, out: &mut String) {
    let pad = |n: usize| " ".repeat(n * 4);
    match ty {
        Type::Tuple(ts) => {
            if ts.is_empty() {
                out.push_str("tuple([])");
                return;
            }
            out.push_str("tuple([\n");
            for t in ts {
                out.push_str(&pad(indent + 1));
                write_type(t, indent + 1, out);
                out.push_str(",\n");
            }
            out.push_str(&pad(indent));
            out.push_str("])");
        }
        Type::Object(o) => {
            if o.attrs.is_empty() {
                out.push_str("object({})");
                return;
            }
            out.push_str("object({\n");
            for (k, t) in &o.attrs {
                out.push_str(&pad(indent + 1));
                out.push_str(k);
                out.push_str(": ");
                if o.optional.contains_key(k) {
                    out.push_str("optional(");
                    write_type(t, indent + 1, out);
                    out.push(')');
                } else {
                    write_type(t, indent + 1, out);
                }
                out.push_str(",\n");
            }
            out.push_str(&pad(indent));
            out.push_str("})");
        }
        Type::List(t) => {
            out.push_str("list(");
            write_type(t, indent, out);
            out.push(')');
        }
        Type::Set(t) => {
            out.push_str("set(");
            write_type(t, indent, out);
            out.push(')');
        }
        Type::Map(t) => {
            out.push_str("map(");
            write_type(t, indent, out);
            out.push(')');
        }
        other => out.push_str(&other.to_string()),
    }
}
