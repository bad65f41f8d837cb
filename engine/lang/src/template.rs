//! String templates and heredocs: interpolations, `%{if}` / `%{for}`
//! directives, `~` strip markers and `<<-` indentation removal.
//!
//! HCL applies strip markers and heredoc indentation to a flat sequence of
//! template tokens in which heredoc literals are split at line ends, before
//! building the directive tree. hcl-edit instead dedents nested templates
//! in its own way and leaves strip markers alone, so this module rebuilds
//! HCL's token sequence (taking heredoc literals from the source text),
//! applies both rules, and renders the resulting tree.

use crate::eval::{Collect, Evaluator, R};
use crate::prim;
use gitform_value::{SourceFile, Type, Value};
use hcl_edit::expr::Expression;
use hcl_edit::template::{Directive, Element, ForDirective, IfDirective, Strip, Template};
use hcl_edit::Span;
use std::ops::Range;

/// One token of HCL's flat template sequence.
enum Tok<'a> {
    Lit(String),
    Interp(&'a Expression, Strip),
    If(&'a IfDirective),
    Else(Strip),
    EndIf(Strip),
    For(&'a ForDirective),
    EndFor(Strip),
}

impl Tok<'_> {
    /// (strip the literal before, strip the literal after)
    fn strips(&self) -> (bool, bool) {
        let s = match self {
            Tok::Lit(_) => return (false, false),
            Tok::Interp(_, s) | Tok::Else(s) | Tok::EndIf(s) | Tok::EndFor(s) => *s,
            Tok::If(d) => d.if_expr.strip,
            Tok::For(d) => d.for_expr.strip,
        };
        (s.strip_start(), s.strip_end())
    }
}

/// The template as a tree of literal text and dynamic parts, ready to render.
enum Node<'a> {
    Lit(String),
    Interp(&'a Expression),
    If {
        cond: &'a Expression,
        then: Vec<Node<'a>>,
        otherwise: Vec<Node<'a>>,
    },
    For {
        d: &'a ForDirective,
        body: Vec<Node<'a>>,
    },
}

struct Flattener<'a, 'f> {
    file: &'f SourceFile,
    heredoc: bool,
    toks: Vec<Tok<'a>>,
}

impl<'a> Flattener<'a, '_> {
    fn literal(&mut self, value: &str, span: Option<Range<usize>>) {
        if !self.heredoc {
            self.toks.push(Tok::Lit(value.to_string()));
            return;
        }
        // Heredoc literals come from the source (hcl-edit may have dedented
        // them); only the `$${` and `%%{` escapes apply in heredocs.
        let raw = span
            .and_then(|s| self.file.text.get(s))
            .map(|t| t.replace("$${", "${").replace("%%{", "%{"))
            .unwrap_or_else(|| value.to_string());
        for line in raw.split_inclusive('\n') {
            self.toks.push(Tok::Lit(line.to_string()));
        }
    }

    fn template(&mut self, t: &'a Template) {
        for el in t.iter() {
            match el {
                Element::Literal(s) => self.literal(s.value(), s.span()),
                Element::Interpolation(i) => self.toks.push(Tok::Interp(&i.expr, i.strip)),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        self.toks.push(Tok::If(d));
                        self.template(&d.if_expr.template);
                        if let Some(e) = &d.else_expr {
                            self.toks.push(Tok::Else(e.strip));
                            self.template(&e.template);
                        }
                        self.toks.push(Tok::EndIf(d.endif_expr.strip));
                    }
                    Directive::For(d) => {
                        self.toks.push(Tok::For(d));
                        self.template(&d.for_expr.template);
                        self.toks.push(Tok::EndFor(d.endfor_expr.strip));
                    }
                },
            }
        }
    }
}

