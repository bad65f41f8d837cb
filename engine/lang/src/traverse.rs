//! References to root names, attribute access, indexing and splats.

use crate::eval::{Evaluator, R};
use crate::prim;
use crate::suggest::did_you_mean;
use gitform_value::{Number, Type, Value};
use hcl_edit::expr::{Expression, Traversal, TraversalOperator};
use hcl_edit::{Decorated, Ident, Span};
use std::ops::Range;

type Op = Decorated<TraversalOperator>;

fn span_join(a: Option<Range<usize>>, b: Option<Range<usize>>) -> Option<Range<usize>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.start.min(b.start)..a.end.max(b.end)),
        (a, None) => a,
        (None, b) => b,
    }
}

fn attr_name(op: Option<&Op>) -> Option<&str> {
    match op.map(|o| o.value()) {
        Some(TraversalOperator::GetAttr(id)) => Some(id.value().as_str()),
        _ => None,
    }
}

impl<'a> Evaluator<'a> {
    pub(crate) fn eval_variable(&mut self, id: &'a Ident, span: Option<Range<usize>>) -> R<Value> {
        let (v, _) = self.resolve_root(Evaluator::ident_str(id), span, &[])?;
        Ok(v)
    }

    pub(crate) fn eval_traversal(
        &mut self,
        t: &'a Traversal,
        _span: Option<Range<usize>>,
    ) -> R<Value> {
        let ops: &'a [Op] = &t.operators;
        let (base, consumed) = match &t.expr {
            Expression::Variable(id) => {
                self.resolve_root(id.value().as_str(), t.expr.span(), ops)?
            }
            other => (self.eval(other)?, 0),
        };
        self.apply_ops(base, ops.get(consumed..).unwrap_or(&[]))
    }

