//! The language-layer benchmark: loading a large generated configuration
//! (read + parse + structural checks) and extracting the references of every
//! expression in it, in process.

use crate::expressions::module_expressions;
use crate::generate::{write_config, Bodies, Form, Kind, Shape, Spec};
use crate::timing::{ms, Samples};
use gitform_config::{load_module, Module};
use std::path::Path;

/// What the benchmark measures on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadBench {
    /// Resources of the `independent` shape (one more, `shared`, is added).
    pub resources: usize,
    /// Measured runs; the table reports the best and the median.
    pub runs: usize,
}

impl Default for LoadBench {
    fn default() -> LoadBench {
        LoadBench {
            resources: 10_000,
            runs: 5,
        }
    }
}

/// The figures of one benchmark run.
#[derive(Clone, Debug)]
pub struct LoadReport {
    pub resources: usize,
    pub files: usize,
    pub bytes: u64,
    pub expressions: usize,
    pub references: usize,
    /// `load_module` of the directory.
    pub load: Samples,
    /// For comparison: hcl-edit's `parse_body` alone on the same files
    /// (already read), the parser's share of `load`.
    pub parse_only: Samples,
    /// Walking the module and calling `references` on every expression.
    pub refs: Samples,
    /// Error diagnostics of the load (should be 0).
    pub errors: usize,
}

/// The configuration the benchmark loads: `independent`, named,
/// `terraform_data` with realistic bodies.
pub fn load_spec(resources: usize) -> Spec {
    Spec {
        shape: Shape::Independent,
        form: Form::Named,
        kind: Kind::TerraformData,
        bodies: Bodies::Realistic,
        resources,
        ..Spec::default()
    }
}

/// Generates the configuration into `dir` and measures it.
pub fn run(bench: &LoadBench, dir: &Path) -> std::io::Result<LoadReport> {
    let bytes = write_config(&load_spec(bench.resources), dir)?;
    // One untimed load to warm the page cache.
    let (module, diags) = load_module(dir);
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let (load, _) = Samples::measure(bench.runs, || load_module(dir));
    let texts: Vec<&str> = module.files.iter().map(|f| &*f.text).collect();
    let (parse_only, _) = Samples::measure(bench.runs, || {
        texts
            .iter()
            .map(|t| hcl_edit::parser::parse_body(t).map_or(0, |b| b.len()))
            .sum::<usize>()
    });
    let (refs, (expressions, references)) =
        Samples::measure(bench.runs, || count_references(&module));
    Ok(LoadReport {
        resources: module.managed_resources.len() + module.data_resources.len(),
        files: module.files.len(),
        bytes,
        expressions,
        references,
        load,
        parse_only,
        refs,
        errors,
    })
}

/// Extracts the references of every expression of `module`: returns the
/// number of expressions and of references.
pub fn count_references(module: &Module) -> (usize, usize) {
    let exprs = module_expressions(module);
    let refs = exprs
        .iter()
        .map(|e| gitform_lang::references(&e.expr).len())
        .sum();
    (exprs.len(), refs)
}

/// The Markdown table header matching [`LoadReport::table_row`].
pub fn table_header() -> String {
    [
        "| resources | files | HCL size | expressions | references | load_module best / median (ms) | hcl-edit parse alone best / median (ms) | references best / median (ms) | total best / median (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    .join("\n")
}

impl LoadReport {
    /// One Markdown table row (see [`table_header`]).
    pub fn table_row(&self) -> String {
        let total = Samples(
            self.load
                .0
                .iter()
                .zip(&self.refs.0)
                .map(|(a, b)| *a + *b)
                .collect(),
        );
        format!(
            "| {} | {} | {:.2} MB | {} | {} | {} / {} | {} / {} | {} / {} | {} / {} |",
            self.resources,
            self.files,
            self.bytes as f64 / 1_000_000.0,
            self.expressions,
            self.references,
            ms(self.load.best()),
            ms(self.load.median()),
            ms(self.parse_only.best()),
            ms(self.parse_only.median()),
            ms(self.refs.best()),
            ms(self.refs.median()),
            ms(self.load.best() + self.refs.best()),
            ms(total.median()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_run_counts_everything() {
        let dir = tempfile::tempdir().unwrap();
        let report = run(
            &LoadBench {
                resources: 40,
                runs: 2,
            },
            dir.path(),
        )
        .unwrap();
        assert_eq!((report.resources, report.files, report.errors), (41, 2, 0));
        assert_eq!(
            (
                report.load.0.len(),
                report.parse_only.0.len(),
                report.refs.0.len()
            ),
            (2, 2, 2)
        );
        // Per resource: input, and triggers_replace or an ignore_changes path.
        assert!(report.expressions >= 40 * 2, "{report:?}");
        // Per resource: local.prefix, terraform_data.shared and one in the extra attribute.
        assert!(report.references >= 40 * 3, "{report:?}");
        assert!(
            report.table_row().starts_with("| 41 | 2 | 0.0"),
            "{}",
            report.table_row()
        );
    }
}
