//! Every unevaluated expression of a loaded [`Module`], in declaration
//! order, child modules included: the input of the reference-extraction
//! benchmark and of the `parse_eval` fuzz target.

use gitform_config::{Body, CheckRule, Expr, IgnoreChanges, Module, NestedBlock};

/// All expressions of `module` and its loaded child modules.
pub fn module_expressions(module: &Module) -> Vec<&Expr> {
    let mut out = Vec::new();
    collect_module(module, &mut out);
    out
}

fn collect_module<'m>(m: &'m Module, out: &mut Vec<&'m Expr>) {
    if let Some(backend) = &m.terraform.backend {
        collect_body(&backend.body, out);
    }
    for p in &m.providers {
        collect_body(&p.body, out);
    }
    for v in &m.variables {
        out.extend(v.ty.iter().chain(&v.default));
        for rule in &v.validations {
            out.push(&rule.condition);
            out.push(&rule.error_message);
        }
    }
    out.extend(m.locals.iter().map(|l| &l.expr));
    for r in m.resources() {
        out.extend(r.count.iter().chain(&r.for_each).chain(&r.depends_on));
        let lc = &r.lifecycle;
        out.extend(
            lc.create_before_destroy
                .iter()
                .chain(&lc.prevent_destroy)
                .chain(&lc.replace_triggered_by),
        );
        if let IgnoreChanges::Paths(paths) = &lc.ignore_changes {
            out.extend(paths);
        }
        collect_rules(&lc.preconditions, out);
        collect_rules(&lc.postconditions, out);
        for p in &r.provisioners {
            collect_body(&p.body, out);
        }
        if let Some(c) = &r.connection {
            collect_body(&c.body, out);
        }
        collect_body(&r.body, out);
    }
    for o in &m.outputs {
        out.push(&o.value);
        out.extend(&o.depends_on);
        collect_rules(&o.preconditions, out);
    }
    for c in &m.module_calls {
        out.extend(c.count.iter().chain(&c.for_each).chain(&c.depends_on));
        collect_body(&c.inputs, out);
    }
    for child in m.children.values() {
        collect_module(child, out);
    }
}

fn collect_rules<'m>(rules: &'m [CheckRule], out: &mut Vec<&'m Expr>) {
    for rule in rules {
        out.push(&rule.condition);
        out.push(&rule.error_message);
    }
}

fn collect_body<'m>(body: &'m Body, out: &mut Vec<&'m Expr>) {
    out.extend(body.attributes.iter().map(|a| &a.expr));
    for block in &body.blocks {
        match block {
            NestedBlock::Static(b) => collect_body(&b.body, out),
            NestedBlock::Dynamic(d) => {
                out.push(&d.for_each);
                out.extend(&d.labels);
                collect_body(&d.content, out);
            }
        }
    }
}
