//! Type constraints of `variable` blocks: `string`, `list(T)`,
//! `object({a = optional(T, default)})`, ... with Terraform's diagnostics.

use crate::context::EvalContext;
use crate::eval::MAX_DEPTH;
use gitform_value::convert::convert;
use gitform_value::{Diagnostic, Diagnostics, ObjectType, SourceFile, Type};
use hcl_edit::expr::{Expression, FuncCall, ObjectKey};
use hcl_edit::Span;
use std::collections::BTreeMap;
use std::ops::Range;

/// Parses a type constraint expression. Optional attributes and their
/// defaults (converted to the attribute type) go in [`ObjectType::optional`].
pub fn parse_type_constraint(expr: &Expression, file: &SourceFile) -> Result<Type, Diagnostics> {
    let p = Parser { file };
    p.ty(expr, 0).map_err(|d| Diagnostics::from(*d))
}

struct Parser<'f> {
    file: &'f SourceFile,
}

const INVALID: &str = "Invalid type specification";

impl Parser<'_> {
    fn err(&self, detail: impl Into<String>, span: Option<Range<usize>>) -> Box<Diagnostic> {
        self.err_summary(INVALID, detail, span)
    }

    fn err_summary(
        &self,
        summary: &str,
        detail: impl Into<String>,
        span: Option<Range<usize>>,
    ) -> Box<Diagnostic> {
        let range = span
            .filter(|s| s.end <= self.file.text.len())
            .map(|s| self.file.range(s));
        Box::new(Diagnostic::error(summary, detail).with_range(range))
    }

    fn ty(&self, e: &Expression, depth: usize) -> Result<Type, Box<Diagnostic>> {
        if depth > MAX_DEPTH {
            return Err(self.err("This type specification is nested too deeply.", e.span()));
        }
        match e {
            Expression::Variable(id) => match id.value().as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "any" => Ok(Type::Dynamic),
                // Terraform still accepts the bare legacy forms.
                "list" => Ok(Type::list(Type::Dynamic)),
                "map" => Ok(Type::map(Type::Dynamic)),
                "set" => Err(self.err("The set type constructor requires one argument specifying the element type.", e.span())),
                "tuple" => Err(self.err(
                    "The tuple type constructor requires one argument specifying the element types as a list.",
                    e.span(),
                )),
                "object" => Err(self.err(
                    "The object type constructor requires one argument specifying the attribute types and values as a map.",
                    e.span(),
                )),
                other => Err(self.err(format!("The keyword \"{other}\" is not a valid type specification."), e.span())),
            },
            Expression::FuncCall(call) => self.call(call, e.span(), depth),
            Expression::String(s) => Err(self.quoted(s.value(), e.span())),
            Expression::StringTemplate(_) => Err(self.quoted("...", e.span())),
            _ => Err(self.err(
                "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
                e.span(),
            )),
        }
    }

    fn quoted(&self, text: &str, span: Option<Range<usize>>) -> Box<Diagnostic> {
        self.err_summary(
            "Invalid quoted type constraints",
            format!("Terraform 0.11 and earlier required type constraints to be given in quotes, but that form is now deprecated and will be removed in a future version of Terraform. Remove the quotes around \"{text}\"."),
            span,
        )
    }

    fn call(
        &self,
        call: &FuncCall,
        span: Option<Range<usize>>,
        depth: usize,
    ) -> Result<Type, Box<Diagnostic>> {
        let name = call.name.name.value().as_str();
        let args: Vec<&Expression> = call.args.iter().collect();
        if call.name.is_namespaced() {
            return Err(self.err(
                format!("Keyword \"{name}\" is not a valid type constructor."),
                span,
            ));
        }
        match name {
            "list" | "set" | "map" => {
                let [arg] = args.as_slice() else {
                    return Err(self.err(
                        format!("The {name} type constructor requires one argument specifying the element type."),
                        span,
                    ));
                };
                let elem = self.ty(arg, depth + 1)?;
                Ok(match name {
                    "list" => Type::list(elem),
                    "set" => Type::set(elem),
                    _ => Type::map(elem),
                })
            }
            "tuple" => {
                let elems = match args.as_slice() {
                    [Expression::Array(items)] => items,
                    [_] => return Err(self.err("Tuple type constructor requires a list of element types.", span)),
                    _ => {
                        return Err(self.err(
                            "The tuple type constructor requires one argument specifying the element types as a list.",
                            span,
                        ))
                    }
                };
                let mut out = Vec::with_capacity(elems.len());
                for item in elems.iter() {
                    out.push(self.ty(item, depth + 1)?);
                }
                Ok(Type::Tuple(out))
            }
            "object" => {
                let obj = match args.as_slice() {
                    [Expression::Object(obj)] => obj,
                    [_] => {
                        return Err(self.err(
                            "Object type constructor requires a map whose keys are attribute names and whose values are the corresponding attribute types.",
                            span,
                        ))
                    }
                    _ => {
                        return Err(self.err(
                            "The object type constructor requires one argument specifying the attribute types and values as a map.",
                            span,
                        ))
                    }
                };
                let mut ot = ObjectType {
                    attrs: BTreeMap::new(),
                    optional: BTreeMap::new(),
                };
                for (k, v) in obj.iter() {
                    let ObjectKey::Ident(id) = k else {
                        return Err(self.err(
                            "Object constructor map keys must be attribute names.",
                            k.span(),
                        ));
                    };
                    let attr = id.value().as_str().to_string();
                    match v.expr() {
                        Expression::FuncCall(oc)
                            if !oc.name.is_namespaced()
                                && oc.name.name.value().as_str() == "optional" =>
                        {
                            let (t, default) = self.optional(oc, v.expr().span(), depth)?;
                            ot.attrs.insert(attr.clone(), t);
                            ot.optional.insert(attr, default);
                        }
                        other => {
                            ot.attrs.insert(attr, self.ty(other, depth + 1)?);
                        }
                    }
                }
                Ok(Type::Object(ot))
            }
            "optional" => Err(self.err(
                "Keyword \"optional\" is valid only as a modifier for object type attributes.",
                span,
            )),
            "any" => Err(self.err(
                "Type constraint keyword \"any\" does not expect arguments.",
                span,
            )),
            "string" | "number" | "bool" => Err(self.err(
                format!("Primitive type keyword \"{name}\" does not expect arguments."),
                span,
            )),
            other => Err(self.err(
                format!("Keyword \"{other}\" is not a valid type constructor."),
                span,
            )),
        }
    }

    fn optional(
        &self,
        call: &FuncCall,
        span: Option<Range<usize>>,
        depth: usize,
    ) -> Result<(Type, Option<gitform_value::Value>), Box<Diagnostic>> {
        let args: Vec<&Expression> = call.args.iter().collect();
        match args.as_slice() {
            [t] => Ok((self.ty(t, depth + 1)?, None)),
            [t, d] => {
                let ty = self.ty(t, depth + 1)?;
                let ctx = EvalContext::literal_only();
                let v = crate::eval::eval(d, &ctx, self.file)
                    .map_err(|ds| match ds.0.into_iter().next() {
                        Some(first) => Box::new(first),
                        None => self.err("Invalid default value.", d.span()),
                    })?;
                let v = convert(v, &ty).map_err(|e| {
                    self.err_summary(
                        "Invalid default value for optional attribute",
                        format!("This default value is not compatible with the attribute's type constraint: {}.", e.message),
                        d.span(),
                    )
                })?;
                Ok((ty, Some(v)))
            }
            [] => Err(self.err("Optional attribute modifier requires the attribute type as its argument.", span)),
            _ => Err(self.err(
                "Optional attribute modifier expects at most two arguments: the attribute type, and a default value.",
                span,
            )),
        }
    }
}