    /// Resolves a root name and the attribute steps that belong to it
    /// (`var.x`, `data.t.n`, `aws_instance.web`). Returns the value and how
    /// many operators were consumed.
    fn resolve_root(
        &mut self,
        name: &str,
        name_span: Option<Range<usize>>,
        ops: &'a [Op],
    ) -> R<(Value, usize)> {
        if let Some(v) = self.lookup_scope(name) {
            return Ok((v.clone(), 0));
        }
        if !self.ctx.allow_variables {
            return Err(self.fatal(
                "Variables not allowed",
                "Variables may not be used here.",
                name_span,
            ));
        }
        let op_span = |i: usize| {
            ops.get(i.min(ops.len().saturating_sub(1)))
                .and_then(|o| o.span())
        };
        let through = |i: usize| span_join(name_span.clone(), op_span(i));
        let module = self.ctx.module_description();
        let root = self.ctx.roots.get(name);
        match name {
            "var" | "local" => {
                let Some(attr) = attr_name(ops.first()) else {
                    return Err(self.fatal(
                        "Invalid reference",
                        format!("The \"{name}\" object cannot be accessed directly. Instead, access one of its attributes."),
                        through(0),
                    ));
                };
                match root.and_then(|r| r.get_attr(attr)) {
                    Some(v) => Ok((v.clone(), 1)),
                    None => {
                        let names = root.and_then(|r| r.as_entries()).map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
                        let hint = did_you_mean(attr, names.iter().map(String::as_str));
                        let (summary, detail) = if name == "var" {
                            let extra = hint.unwrap_or_else(|| {
                                format!(" This variable can be declared with a variable \"{attr}\" {{}} block.")
                            });
                            (
                                "Reference to undeclared input variable",
                                format!("An input variable with the name \"{attr}\" has not been declared.{extra}"),
                            )
                        } else {
                            (
                                "Reference to undeclared local value",
                                format!("A local value with the name \"{attr}\" has not been declared.{}", hint.unwrap_or_default()),
                            )
                        };
                        Err(self.fatal(summary, detail, through(0)))
                    }
                }
            }
            "data" => {
                let (Some(ty), Some(n)) = (attr_name(ops.first()), attr_name(ops.get(1))) else {
                    return Err(self.fatal(
                        "Invalid reference",
                        "The \"data\" object must be followed by two attribute names: the data source type and the resource name.",
                        through(1),
                    ));
                };
                match root.and_then(|r| r.get_attr(ty)).and_then(|r| r.get_attr(n)) {
                    Some(v) => Ok((v.clone(), 2)),
                    None => Err(self.fatal(
                        "Reference to undeclared resource",
                        format!("A data resource \"{ty}\" \"{n}\" has not been declared in {module}."),
                        through(1),
                    )),
                }
            }
            "module" => {
                let Some(m) = attr_name(ops.first()) else {
                    return Err(self.fatal(
                        "Invalid reference",
                        "The \"module\" object cannot be accessed directly. Instead, access one of its attributes.",
                        through(0),
                    ));
                };
                match root.and_then(|r| r.get_attr(m)) {
                    Some(v) => Ok((v.clone(), 1)),
                    None => {
                        let names = root.and_then(|r| r.as_entries()).map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
                        let hint = did_you_mean(m, names.iter().map(String::as_str)).unwrap_or_default();
                        Err(self.fatal(
                            "Reference to undeclared module",
                            format!("No module call named \"{m}\" is declared in {module}.{hint}"),
                            through(0),
                        ))
                    }
                }
            }
            "count" => {
                let attr = attr_name(ops.first());
                if attr != Some("index") {
                    return Err(self.fatal(
                        "Invalid \"count\" attribute",
                        format!(
                            "The \"count\" object does not have an attribute named \"{}\". The only supported attribute is count.index, which is the index of each instance of a resource block that has the \"count\" argument set.",
                            attr.unwrap_or_default()
                        ),
                        through(0),
                    ));
                }
                match root.and_then(|r| r.get_attr("index")) {
                    Some(v) => Ok((v.clone(), 1)),
                    None => Err(self.fatal(
                        "Reference to \"count\" in non-counted context",
                        "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.",
                        through(0),
                    )),
                }
            }
            "each" => {
                let attr = attr_name(ops.first());
                let Some(attr) = attr.filter(|a| *a == "key" || *a == "value") else {
                    return Err(self.fatal(
                        "Invalid \"each\" attribute",
                        format!(
                            "The \"each\" object does not have an attribute named \"{}\". The supported attributes are each.key and each.value, the current key and value pair of the \"for_each\" attribute set.",
                            attr.unwrap_or_default()
                        ),
                        through(0),
                    ));
                };
                match root.and_then(|r| r.get_attr(attr)) {
                    Some(v) => Ok((v.clone(), 1)),
                    None => Err(self.fatal(
                        "Reference to \"each\" in context without for_each",
                        "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.",
                        through(0),
                    )),
                }
            }
            "self" => match root {
                Some(v) => Ok((v.clone(), 0)),
                None => Err(self.fatal(
                    "Invalid \"self\" reference",
                    "The \"self\" object is not available in this context. This object can be used only in resource provisioner, connection, and postcondition blocks.",
                    name_span,
                )),
            },
            "path" | "terraform" => {
                let allowed: &[&str] = if name == "path" { &["cwd", "module", "root"] } else { &["applying", "workspace"] };
                let attr = attr_name(ops.first());
                match attr.filter(|a| allowed.contains(a)) {
                    Some(a) => {
                        let v = root.and_then(|r| r.get_attr(a)).cloned().unwrap_or_else(|| match a {
                            "workspace" => Value::from("default"),
                            "applying" => Value::Bool(false),
                            _ => Value::from("."),
                        });
                        Ok((v, 1))
                    }
                    None => {
                        let a = attr.unwrap_or_default();
                        let detail = if name == "path" {
                            format!(
                                "The \"path\" object does not have an attribute named \"{a}\".{}",
                                did_you_mean(a, allowed.iter().copied()).unwrap_or_default()
                            )
                        } else {
                            format!("The \"terraform\" object does not have an attribute named \"{a}\". The only supported attributes are terraform.workspace, the name of the currently-selected workspace, and terraform.applying, a boolean which is true only during apply.")
                        };
                        Err(self.fatal(&format!("Invalid \"{name}\" attribute"), detail, through(0)))
                    }
                }
            }
            resource_type => {
                let Some(n) = attr_name(ops.first()) else {
                    return Err(self.fatal(
                        "Invalid reference",
                        "A reference to a resource type must be followed by at least one attribute access, specifying the resource name.",
                        through(0),
                    ));
                };
                match root.and_then(|r| r.get_attr(n)) {
                    Some(v) => {
                        // `x[count.index]`, `x[each.key]`: index the value
                        // in place and clone only the element, not the
                        // whole resource (quadratic over a layered graph).
                        if let Some(op) = ops.get(1) {
                            if let TraversalOperator::Index(e) = op.value() {
                                let key = self.eval(e)?;
                                let found = match (v, key.unmarked()) {
                                    (Value::List(items) | Value::Tuple(items), Value::Number(i)) if !key.is_sensitive() => {
                                        i.to_i64().and_then(|i| usize::try_from(i).ok()).and_then(|i| items.get(i))
                                    }
                                    (Value::Object(m) | Value::Map(m), Value::String(k)) if !key.is_sensitive() => m.get(k),
                                    _ => None,
                                };
                                return match found {
                                    Some(el) => Ok((el.clone(), 2)),
                                    None => Ok((self.index(v.clone(), key, op.span())?, 2)),
                                };
                            }
                        }
                        Ok((v.clone(), 1))
                    }
                    None => Err(self.fatal(
                        "Reference to undeclared resource",
                        format!("A managed resource \"{resource_type}\" \"{n}\" has not been declared in {module}."),
                        through(0),
                    )),
                }
            }
        }
    }

