//! What the fuzz targets share: the evaluation context and the checks run
//! on every expression. Anything here may panic only through a bug in the
//! code under test.

use gitform_config::render::{render_diagnostics, RenderOptions, SourceLookup};
use gitform_lang::EvalContext;
use gitform_value::{Diagnostics, SourceFile, Value};
use hcl_edit::expr::Expression;
use std::sync::OnceLock;

/// Functions enabled, a few variables of every kind of value (including
/// unknown and sensitive ones), locals, a counted resource, `count`,
/// `each`, `path` and `terraform`.
pub fn context() -> &'static EvalContext {
    static CTX: OnceLock<EvalContext> = OnceLock::new();
    CTX.get_or_init(|| {
        let list = Value::List(vec![Value::int(1), Value::int(2), Value::int(3)]);
        let map = Value::Map(
            [
                ("a".to_string(), Value::from("x")),
                ("b".to_string(), Value::from("y")),
            ]
            .into(),
        );
        let obj = Value::object([
            ("id", Value::from("i-123")),
            ("port", Value::int(8080)),
            ("tags", map.clone()),
        ]);
        EvalContext::new()
            // A directory that does not exist: file functions find nothing relative.
            .with_base_dir("/nonexistent-gitform-fuzz")
            .with_var("name", Value::from("web"))
            .with_var("n", Value::int(3))
            .with_var("enabled", Value::Bool(true))
            .with_var("list", list.clone())
            .with_var("map", map.clone())
            .with_var("obj", obj.clone())
            .with_var("nothing", Value::Null)
            .with_var("unknown", Value::unknown())
            .with_var("secret", Value::from("hunter2").sensitive())
            .with_local("prefix", Value::from("dev-web"))
            .with_local("items", Value::Tuple(vec![obj.clone(), obj.clone()]))
            .with_resource("terraform_data", "r", Value::Tuple(vec![obj.clone(), obj]))
            .with_count_index(1)
            .with_each(Value::from("a"), Value::from("x"))
            .with_path("/fuzz", "/fuzz", "/fuzz")
            .with_workspace("default")
    })
}

/// Whether evaluating `bytes` would read special files (`file("/dev/zero")`
/// never returns, `/dev/stdin` blocks): such inputs are skipped, as they
/// hang in Terraform too.
pub fn reads_special_files(bytes: &[u8]) -> bool {
    [&b"/dev"[..], b"/proc", b"/sys"]
        .iter()
        .any(|p| bytes.windows(p.len()).any(|w| w == *p))
}

/// Evaluates `expr` in [`context`], extracts its references, and renders
/// the result or the diagnostics as `gitform console` and the CLI would.
pub fn check_expression(expr: &Expression, file: &SourceFile, sources: &dyn SourceLookup) {
    let _ = gitform_lang::references(expr);
    match gitform_lang::eval(expr, context(), file) {
        Ok(v) => {
            let _ = gitform_value::display::format_console(&v);
            let _ = gitform_value::json::to_json_string(&v);
        }
        Err(diags) => render(&diags, sources),
    }
}

/// Renders diagnostics in both of Terraform's layouts.
pub fn render(diags: &Diagnostics, sources: &dyn SourceLookup) {
    let _ = render_diagnostics(
        diags.iter(),
        sources,
        &RenderOptions::terraform(true, Some(78)),
    );
    let _ = render_diagnostics(
        diags.iter(),
        sources,
        &RenderOptions::terraform(false, None),
    );
}
