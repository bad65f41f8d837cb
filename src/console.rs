//! `gitform console`: evaluates expressions read from stdin.
//!
//! As `terraform console`: on a terminal each line is evaluated and printed,
//! errors are printed and reading goes on; with piped input the lines are
//! evaluated in turn, the first error stops with exit code 1, and only the
//! last line's result is printed. `exit` ends the session.

use crate::args::{ConsoleArgs, VarArgs, VarSource};
use crate::diag_error::DiagnosticsError;
use crate::ui::Ui;
use gitform_config::Module;
use gitform_lang::EvalContext;
use gitform_value::convert::convert;
use gitform_value::display::format_console;
use gitform_value::{Diagnostic, Diagnostics, SourceFile, SourceRange, Type, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(args: &ConsoleArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let dir = Path::new(".");
    let module = load_root_module(dir)?;
    let sources: Vec<Arc<SourceFile>> =
        module.as_ref().map(|m| m.files.clone()).unwrap_or_default();
    let (ctx, diags) = console_context(module.as_ref(), &args.vars, dir);
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
fn load_root_module(dir: &Path) -> Result<Option<Module>, DiagnosticsError> {
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
    let (module, diags) = gitform_config::load_module(dir);
    if diags.has_errors() {
        return Err(DiagnosticsError::new(diags).with_sources(module.files.clone()));
    }
    Ok(Some(module))
}

/// The scope console expressions are evaluated in.
///
/// HOOK for the engine: today this knows only the configuration (variables
/// from defaults, `*.auto.tfvars` and `-var`/`-var-file`; locals that can be
/// evaluated from those; every declared resource, data source and module
/// call as an unknown value) and `path.*`/`terraform.workspace`. Replace it
/// with the engine's full scope (state values of resources, module outputs).
pub fn console_context(
    module: Option<&Module>,
    vars: &VarArgs,
    dir: &Path,
) -> (EvalContext, Diagnostics) {
    let cwd = std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| ".".to_string());
    let mut ctx = EvalContext::new()
        .with_path(".", ".", &cwd)
        .with_workspace("default")
        .with_base_dir(dir)
        .with_console_type_function();
    let mut diags = Diagnostics::new();
    let Some(module) = module else {
        for source in &vars.ordered {
            if let VarSource::Var(raw) = source {
                let name = VarSource::split_var(raw).map_or(raw.as_str(), |(n, _)| n);
                diags.push(undeclared_variable(name));
            }
        }
        return (ctx, diags);
    };

    let (values, var_diags) = variable_values(module, vars, dir);
    diags.extend(var_diags);
    ctx = ctx.with_vars(values);

    for r in module.resources() {
        ctx = match r.mode {
            gitform_config::ResourceMode::Managed => {
                ctx.with_resource(&r.type_name, r.name.clone(), Value::unknown())
            }
            gitform_config::ResourceMode::Data => {
                ctx.with_data(&r.type_name, r.name.clone(), Value::unknown())
            }
        };
    }
    for call in &module.module_calls {
        ctx = ctx.with_module(call.name.clone(), Value::unknown());
    }

    // Locals in dependency order: evaluate what can be evaluated until
    // nothing changes; the rest (e.g. depending on resources) is unknown.
    let mut pending: Vec<&gitform_config::Local> = module.locals.iter().collect();
    loop {
        let before = pending.len();
        pending.retain(|local| {
            match gitform_lang::eval(&local.expr.expr, &ctx, &local.expr.file) {
                Ok(v) => {
                    ctx = std::mem::take(&mut ctx).with_local(local.name.clone(), v);
                    false
                }
                Err(_) => true,
            }
        });
        if pending.is_empty() || pending.len() == before {
            break;
        }
    }
    for local in pending {
        ctx = ctx.with_local(local.name.clone(), Value::unknown());
    }
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

/// The root module's input variable values: defaults, then
/// `terraform.tfvars`, `*.auto.tfvars` (and `.json`), then `-var` and
/// `-var-file` in command-line order. A variable without a value is unknown.
fn variable_values(
    module: &Module,
    vars: &VarArgs,
    dir: &Path,
) -> (Vec<(String, Value)>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let literal = EvalContext::literal_only();
    let mut types: BTreeMap<&str, (Type, SourceRange)> = BTreeMap::new();
    let mut values: BTreeMap<String, Value> = BTreeMap::new();
    for var in &module.variables {
        let ty = match &var.ty {
            Some(expr) => match gitform_lang::parse_type_constraint(&expr.expr, &expr.file) {
                Ok(t) => t,
                Err(d) => {
                    diags.extend(d);
                    Type::Dynamic
                }
            },
            None => Type::Dynamic,
        };
        let value = match &var.default {
            Some(expr) => match gitform_lang::eval(&expr.expr, &literal, &expr.file) {
                Ok(v) => match convert(v, &ty) {
                    Ok(v) => v,
                    Err(e) => {
                        diags.push(
                            Diagnostic::error(
                                "Invalid default value for variable",
                                format!(
                                    "This default value is not compatible with the variable's type constraint: {}.",
                                    e.format_with_path()
                                ),
                            )
                            .with_range(Some(expr.range())),
                        );
                        Value::Unknown(ty.clone())
                    }
                },
                Err(d) => {
                    diags.extend(d);
                    Value::Unknown(ty.clone())
                }
            },
            None => Value::Unknown(ty.clone()),
        };
        values.insert(var.name.clone(), value);
        types.insert(var.name.as_str(), (ty, var.decl_range.clone()));
    }

    let mut assign = |name: &str, value: Value, how: &str, diags: &mut Diagnostics| {
        let Some((ty, decl)) = types.get(name) else {
            return;
        };
        match convert(value, ty) {
            Ok(v) => {
                values.insert(name.to_string(), v);
            }
            Err(e) => diags.push(
                Diagnostic::error(
                    "Invalid value for input variable",
                    format!(
                        "Unsuitable value for var.{name} set using {how}: {}.",
                        e.format_with_path()
                    ),
                )
                .with_range(Some(decl.clone())),
            ),
        }
    };

    for (name, text) in auto_var_files(dir) {
        let (defs, d) = if name.ends_with(".json") {
            gitform_config::load_tfvars_json(&name, &text)
        } else {
            gitform_config::load_tfvars(&name, &text)
        };
        diags.extend(d);
        for (var, expr) in defs {
            match gitform_lang::eval(&expr.expr, &literal, &expr.file) {
                Ok(v) => assign(&var, v, &format!("a file named {name:?}"), &mut diags),
                Err(d) => diags.extend(d),
            }
        }
    }
    for source in &vars.ordered {
        match source {
            VarSource::Var(raw) => {
                let Some((name, text)) = VarSource::split_var(raw) else {
                    diags.push(Diagnostic::error(
                        "Invalid -var option",
                        format!(
                            "The given -var option {raw:?} is not correctly specified. Must be a variable name and value separated by an equals sign, like -var=\"key=value\"."
                        ),
                    ));
                    continue;
                };
                let Some((ty, _)) = types.get(name) else {
                    diags.push(undeclared_variable(name));
                    continue;
                };
                let value = if ty.is_primitive() || *ty == Type::Dynamic {
                    Value::string(text)
                } else {
                    match gitform_lang::parse_expression(text, &format!("<value for var.{name}>"))
                        .and_then(|(expr, file)| gitform_lang::eval(&expr, &literal, &file))
                    {
                        Ok(v) => v,
                        Err(d) => {
                            diags.extend(d);
                            continue;
                        }
                    }
                };
                assign(name, value, &format!("-var=\"{name}=...\""), &mut diags);
            }
            VarSource::File(path) => {
                let text = match std::fs::read_to_string(path) {
                    Ok(t) => t,
                    Err(e) => {
                        diags.push(Diagnostic::error(
                            "Failed to read variables file",
                            format!(
                                "Given variables file {} does not exist: {e}",
                                path.display()
                            ),
                        ));
                        continue;
                    }
                };
                let name = path.to_string_lossy().into_owned();
                let (defs, d) = if name.ends_with(".json") {
                    gitform_config::load_tfvars_json(&name, &text)
                } else {
                    gitform_config::load_tfvars(&name, &text)
                };
                diags.extend(d);
                for (var, expr) in defs {
                    match gitform_lang::eval(&expr.expr, &literal, &expr.file) {
                        Ok(v) => assign(&var, v, &format!("a file named {name:?}"), &mut diags),
                        Err(d) => diags.extend(d),
                    }
                }
            }
        }
    }

    let out = module
        .variables
        .iter()
        .filter_map(|var| {
            let v = values.remove(&var.name)?;
            Some((
                var.name.clone(),
                if var.sensitive { v.sensitive() } else { v },
            ))
        })
        .collect();
    (out, diags)
}

/// `terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars(.json)`
/// sorted by name: `(file name, text)`.
fn auto_var_files(dir: &Path) -> Vec<(String, String)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut all = vec![
        "terraform.tfvars".to_string(),
        "terraform.tfvars.json".to_string(),
    ];
    all.extend(names);
    all.into_iter()
        .filter_map(|n| {
            let text = std::fs::read_to_string(dir.join(&n)).ok()?;
            Some((n, text))
        })
        .collect()
}
