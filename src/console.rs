//! `gitform console`: evaluates expressions read from stdin.
//!
//! As `terraform console`: on a terminal each line is evaluated and printed,
//! errors are printed and reading goes on; with piped input the lines are
//! evaluated in turn, the first error stops with exit code 1, and only the
//! last line's result is printed. `exit` ends the session.

use crate::args::{ConsoleArgs, VarArgs, VarSource};
use crate::diag_error::DiagnosticsError;
use crate::ui::Ui;
use gitform_engine::operations::{self, Workspace};
use gitform_engine::variables::{collect_root_values, VarArg};
use gitform_lang::EvalContext;
use gitform_value::display::format_console;
use gitform_value::{Diagnostic, Diagnostics, SourceFile, Value};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(args: &ConsoleArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let dir = Path::new(".");
    let ws = load_root_module(dir)?;
    let sources: Vec<Arc<SourceFile>> = ws
        .as_ref()
        .map(|w| crate::engine_cmds::all_files(&w.root))
        .unwrap_or_default();
    let (ctx, diags) = console_context(ws.as_ref(), &args.vars, dir);
    if diags.has_errors() {
        return Err(DiagnosticsError::new(diags).with_sources(sources).into());
    }
    if !diags.is_empty() {
        ui.diagnostics(&diags, &sources);
    }
    if ui.stdin_is_terminal {
        interactive(&ctx, &sources, ui)
    } else {
        piped(&ctx, &sources, ui)
    }
}

/// The result of one console input line.
enum Outcome {
    Value(String),
    Exit,
    Error(Diagnostics),
}

fn handle_line(line: &str, ctx: &EvalContext) -> Outcome {
    let line = line.trim();
    match line {
        "" => Outcome::Value(String::new()),
        "exit" => Outcome::Exit,
        _ => match gitform_lang::eval_str(line, ctx) {
            // `type(x)` yields the type's console layout, printed raw.
            Ok(Value::String(s)) if is_type_call(line) => Outcome::Value(s),
            Ok(v) => Outcome::Value(format_console(&v)),
            Err(diags) => Outcome::Error(diags),
        },
    }
}

/// Whether the whole input is a call of the console's `type` function.
fn is_type_call(line: &str) -> bool {
    match gitform_lang::parse_expression(line, "<console-input>") {
        Ok((hcl_edit::expr::Expression::FuncCall(call), _)) => {
            !call.name.is_namespaced() && call.name.name.as_str() == "type"
        }
        _ => false,
    }
}

fn piped(ctx: &EvalContext, sources: &[Arc<SourceFile>], ui: &Ui) -> anyhow::Result<ExitCode> {
    let mut last = String::new();
    while let Some(line) = ui.read_line()? {
        match handle_line(&line, ctx) {
            Outcome::Value(v) => last = v,
            Outcome::Exit => return Ok(ExitCode::SUCCESS),
            Outcome::Error(diags) => {
                ui.diagnostics(&diags, &sources);
                ui.eprint("\n");
                return Ok(ExitCode::from(1));
            }
        }
    }
    ui.println(last);
    Ok(ExitCode::SUCCESS)
}

fn interactive(
    ctx: &EvalContext,
    sources: &[Arc<SourceFile>],
    ui: &Ui,
) -> anyhow::Result<ExitCode> {
    loop {
        ui.print("> ");
        let Some(line) = ui.read_line()? else {
            ui.println("");
            return Ok(ExitCode::SUCCESS);
        };
        match handle_line(&line, ctx) {
            Outcome::Value(v) => {
                if !v.is_empty() {
                    ui.println(v);
                }
            }
            Outcome::Exit => return Ok(ExitCode::SUCCESS),
            Outcome::Error(diags) => ui.diagnostics(&diags, &sources),
        }
        ui.println("");
    }
}

/// Loads the configuration in `dir` when it has `*.tf` files; `None` when
/// there is none. Errors in it stop the command.
fn load_root_module(dir: &Path) -> Result<Option<Workspace>, DiagnosticsError> {
    let has_config = std::fs::read_dir(dir)
        .map(|entries| {
            entries.filter_map(Result::ok).any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.ends_with(".tf") && !name.starts_with('.')
            })
        })
        .unwrap_or(false);
    if !has_config {
        return Ok(None);
    }
    let (mut ws, diags) = operations::load(dir, gitform_engine::ProviderRegistry::new());
    ws.registry = crate::registry::registry_for(crate::registry::PluginSearch {
        base_dir: dir.to_path_buf(),
        requirements: crate::registry::requirements(&ws.root),
    });
    if diags.has_errors() {
        return Err(
            DiagnosticsError::new(diags).with_sources(crate::engine_cmds::all_files(&ws.root))
        );
    }
    Ok(Some(ws))
}

/// The scope console expressions are evaluated in: the configuration's
/// variables (a variable without a value is unknown), locals, and every
/// resource, data source and module output as the state records it.
pub fn console_context(
    ws: Option<&Workspace>,
    vars: &VarArgs,
    dir: &Path,
) -> (EvalContext, Diagnostics) {
    // No configuration (or a broken one): functions only, `templatefile`
    // and the file functions included, as in a configuration.
    let bare = || {
        operations::bare_context(dir)
            .with_workspace("default")
            .with_console_type_function()
    };
    let mut diags = Diagnostics::new();
    let Some(ws) = ws else {
        for source in &vars.ordered {
            if let VarSource::Var(raw) = source {
                let name = VarSource::split_var(raw).map_or(raw.as_str(), |(n, _)| n);
                diags.push(undeclared_variable(name));
            }
        }
        return (bare(), diags);
    };
    let env: Vec<(String, String)> = std::env::vars().collect();
    let args: Vec<VarArg> = vars
        .ordered
        .iter()
        .map(|s| match s {
            VarSource::Var(t) => VarArg::Var(t.clone()),
            VarSource::File(p) => VarArg::File(p.to_string_lossy().into_owned()),
        })
        .collect();
    let (mut inputs, d) = collect_root_values(&ws.root, dir, &args, &env);
    diags.extend(d);
    if diags.has_errors() {
        return (bare(), diags);
    }
    for v in &ws.root.variables {
        if v.default.is_none() && !inputs.contains_key(&v.name) {
            inputs.insert(v.name.clone(), Value::unknown());
        }
    }
    let state: Option<Arc<dyn gitform_state::StateStore>> =
        match crate::state_access::open_existing_state(&crate::state_access::state_path(None)) {
            Ok(Some(s)) => Some(Arc::new(s)),
            Ok(None) => None,
            Err(e) => {
                diags.extend(e.diags);
                return (bare(), diags);
            }
        };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            diags.push(Diagnostic::error("Failed to start", e.to_string()));
            return (bare(), diags);
        }
    };
    let (ctx, d) = rt.block_on(operations::eval_scope(ws, state, inputs));
    diags.extend(d);
    let ctx = ctx.with_console_type_function().with_workspace("default");
    (ctx, diags)
}

fn undeclared_variable(name: &str) -> Diagnostic {
    Diagnostic::error(
        "Value for undeclared variable",
        format!(
            "A variable named \"{name}\" was assigned on the command line, but the root module does not declare a variable of that name. To use this value, add a \"variable\" block to the configuration."
        ),
    )
}
