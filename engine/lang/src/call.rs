//! Function calls: argument expansion, the lazy special forms `try` and
//! `can`, the console-only `type`, and Terraform's call diagnostics.

use crate::eval::{type_console_string, Collect, Evaluator, Fail, R};
use crate::suggest::did_you_mean;
use gitform_functions::FuncError;
use gitform_value::{Diagnostic, Type, Value};
use hcl_edit::expr::{Expression, FuncCall};
use hcl_edit::Span;
use std::ops::Range;

fn with_period(s: &str) -> String {
    if s.ends_with('.') {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

fn range_text(d: &Diagnostic) -> Option<String> {
    d.range.as_ref().map(|r| {
        format!(
            "{}:{},{}-{}",
            r.filename, r.start.line, r.start.column, r.end.column
        )
    })
}

impl<'a> Evaluator<'a> {
    pub(crate) fn eval_call(&mut self, call: &'a FuncCall, span: Option<Range<usize>>) -> R<Value> {
        let mut name = String::new();
        for ns in &call.name.namespace {
            name.push_str(ns.value().as_str());
            name.push_str("::");
        }
        name.push_str(call.name.name.value().as_str());
        let name_span = call.name.name.span();
        if !self.ctx.allow_functions {
            return Err(self.fatal(
                "Function calls not allowed",
                "Functions may not be called here.",
                span,
            ));
        }
        let args: Vec<&'a Expression> = call.args.iter().collect();
        let plain = !call.name.is_namespaced();
        if plain && name == "try" {
            return self.eval_try(&args, span);
        }
        if plain && name == "can" {
            return self.eval_can(&args, span);
        }
        if plain && name == "type" && self.ctx.console_type_function {
            let [arg] = args.as_slice() else {
                return Err(self.fail(
                    "Invalid function call",
                    "Function \"type\" expects 1 argument.",
                    span,
                ));
            };
            let v = self.eval(arg)?;
            return Ok(Value::String(type_console_string(&v.ty())));
        }
        if !gitform_functions::table().contains_key(name.as_str()) {
            let e = FuncError::UnknownFunction(name.clone());
            return Err(self.func_error(&name, e, span, name_span, &args, args.len()));
        }
        let mut c = Collect::default();
        let mut vals = Vec::with_capacity(args.len());
        for a in &args {
            if let Some(v) = c.take(self.eval(a)) {
                vals.push(v);
            }
        }
        c.finish()?;
        if call.args.expand_final() {
            let last_span = args.last().and_then(|a| a.span());
            let Some(last) = vals.pop() else {
                return Err(self.fail(
                    "Invalid expanding argument value",
                    "There is no argument to expand.",
                    span,
                ));
            };
            let (last, marked) = last.unmark();
            match last {
                Value::Null => {
                    return Err(self.fail(
                        "Invalid expanding argument value",
                        "The expanding argument (indicated by ...) must not be null.",
                        last_span,
                    ))
                }
                Value::Unknown(_) => return Ok(Value::Unknown(Type::Dynamic).mark_if(marked)),
                Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                    vals.extend(items.into_iter().map(|v| v.mark_if(marked)));
                }
                _ => {
                    return Err(self.fail(
                        "Invalid expanding argument value",
                        "The expanding argument (indicated by ...) must be of a tuple, list, or set type.",
                        last_span,
                    ))
                }
            }
        }
        let given = vals.len();
        gitform_functions::call(&name, vals, &self.ctx.func)
            .map_err(|e| self.func_error(&name, e, span, name_span, &args, given))
    }

    fn func_error(
        &self,
        name: &str,
        e: FuncError,
        span: Option<Range<usize>>,
        name_span: Option<Range<usize>>,
        args: &[&'a Expression],
        given: usize,
    ) -> Fail {
        let spec = gitform_functions::table().get(name);
        let param_name = |i: usize| -> String {
            spec.and_then(|s| s.params.get(i).or(s.variadic.as_ref()))
                .map(|p| p.name.to_string())
                .unwrap_or_else(|| format!("#{}", i + 1))
        };
        let arg_span = |i: usize| args.get(i).and_then(|a| a.span()).or(span.clone());
        match e {
            FuncError::UnknownFunction(n) => {
                let mut names: Vec<&str> = gitform_functions::names().collect();
                names.extend(["try", "can"]);
                if self.ctx.console_type_function {
                    names.push("type");
                }
                let hint = did_you_mean(&n, names).unwrap_or_default();
                self.fatal(
                    "Call to unknown function",
                    format!("There is no function named \"{n}\".{hint}"),
                    name_span.or(span),
                )
            }
            FuncError::Arity { message } => {
                // Terraform's wording, from the function's parameters.
                let Some(spec) = spec else {
                    return self.fail("Invalid function call", message, span);
                };
                let fixed = spec.params.len();
                if given < fixed {
                    let missing = spec.params.get(given).map_or("", |p| p.name);
                    self.fail(
                        "Not enough function arguments",
                        format!("Function \"{name}\" expects {fixed} argument(s). Missing value for \"{missing}\"."),
                        span,
                    )
                } else {
                    self.fail(
                        "Too many function arguments",
                        format!("Function \"{name}\" expects only {fixed} argument(s)."),
                        span,
                    )
                }
            }
            FuncError::Arg {
                arg,
                param,
                message,
            } => self.fail(
                "Invalid function argument",
                format!(
                    "Invalid value for \"{param}\" parameter: {}",
                    with_period(&message)
                ),
                arg_span(arg),
            ),
            FuncError::Call {
                arg: Some(i),
                message,
            } => self.fail(
                "Invalid function argument",
                format!(
                    "Invalid value for \"{}\" parameter: {}",
                    param_name(i),
                    with_period(&message)
                ),
                arg_span(i),
            ),
            FuncError::Call { arg: None, message } => self.fail(
                "Error in function call",
                format!(
                    "Call to function \"{name}\" failed: {}",
                    with_period(&message)
                ),
                span,
            ),
        }
    }

    /// `try(a, b, ...)`: the first argument that evaluates without error.
    fn eval_try(&mut self, args: &[&'a Expression], span: Option<Range<usize>>) -> R<Value> {
        if args.is_empty() {
            return Err(self.fail(
                "Error in function call",
                "Call to function \"try\" failed: at least one argument is required.",
                span,
            ));
        }
        let mut failures: Vec<Diagnostic> = Vec::new();
        for a in args {
            match self.eval(a) {
                Ok(v) if !v.is_wholly_known() => return Ok(Value::Unknown(Type::Dynamic)),
                Ok(v) => return Ok(v),
                Err(f) if f.fatal => return Err(f),
                Err(f) => failures.extend(f.diags),
            }
        }
        let mut detail =
            String::from("Call to function \"try\" failed: no expression succeeded:\n");
        for d in &failures {
            match range_text(d) {
                Some(r) => detail.push_str(&format!("- {} (at {r})\n  {}\n", d.summary, d.detail)),
                None => detail.push_str(&format!("- {}\n  {}\n", d.summary, d.detail)),
            }
        }
        detail.push_str("\nAt least one expression must produce a successful result.");
        Err(self.fail("Error in function call", detail, span))
    }

    /// `can(x)`: whether `x` evaluates without error.
    fn eval_can(&mut self, args: &[&'a Expression], span: Option<Range<usize>>) -> R<Value> {
        let [arg] = args else {
            let summary = if args.is_empty() {
                "Not enough function arguments"
            } else {
                "Too many function arguments"
            };
            return Err(self.fail(
                summary,
                format!(
                    "Function \"can\" expects 1 argument, but {} were given.",
                    args.len()
                ),
                span,
            ));
        };
        match self.eval(arg) {
            Ok(v) if !v.is_wholly_known() => Ok(Value::Unknown(Type::Bool)),
            Ok(_) => Ok(Value::Bool(true)),
            Err(f) if f.fatal => Err(f),
            Err(_) => Ok(Value::Bool(false)),
        }
    }
}