fn apply_strips(toks: &mut [Tok<'_>]) {
    for i in 0..toks.len() {
        let (before, after) = toks.get(i).map_or((false, false), Tok::strips);
        if before && i > 0 {
            if let Some(Tok::Lit(s)) = toks.get_mut(i - 1) {
                let keep = s.trim_end().len();
                s.truncate(keep);
            }
        }
        if after {
            if let Some(Tok::Lit(s)) = toks.get_mut(i + 1) {
                *s = s.trim_start().to_string();
            }
        }
    }
}

/// HCL's flush-heredoc rule: find the smallest whitespace prefix among the
/// line-leading literals (blank lines aside) and remove it from all of them.
fn flush_heredoc(toks: &mut [Tok<'_>]) {
    let mut min = usize::MAX;
    let mut newline = true;
    let mut adjust = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if newline {
            newline = false;
            let spaces = match t {
                Tok::Lit(s) => {
                    let trimmed = s.trim_start();
                    if trimmed.is_empty() && s.ends_with('\n') {
                        usize::MAX
                    } else {
                        adjust.push(i);
                        s[..s.len() - trimmed.len()].chars().count()
                    }
                }
                _ => 0,
            };
            min = min.min(spaces);
        }
        if let Tok::Lit(s) = t {
            if s.ends_with('\n') {
                newline = true;
            }
        }
    }
    if min == usize::MAX || min == 0 {
        return;
    }
    for i in adjust {
        if let Some(Tok::Lit(s)) = toks.get_mut(i) {
            let cut = s.char_indices().nth(min).map_or(s.len(), |(b, _)| b);
            s.replace_range(..cut, "");
        }
    }
}

/// Rebuilds the directive tree from the flat tokens.
fn build<'a>(toks: &mut std::iter::Peekable<std::vec::IntoIter<Tok<'a>>>) -> Vec<Node<'a>> {
    let mut out = Vec::new();
    while let Some(t) = toks.peek() {
        if matches!(t, Tok::Else(_) | Tok::EndIf(_) | Tok::EndFor(_)) {
            break;
        }
        let Some(t) = toks.next() else { break };
        match t {
            Tok::Lit(s) => out.push(Node::Lit(s)),
            Tok::Interp(e, _) => out.push(Node::Interp(e)),
            Tok::If(d) => {
                let then = build(toks);
                let mut otherwise = Vec::new();
                if matches!(toks.peek(), Some(Tok::Else(_))) {
                    toks.next();
                    otherwise = build(toks);
                }
                if matches!(toks.peek(), Some(Tok::EndIf(_))) {
                    toks.next();
                }
                out.push(Node::If {
                    cond: &d.if_expr.cond_expr,
                    then,
                    otherwise,
                });
            }
            Tok::For(d) => {
                let body = build(toks);
                if matches!(toks.peek(), Some(Tok::EndFor(_))) {
                    toks.next();
                }
                out.push(Node::For { d, body });
            }
            Tok::Else(_) | Tok::EndIf(_) | Tok::EndFor(_) => {}
        }
    }
    out
}

/// What rendering found besides text.
#[derive(Default)]
struct RenderState {
    out: String,
    marked: bool,
    unknown: bool,
}

impl<'a> Evaluator<'a> {
    /// Evaluates a quoted template (`heredoc` false) or a heredoc.
    pub(crate) fn eval_template(
        &mut self,
        t: &'a Template,
        heredoc: bool,
        span: Option<Range<usize>>,
    ) -> R<Value> {
        // A template that is a single interpolation yields its value as is.
        if let Some(Element::Interpolation(i)) = t.as_single_element() {
            return self.eval(&i.expr);
        }
        let mut f = Flattener {
            file: self.file,
            heredoc,
            toks: Vec::new(),
        };
        f.template(t);
        let mut toks = f.toks;
        apply_strips(&mut toks);
        let flush = heredoc
            && span
                .and_then(|s| self.file.text.get(s))
                .is_some_and(|text| text.starts_with("<<-"));
        if flush {
            flush_heredoc(&mut toks);
        }
        let nodes = build(&mut toks.into_iter().peekable());
        let mut st = RenderState::default();
        self.render(&nodes, &mut st)?;
        let v = if st.unknown {
            Value::Unknown(Type::String)
        } else {
            Value::String(st.out)
        };
        Ok(v.mark_if(st.marked))
    }

    fn render(&mut self, nodes: &[Node<'a>], st: &mut RenderState) -> R<()> {
        let mut c = Collect::default();
        for n in nodes {
            let r = match n {
                Node::Lit(s) => {
                    st.out.push_str(s);
                    Ok(())
                }
                Node::Interp(e) => self.interpolate(e, st),
                Node::If {
                    cond,
                    then,
                    otherwise,
                } => self.render_if(cond, then, otherwise, st),
                Node::For { d, body } => self.render_for(d, body, st),
            };
            c.take(r);
        }
        c.finish()
    }

    fn interpolate(&mut self, e: &'a Expression, st: &mut RenderState) -> R<()> {
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

    fn render_if(
        &mut self,
        cond: &'a Expression,
        then: &[Node<'a>],
        otherwise: &[Node<'a>],
        st: &mut RenderState,
    ) -> R<()> {
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
        self.render(if b { then } else { otherwise }, st)
    }

    fn render_for(
        &mut self,
        d: &'a ForDirective,
        body: &[Node<'a>],
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
            let r = self.render(body, st);
            self.scopes.truncate(base);
            c.take(r);
        }
        c.finish()
    }
}
