//! Shared helpers for the loader tests: stable text renderings of
//! diagnostics and of a loaded module, for snapshots.

#![allow(dead_code)]

use gitform_config::{Body, Expr, IgnoreChanges, Module, NestedBlock};
use gitform_value::{Diagnostics, Severity, SourceRange};
use std::fmt::Write;

pub fn range(r: &SourceRange) -> String {
    format!(
        "{}:{}:{}-{}:{}",
        r.filename, r.start.line, r.start.column, r.end.line, r.end.column
    )
}

pub fn diagnostics(d: &Diagnostics) -> String {
    let mut out = String::new();
    for d in d.iter() {
        let sev = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let at = d.range.as_ref().map(range).unwrap_or_else(|| "-".into());
        let _ = writeln!(out, "{sev}: {} @ {at}\n    {}", d.summary, d.detail);
    }
    out
}

fn expr(e: &Expr) -> String {
    format!(
        "`{}`@{}:{}",
        e.text().replace('\n', "\\n"),
        e.range().start.line,
        e.range().start.column
    )
}

fn opt(e: &Option<Expr>) -> String {
    e.as_ref().map(expr).unwrap_or_else(|| "-".into())
}

fn list(es: &[Expr]) -> String {
    format!("[{}]", es.iter().map(expr).collect::<Vec<_>>().join(", "))
}

fn body(b: &Body, indent: &str, out: &mut String) {
    for a in &b.attributes {
        let _ = writeln!(out, "{indent}{} = {}", a.name, expr(&a.expr));
    }
    for nb in &b.blocks {
        match nb {
            NestedBlock::Static(bl) => {
                let _ = writeln!(
                    out,
                    "{indent}block {} {:?} @{}",
                    bl.type_name,
                    bl.labels,
                    range(&bl.range)
                );
                body(&bl.body, &format!("{indent}  "), out);
            }
            NestedBlock::Dynamic(d) => {
                let _ = writeln!(
                    out,
                    "{indent}dynamic {} for_each={} iterator={} labels={} @{}",
                    d.type_name,
                    expr(&d.for_each),
                    d.iterator_name(),
                    opt(&d.labels),
                    range(&d.range)
                );
                body(&d.content, &format!("{indent}  "), out);
            }
        }
    }
}

pub fn module(m: &Module, indent: &str, out: &mut String) {
    let files: Vec<&str> = m.files.iter().map(|f| &*f.name).collect();
    let _ = writeln!(out, "{indent}files: {files:?}");
    let t = &m.terraform;
    for v in &t.required_versions {
        let _ = writeln!(out, "{indent}required_version {:?}", v.constraint);
    }
    for (n, p) in &t.required_providers {
        let aliases: Vec<String> = p
            .configuration_aliases
            .iter()
            .map(|a| format!("{}.{:?}", a.name, a.alias))
            .collect();
        let _ = writeln!(
            out,
            "{indent}required_provider {n} source={:?} version={:?} aliases={aliases:?}",
            p.source, p.version
        );
    }
    if let Some(b) = &t.backend {
        let _ = writeln!(out, "{indent}backend {}", b.type_name);
        body(&b.body, &format!("{indent}  "), out);
    }
    for p in &m.providers {
        let _ = writeln!(
            out,
            "{indent}provider {} @{}",
            p.address(),
            range(&p.decl_range)
        );
        body(&p.body, &format!("{indent}  "), out);
    }
    for v in &m.variables {
        let _ = writeln!(
            out,
            "{indent}variable {} type={} default={} description={:?} sensitive={} nullable={} ephemeral={} @{}",
            v.name,
            opt(&v.ty),
            opt(&v.default),
            v.description,
            v.sensitive,
            v.nullable,
            v.ephemeral,
            range(&v.decl_range)
        );
        for val in &v.validations {
            let _ = writeln!(
                out,
                "{indent}  validation {} {}",
                expr(&val.condition),
                expr(&val.error_message)
            );
        }
    }
    for l in &m.locals {
        let _ = writeln!(
            out,
            "{indent}local {} = {} @{}",
            l.name,
            expr(&l.expr),
            range(&l.range)
        );
    }
    for r in m.resources() {
        let prov = r
            .provider
            .as_ref()
            .map(|p| format!("{}.{:?}", p.name, p.alias))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "{indent}{} provider={prov} count={} for_each={} depends_on={} @{}",
            r.address(),
            opt(&r.count),
            opt(&r.for_each),
            list(&r.depends_on),
            range(&r.decl_range)
        );
        let lc = &r.lifecycle;
        if lc.range.is_some() {
            let ic = match &lc.ignore_changes {
                IgnoreChanges::None => "none".to_string(),
                IgnoreChanges::All => "all".to_string(),
                IgnoreChanges::Paths(p) => list(p),
            };
            let _ = writeln!(
                out,
                "{indent}  lifecycle cbd={} prevent_destroy={} ignore_changes={ic} replace_triggered_by={} pre={} post={}",
                opt(&lc.create_before_destroy),
                opt(&lc.prevent_destroy),
                list(&lc.replace_triggered_by),
                lc.preconditions.len(),
                lc.postconditions.len()
            );
        }
        for p in &r.provisioners {
            let _ = writeln!(out, "{indent}  provisioner {:?}", p.labels);
        }
        if r.connection.is_some() {
            let _ = writeln!(out, "{indent}  connection");
        }
        body(&r.body, &format!("{indent}  "), out);
    }
    for o in &m.outputs {
        let _ = writeln!(
            out,
            "{indent}output {} = {} description={:?} sensitive={} depends_on={} preconditions={}",
            o.name,
            expr(&o.value),
            o.description,
            o.sensitive,
            list(&o.depends_on),
            o.preconditions.len()
        );
    }
    for c in &m.module_calls {
        let provs: Vec<String> = c
            .providers
            .iter()
            .map(|p| {
                format!(
                    "{}.{:?}={}.{:?}",
                    p.in_child.name, p.in_child.alias, p.in_parent.name, p.in_parent.alias
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "{indent}module {} source={:?} count={} for_each={} providers={provs:?}",
            c.name,
            c.source,
            opt(&c.count),
            opt(&c.for_each)
        );
        body(&c.inputs, &format!("{indent}  "), out);
    }
    for (name, child) in &m.children {
        let _ = writeln!(out, "{indent}child {name} (dir {}):", child.dir.display());
        module(child, &format!("{indent}  "), out);
    }
}
