//! Arbitrary bytes as a module's `main.tf` (invalid UTF-8 included): load it
//! in memory, render the diagnostics, then evaluate every expression found,
//! extract its references, parse variable type constraints and static
//! traversals (`depends_on`, `replace_triggered_by`).
#![no_main]

use gitform_fuzz::{check_expression, reads_special_files, render};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if reads_special_files(data) {
        return;
    }
    let files = vec![("main.tf".to_string(), data.to_vec())];
    let (module, diags) = gitform_config::load_module_from_sources(Path::new("/fuzz"), files);
    render(&diags, &module.files);
    for expr in gitform_bench::expressions::module_expressions(&module) {
        check_expression(&expr.expr, &expr.file, &module.files);
    }
    for var in &module.variables {
        if let Some(ty) = &var.ty {
            if let Err(d) = gitform_lang::parse_type_constraint(&ty.expr, &ty.file) {
                render(&d, &module.files);
            }
        }
    }
    for res in module.resources() {
        for e in res
            .depends_on
            .iter()
            .chain(&res.lifecycle.replace_triggered_by)
        {
            for t in gitform_lang::traversal_references(&e.expr)
                .into_iter()
                .flatten()
            {
                let _ = t.reference();
            }
        }
    }
});