    pub(crate) fn apply_ops(&mut self, mut v: Value, ops: &'a [Op]) -> R<Value> {
        let mut i = 0;
        while let Some(op) = ops.get(i) {
            match op.value() {
                TraversalOperator::GetAttr(id) => {
                    v = self.get_attr(v, id.value().as_str(), op.span())?
                }
                TraversalOperator::Index(e) => {
                    let key = self.eval(e)?;
                    v = self.index(v, key, op.span())?;
                }
                TraversalOperator::LegacyIndex(n) => {
                    let key = Value::Number(Number::from_u64(*n.value()));
                    v = self.index(v, key, op.span())?;
                }
                TraversalOperator::FullSplat(_) => {
                    return self.splat(v, ops.get(i + 1..).unwrap_or(&[]));
                }
                TraversalOperator::AttrSplat(_) => {
                    // The legacy splat applies only the attribute steps that follow it.
                    let mut j = i + 1;
                    while matches!(
                        ops.get(j).map(|o| o.value()),
                        Some(TraversalOperator::GetAttr(_) | TraversalOperator::LegacyIndex(_))
                    ) {
                        j += 1;
                    }
                    v = self.splat(v, ops.get(i + 1..j).unwrap_or(&[]))?;
                    i = j;
                    continue;
                }
            }
            i += 1;
        }
        Ok(v)
    }

