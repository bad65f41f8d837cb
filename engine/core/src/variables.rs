//! Input variables: collecting values from every source Terraform reads,
//! converting them to their declared types, and checking validations.
//!
//! Precedence, lowest first (Terraform's): `TF_VAR_name` environment
//! variables, `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars`
//! and `*.auto.tfvars.json` in lexical order, then `-var` and `-var-file`
//! in the order given on the command line.

use gitform_config::{
    load_tfvars, load_tfvars_json, DiskReader, Expr, Module, SourceReader, Variable,
};
use gitform_lang::{eval, parse_expression, parse_type_constraint, EvalContext};
use gitform_value::convert::convert;
use gitform_value::{Diagnostic, Diagnostics, Type, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// A `-var` or `-var-file` argument, in command-line order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VarArg {
    /// `-var 'name=value'`
    Var(String),
    /// `-var-file=path`
    File(String),
}

/// Where a raw value came from, which decides how it is parsed.
#[derive(Clone, Debug)]
enum Raw {
    /// From the environment or `-var`: a string for string-typed variables,
    /// otherwise an HCL expression.
    Text { text: String, source: String },
    /// From a tfvars file.
    Expr(Expr),
}

/// Collects the raw values for the root module's variables, reading the
/// variable files in `dir` (and relative `-var-file`s) from the disk.
pub fn collect_root_values(
    module: &Module,
    dir: &Path,
    args: &[VarArg],
    env: &[(String, String)],
) -> (BTreeMap<String, Value>, Diagnostics) {
    collect_root_values_with(&DiskReader, module, dir, args, env)
}

