//! String templates and heredocs: interpolations, `%{if}` and `%{for}`
//! directives and `~` strip markers. hcl-edit already unescapes literals
//! and removes the indentation of `<<-` heredocs; stripping is done here.

use crate::eval::{Collect, Evaluator, R};
use crate::prim;
use gitform_value::{Type, Value};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span;
use std::ops::Range;

/// What rendering found besides text.
#[derive(Default)]
struct RenderState {
    out: String,
    marked: bool,
    unknown: bool,
}

fn strip_start(e: &Element) -> bool {
    match e {
        Element::Literal(_) => false,
        Element::Interpolation(i) => i.strip.strip_start(),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(d) => d.if_expr.strip.strip_start(),
            Directive::For(d) => d.for_expr.strip.strip_start(),
        },
    }
}

fn strip_end(e: &Element) -> bool {
    match e {
        Element::Literal(_) => false,
        Element::Interpolation(i) => i.strip.strip_end(),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(d) => d.endif_expr.strip.strip_end(),
            Directive::For(d) => d.endfor_expr.strip.strip_end(),
        },
    }
}

impl<'a> Evaluator<'a> {
    pub(crate) fn eval_template(
        &mut self,
        t: &'a Template,
        _span: Option<Range<usize>>,
    ) -> R<Value> {
        // A template that is a single interpolation yields its value as is.
        if let Some(Element::Interpolation(i)) = t.as_single_element() {
            return self.eval(&i.expr);
        }
        let mut st = RenderState::default();
        self.render(t, false, false, &mut st)?;
        let v = if st.unknown {
            Value::Unknown(Type::String)
        } else {
            Value::String(st.out)
        };
        Ok(v.mark_if(st.marked))
    }

    fn render(&mut self, t: &'a Template, lead: bool, trail: bool, st: &mut RenderState) -> R<()> {
        let elems: Vec<&'a Element> = t.iter().collect();
        let mut c = Collect::default();
        for (i, el) in elems.iter().enumerate() {
            match el {
                Element::Literal(s) => {
                    let strip_l = if i == 0 {
                        lead
                    } else {
                        elems.get(i - 1).is_some_and(|e| strip_end(e))
                    };
                    let strip_r = match elems.get(i + 1) {
                        None => trail,
                        Some(e) => strip_start(e),
                    };
                    let mut s: &str = s.value();
                    if strip_l {
                        s = s.trim_start();
                    }
                    if strip_r {
                        s = s.trim_end();
                    }
                    st.out.push_str(s);
                }
                Element::Interpolation(interp) => {
                    let r = self.interpolate(&interp.expr, st);
                    c.take(r);
                }
                Element::Directive(d) => {
                    let r = match d.as_ref() {
                        Directive::If(d) => self.render_if(d, st),
                        Directive::For(d) => self.render_for(d, st),
                    };
                    c.take(r);
                }
            }
        }
        c.finish()
    }

    fn interpolate(&mut self, e: &'a hcl_edit::expr::Expression, st: &mut RenderState) -> R<()> {
        let v = self.eval(e)?;
        let (v, m) = v.unmark_deep();
        st.marked |= m;
        if v.is_null() {
            return Err(self.fail(
                "Invalid template interpolation value",
                "The expression result is null. Cannot include a null value in a string template.",
                e.span(),
            ));
        }
        if !v.is_known() {
            if !matches!(
                v.ty(),
                Type::Dynamic | Type::String | Type::Number | Type::Bool
            ) {
                return Err(self.fail(
                    "Invalid template interpolation value",
                    "Cannot include the given value in a string template: string required.",
                    e.span(),
                ));
            }
            st.unknown = true;
            return Ok(());
        }
        let s = prim::to_string(&v).map_err(|m| {
            self.fail(
                "Invalid template interpolation value",
                format!("Cannot include the given value in a string template: {m}."),
                e.span(),
            )
        })?;
        st.out.push_str(&s);
        Ok(())
    }

    fn render_if(&mut self, d: &'a hcl_edit::template::IfDirective, st: &mut RenderState) -> R<()> {
        let cond = &d.if_expr.cond_expr;
        let cv = self.eval(cond)?;
        let (cv, m) = cv.unmark_deep();
        st.marked |= m;
        if cv.is_null() {
            return Err(self.fail(
                "Null condition",
                "The condition value is null. Conditions must either be true or false.",
                cond.span(),
            ));
        }
        if !cv.is_known() {
            st.unknown = true;
            return Ok(());
        }
        let b = prim::to_bool(&cv).map_err(|_| {
            self.fail(
                "Incorrect condition type",
                "The condition expression must be of type bool.",
                cond.span(),
            )
        })?;
        let endif_strip = d.endif_expr.strip.strip_start();
        if b {
            let trail = d
                .else_expr
                .as_ref()
                .map_or(endif_strip, |e| e.strip.strip_start());
            self.render(&d.if_expr.template, d.if_expr.strip.strip_end(), trail, st)
        } else if let Some(e) = &d.else_expr {
            self.render(&e.template, e.strip.strip_end(), endif_strip, st)
        } else {
            Ok(())
        }
    }

    fn render_for(
        &mut self,
        d: &'a hcl_edit::template::ForDirective,
        st: &mut RenderState,
    ) -> R<()> {
        let f = &d.for_expr;
        let coll = self.eval(&f.collection_expr)?;
        let (coll, m) = coll.unmark();
        st.marked |= m;
        let pairs = match self.iteration_pairs(coll, f.collection_expr.span(), "for")? {
            Ok(p) => p,
            Err(()) => {
                st.unknown = true;
                return Ok(());
            }
        };
        let key_name = f.key_var.as_ref().map(|k| k.value().as_str());
        let value_name = f.value_var.value().as_str();
        let mut c = Collect::default();
        for (k, v) in pairs {
            let base = self.scopes.len();
            if let Some(kn) = key_name {
                self.scopes.push((kn, k));
            }
            self.scopes.push((value_name, v));
            let r = self.render(
                &f.template,
                f.strip.strip_end(),
                d.endfor_expr.strip.strip_start(),
                st,
            );
            self.scopes.truncate(base);
            c.take(r);
        }
        c.finish()
    }
}