    fn splat(&mut self, v: Value, ops: &'a [Op]) -> R<Value> {
        let (v, marked) = v.unmark();
        let result = match v {
            Value::Unknown(_) => Value::Unknown(Type::Dynamic),
            Value::Null => Value::Tuple(Vec::new()),
            Value::List(items) | Value::Set(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.apply_ops(item, ops)?);
                }
                Value::List(out)
            }
            Value::Tuple(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.apply_ops(item, ops)?);
                }
                Value::Tuple(out)
            }
            other => Value::Tuple(vec![self.apply_ops(other, ops)?]),
        };
        Ok(result.mark_if(marked))
    }

    pub(crate) fn get_attr(&self, v: Value, name: &str, span: Option<Range<usize>>) -> R<Value> {
        let (v, marked) = v.unmark();
        let result = match v {
            Value::Null => {
                return Err(self.fail(
                    "Attempt to get attribute from null value",
                    "This value is null, so it does not have any attributes.",
                    span,
                ))
            }
            Value::Unknown(ty) => Value::Unknown(match ty {
                Type::Object(o) => match o.attrs.get(name) {
                    Some(t) => t.clone(),
                    None => {
                        return Err(self.fail(
                            "Unsupported attribute",
                            format!("This object does not have an attribute named \"{name}\"."),
                            span,
                        ))
                    }
                },
                Type::Map(t) => *t,
                _ => Type::Dynamic,
            }),
            Value::Object(mut m) => match m.remove(name) {
                Some(v) => v,
                None => {
                    let hint = did_you_mean(name, m.keys().map(String::as_str)).unwrap_or_default();
                    return Err(self.fail(
                        "Unsupported attribute",
                        format!("This object does not have an attribute named \"{name}\".{hint}"),
                        span,
                    ));
                }
            },
            Value::Map(mut m) => match m.remove(name) {
                Some(v) => v,
                None => {
                    return Err(self.fail(
                        "Missing map element",
                        format!("This map does not have an element with the key \"{name}\"."),
                        span,
                    ))
                }
            },
            Value::List(_) | Value::Set(_) | Value::Tuple(_) => {
                return Err(self.fail(
                    "Unsupported attribute",
                    "This value does not have any attributes.",
                    span,
                ))
            }
            other => {
                return Err(self.fail(
                    "Unsupported attribute",
                    format!(
                        "Can't access attributes on a primitive-typed value ({}).",
                        other.ty().friendly_name()
                    ),
                    span,
                ))
            }
        };
        Ok(result.mark_if(marked))
    }

    pub(crate) fn index(&self, v: Value, key: Value, span: Option<Range<usize>>) -> R<Value> {
        let (v, vm) = v.unmark();
        let (key, km) = key.unmark_deep();
        let marked = vm || km;
        const NOT_FOUND: &str =
            "The given key does not identify an element in this collection value";
        if v.is_null() {
            return Err(self.fail(
                "Attempt to index null value",
                "This value is null, so it does not have any indices.",
                span,
            ));
        }
        if key.is_null() {
            return Err(self.fail(
                "Invalid index",
                "Can't use a null value as an indexing key.",
                span,
            ));
        }
        if let Value::Unknown(ty) = &v {
            let elem = match ty {
                Type::List(t) | Type::Map(t) => (**t).clone(),
                _ => Type::Dynamic,
            };
            return Ok(Value::Unknown(elem).mark_if(marked));
        }
        let result = match v {
            Value::List(items) | Value::Tuple(items) => {
                if !key.is_known() {
                    return Ok(Value::Unknown(Type::Dynamic).mark_if(marked));
                }
                let n = prim::to_number(&key)
                    .map_err(|m| self.fail("Invalid index", format!("{NOT_FOUND}: {m}."), span.clone()))?;
                if !n.is_integer() {
                    return Err(self.fail(
                        "Invalid index",
                        format!("{NOT_FOUND}: indexing a sequence requires a whole number, but the given index has a fractional part."),
                        span,
                    ));
                }
                if n < Number::zero() {
                    return Err(self.fail(
                        "Invalid index",
                        format!("{NOT_FOUND}: a negative number is not a valid index for a sequence."),
                        span,
                    ));
                }
                match n.to_i64().and_then(|i| usize::try_from(i).ok()).and_then(|i| items.into_iter().nth(i)) {
                    Some(v) => v,
                    None => return Err(self.fail("Invalid index", format!("{NOT_FOUND}."), span)),
                }
            }
            v @ (Value::Map(_) | Value::Object(_)) => {
                let is_object = matches!(v, Value::Object(_));
                let (Value::Map(mut m) | Value::Object(mut m)) = v else {
                    return Err(self.fail("Invalid index", "This value does not have any indices.", span));
                };
                if !key.is_known() {
                    return Ok(Value::Unknown(Type::Dynamic).mark_if(marked));
                }
                let k = prim::to_string(&key)
                    .map_err(|msg| self.fail("Invalid index", format!("{NOT_FOUND}: {msg}."), span.clone()))?;
                match m.remove(&k) {
                    Some(v) => v,
                    None => {
                        let detail = if is_object && matches!(key, Value::Number(_)) {
                            format!("{NOT_FOUND}. An object only supports looking up attributes by name, not by numeric index.")
                        } else {
                            format!("{NOT_FOUND}.")
                        };
                        return Err(self.fail("Invalid index", detail, span));
                    }
                }
            }
            Value::Set(_) => {
                return Err(self.fail(
                    "Invalid index",
                    "Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.",
                    span,
                ))
            }
            _ => return Err(self.fail("Invalid index", "This value does not have any indices.", span)),
        };
        Ok(result.mark_if(marked))
    }
}