/// [`collect_root_values`] with the variable files read through `reader`
/// (the disk, or a Git commit's tree as the configuration was): the
/// `terraform.tfvars` and `*.auto.tfvars` files are those `reader` lists in
/// `dir`, and diagnostics name the files by `dir` joined with their name,
/// as the configuration's own files are named.
pub fn collect_root_values_with(
    reader: &dyn SourceReader,
    module: &Module,
    dir: &Path,
    args: &[VarArg],
    env: &[(String, String)],
) -> (BTreeMap<String, Value>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut raw: BTreeMap<String, Raw> = BTreeMap::new();
    for (k, v) in env {
        if let Some(name) = k.strip_prefix("TF_VAR_") {
            if module.variable(name).is_some() {
                raw.insert(
                    name.to_string(),
                    Raw::Text {
                        text: v.clone(),
                        source: format!("the {k} environment variable"),
                    },
                );
            }
        }
    }
    let listed = reader.list_files(dir).unwrap_or_default();
    let mut files: Vec<std::path::PathBuf> = ["terraform.tfvars", "terraform.tfvars.json"]
        .into_iter()
        .filter(|name| listed.iter().any(|n| n == name))
        .map(|name| in_dir(dir, name))
        .collect();
    let mut autos: Vec<std::path::PathBuf> = listed
        .iter()
        .filter(|n| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json"))
        .map(|n| in_dir(dir, n))
        .collect();
    autos.sort();
    files.extend(autos);
    for f in &files {
        read_var_file(reader, module, f, None, &mut raw, &mut diags);
    }
    for a in args {
        match a {
            VarArg::Var(s) => {
                let Some((name, value)) = s.split_once('=') else {
                    diags.push(Diagnostic::error(
                        "Invalid -var option",
                        format!("The given -var option {s:?} is not correctly specified. It must be a variable name and value separated by an equals sign, like -var=\"key=value\"."),
                    ));
                    continue;
                };
                let name = name.trim();
                if module.variable(name).is_none() {
                    diags.push(Diagnostic::error(
                        "Value for undeclared variable",
                        format!("A variable named \"{name}\" was assigned on the command line, but the root module does not declare a variable of that name. To use this value, add a \"variable\" block to the configuration."),
                    ));
                    continue;
                }
                raw.insert(
                    name.to_string(),
                    Raw::Text {
                        text: value.to_string(),
                        source: format!("-var=\"{name}=...\""),
                    },
                );
            }
            VarArg::File(path) => {
                let p = in_dir(dir, path);
                read_var_file(reader, module, &p, Some(path), &mut raw, &mut diags);
            }
        }
    }
    let mut out = BTreeMap::new();
    for (name, r) in raw {
        let Some(decl) = module.variable(&name) else {
            continue;
        };
        match r {
            Raw::Text { text, source } => {
                let ty = declared_type(decl).unwrap_or(Type::Dynamic);
                if ty.is_primitive() {
                    // Primitive values are taken literally, then converted.
                    match convert(Value::String(text), &ty) {
                        Ok(v) => {
                            out.insert(name, v);
                        }
                        Err(e) => diags.push(
                            Diagnostic::error(
                                "Invalid value for input variable",
                                format!(
                                    "Unsuitable value for var.{name} set using {source}: {}.",
                                    e.message
                                ),
                            )
                            .with_range(Some(decl.decl_range.clone())),
                        ),
                    }
                    continue;
                }
                if ty == Type::Dynamic && !looks_like_expression(&text) {
                    out.insert(name, Value::String(text));
                    continue;
                }
                match parse_expression(&text, &format!("<value for var.{name}>"))
                    .and_then(|(e, f)| eval(&e, &EvalContext::literal_only(), &f))
                {
                    Ok(v) => {
                        out.insert(name, v);
                    }
                    Err(d) => {
                        diags.push(Diagnostic::error(
                            "Invalid value for input variable",
                            format!(
                                "The value for variable \"{name}\" from {source} is not a valid expression: {}",
                                d.iter().map(|d| d.summary.clone()).collect::<Vec<_>>().join("; ")
                            ),
                        ));
                    }
                }
            }
            Raw::Expr(e) => match eval(&e.expr, &EvalContext::literal_only(), &e.file) {
                Ok(v) => {
                    out.insert(name, v);
                }
                Err(d) => diags.extend(d),
            },
        }
    }
    (out, diags)
}

/// `name` in `dir`, named as the configuration's files are: without a
/// leading `./` when `dir` is the working directory.
fn in_dir(dir: &Path, name: &str) -> std::path::PathBuf {
    if dir.as_os_str().is_empty() || dir == Path::new(".") {
        std::path::PathBuf::from(name)
    } else {
        dir.join(name)
    }
}

fn looks_like_expression(s: &str) -> bool {
    let t = s.trim_start();
    t.starts_with('[') || t.starts_with('{')
}

fn read_var_file(
    reader: &dyn SourceReader,
    module: &Module,
    path: &Path,
    // The `-var-file` argument as given, for an explicit file.
    given: Option<&str>,
    raw: &mut BTreeMap<String, Raw>,
    diags: &mut Diagnostics,
) {
    let name = path.to_string_lossy().into_owned();
    let text = match reader.read_file(path) {
        Ok(b) => b,
        Err(e)
            if given.is_some()
                && matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::InvalidInput
                ) =>
        {
            diags.push(Diagnostic::error(
                "Failed to read variables file",
                format!(
                    "Given variables file {} does not exist.",
                    given.unwrap_or(&name)
                ),
            ));
            return;
        }
        Err(e) => {
            diags.push(Diagnostic::error(
                "Failed to read variables file",
                format!("Could not read {name}: {e}."),
            ));
            return;
        }
    };
    let text = match String::from_utf8(text) {
        Ok(t) => t,
        Err(_) => {
            diags.push(Diagnostic::error(
                "Invalid variables file",
                format!("{name} is not valid UTF-8 text."),
            ));
            return;
        }
    };
    let (values, d) = if name.ends_with(".json") {
        load_tfvars_json(&name, &text)
    } else {
        load_tfvars(&name, &text)
    };
    diags.extend(d);
    for (var, expr) in values {
        if module.variable(&var).is_none() {
            let d = if given.is_some() {
                Diagnostic::error(
                    "Value for undeclared variable",
                    format!("The variables file {name} assigns a value to \"{var}\", but the root module does not declare a variable of that name."),
                )
            } else {
                Diagnostic::warning(
                    "Value for undeclared variable",
                    format!("The root module does not declare a variable named \"{var}\" but a value was found in file \"{name}\". If you meant to use this value, add a \"variable\" block to the configuration."),
                )
            };
            diags.push(d.with_range(Some(expr.range())));
            continue;
        }
        raw.insert(var, Raw::Expr(expr));
    }
}

/// The declared type of a variable (`any` when not declared or invalid).
pub fn declared_type(v: &Variable) -> Option<Type> {
    let e = v.ty.as_ref()?;
    parse_type_constraint(&e.expr, &e.file).ok()
}

/// Checks variable declarations' type constraints (config-level validation).
pub fn validate_declarations(module: &Module) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for v in &module.variables {
        if let Some(e) = &v.ty {
            if let Err(d) = parse_type_constraint(&e.expr, &e.file) {
                diags.extend(d);
            }
        }
    }
    diags
}

/// The final value of one variable: the given value or the default,
/// converted to the declared type, checked against `nullable` and the
/// validation rules, and marked sensitive when declared so.
pub fn finalize(
    decl: &Variable,
    given: Option<Value>,
    module_addr: Option<&str>,
) -> Result<Value, Diagnostics> {
    finalize_in(decl, given, module_addr, &EvalContext::new())
}

/// [`finalize`], with validation conditions evaluated in `scope` (which
/// holds the other variables they may refer to).
pub fn finalize_in(
    decl: &Variable,
    given: Option<Value>,
    module_addr: Option<&str>,
    scope: &EvalContext,
) -> Result<Value, Diagnostics> {
    let ty = match &decl.ty {
        Some(e) => parse_type_constraint(&e.expr, &e.file)?,
        None => Type::Dynamic,
    };
    // A null given for a non-nullable variable with a default takes the default.
    let given = given.filter(|v| !(v.is_null() && !decl.nullable && decl.default.is_some()));
    let value = match given {
        Some(v) => v,
        None => match &decl.default {
            Some(e) => eval(&e.expr, &EvalContext::literal_only(), &e.file)?,
            None => {
                let whom = module_addr.map(|m| format!(" of {m}")).unwrap_or_default();
                return Err(Diagnostic::error(
                    "No value for required variable",
                    format!(
                        "The input variable \"{}\"{whom} is not set, and has no default value. Use a -var or -var-file command line argument, a terraform.tfvars file or a TF_VAR_{} environment variable to provide a value.",
                        decl.name, decl.name
                    ),
                )
                .with_range(Some(decl.decl_range.clone()))
                .into());
            }
        },
    };
    if value.is_null() && !decl.nullable {
        return Err(Diagnostic::error(
            "Required variable not set",
            format!(
                "Unsuitable value for var.{}: required variable may not be set to null.",
                decl.name
            ),
        )
        .with_range(Some(decl.decl_range.clone()))
        .into());
    }
    let value = convert(value, &ty).map_err(|e| {
        let at = if e.path.is_root() {
            String::new()
        } else {
            format!(" at {}", e.path)
        };
        Diagnostics::from(
            Diagnostic::error(
                "Invalid value for input variable",
                format!(
                    "The given value is not suitable for var.{}{at}: {}.",
                    decl.name, e.message
                ),
            )
            .with_range(Some(decl.decl_range.clone())),
        )
    })?;
    let value = value.mark_if(decl.sensitive);
    let mut diags = Diagnostics::new();
    for rule in &decl.validations {
        let ctx = scope.clone().with_var(decl.name.clone(), value.clone());
        match eval(&rule.condition.expr, &ctx, &rule.condition.file) {
            Ok(ok) if !ok.is_known() => {}
            Ok(ok) => match ok.unmarked() {
                Value::Bool(true) => {}
                Value::Bool(false) => {
                    let msg = eval(&rule.error_message.expr, &ctx, &rule.error_message.file)
                        .ok()
                        .and_then(|m| m.as_str().map(str::to_string))
                        .unwrap_or_else(|| "The value is not valid.".to_string());
                    diags.push(
                        Diagnostic::error(
                            "Invalid value for variable",
                            format!(
                                "{msg}\n\nThis was checked by the validation rule at {}.",
                                rule.condition.range()
                            ),
                        )
                        .with_range(Some(rule.condition.range())),
                    );
                }
                _ => diags.push(
                    Diagnostic::error(
                        "Invalid variable validation result",
                        "The validation condition must return a boolean value.",
                    )
                    .with_range(Some(rule.condition.range())),
                ),
            },
            Err(d) => diags.extend(d),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(value)
}
