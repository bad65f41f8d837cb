//! Loading a suite from a `contract.hcl` file.
//!
//! ```hcl
//! provider {                       # the provider block's values (optional)
//!   path = "${path.root}/contract.db"  # path.root: the run's working directory
//! }
//!
//! resource "sqlite_item" "basic" {
//!   state_only = false             # true: the object lives only in the state
//!   create {                       # required: the first configuration
//!     key   = "contract-basic"
//!     value = "one"
//!   }
//!   update {                       # an in-place update (repeatable, in order)
//!     key   = "contract-basic"
//!     value = "two"
//!   }
//!   replace {                      # a change that must replace the object
//!     key   = "contract-renamed"
//!     value = "two"
//!   }
//!   import {                       # import round-trip (optional)
//!     id     = self.key            # `self` is the object's state; default self.id
//!     ignore = []                  # attributes import cannot recover
//!   }
//!   invalid {                      # a configuration validate must reject (repeatable)
//!     key   = "no spaces allowed"
//!     value = "x"
//!   }
//!   data "sqlite_item" "lookup" {  # a data source read while the object exists
//!     key = self.key
//!   }
//! }
//!
//! data "sqlite_item" "standalone" { # a data source read on its own
//!   key = "..."
//! }
//! ```
//!
//! Configurations are decoded by the provider's schema exactly as the
//! engine decodes resource blocks (functions work; `path.module` is the
//! file's directory, `path.root` and `path.cwd` the run's working
//! directory), so a typo is a diagnostic with its source range.

use crate::{DataCase, Expect, ImportCase, ResourceCase, StateFn, Suite, UpdateStep};
use gitform_config::{Attribute, Block, Body, Expr, NestedBlock};
use gitform_engine::body::decode_body;
use gitform_lang::{eval, EvalContext};
use gitform_provider::{Block as SchemaBlock, ProviderSchema};
use gitform_value::{Diagnostic, Diagnostics, SourceFile, SourceRange, Value};
use hcl_edit::structure::{self, Structure};
use hcl_edit::Span;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Reads and decodes a contract file against a provider's schema. Every
/// problem found is returned, each with its source range.
///
/// `work_dir` is where the run's files belong (`path.root` in the file):
/// `gitform provider test` makes a fresh temporary directory and starts the
/// plugin there.
pub fn load_suite(
    path: &Path,
    schema: &ProviderSchema,
    work_dir: &Path,
) -> Result<Suite, Diagnostics> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostics(vec![Diagnostic::error(
            "Cannot read the contract file",
            format!("Reading {name}: {e}. Pass the file with -contract=PATH."),
        )])
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let paths = Paths {
        module: dir.to_path_buf(),
        root: work_dir.to_path_buf(),
    };
    load_suite_source(&name, &text, &paths, schema)
}

/// The directories a contract file can refer to.
#[derive(Clone, Debug)]
pub struct Paths {
    /// `path.module`: the contract file's directory, the base of relative
    /// paths in file functions.
    pub module: PathBuf,
    /// `path.root` (and `path.cwd`): the run's working directory.
    pub root: PathBuf,
}

/// Decodes contract file text.
pub fn load_suite_source(
    name: &str,
    text: &str,
    paths: &Paths,
    schema: &ProviderSchema,
) -> Result<Suite, Diagnostics> {
    let file = Arc::new(SourceFile::new(name, text));
    let (body, mut diags) = gitform_config::parse_source_file(&file);
    if diags.has_errors() {
        return Err(diags);
    }
    let body = convert_body(body, &file);
    let ctx = base_context(paths);
    let mut suite = Suite {
        source: name.to_string(),
        provider_config: Value::Null,
        resources: Vec::new(),
        data_sources: Vec::new(),
    };
    if let Some(a) = body.attributes.first() {
        diags.push(error_at(
            "Unexpected argument",
            format!("A contract file holds only \"provider\", \"resource\" and \"data\" blocks; \"{}\" is an argument.", a.name),
            &a.name_range,
        ));
    }
    let mut providers = 0;
    for b in static_blocks(&body, &mut diags) {
        match b.type_name.as_str() {
            "provider" => {
                providers += 1;
                if providers > 1 {
                    diags.push(error_at(
                        "Duplicate provider block",
                        "A contract file configures the provider once.",
                        &b.type_range,
                    ));
                    continue;
                }
                let (v, d) = decode(&b.body, &schema.provider.block, &ctx, &b.decl_range());
                diags.extend(d);
                suite.provider_config = v;
            }
            "resource" => {
                if let Some(case) = resource_case(b, schema, &ctx, paths, &mut diags) {
                    suite.resources.push(case);
                }
            }
            "data" => {
                let Some((type_name, name)) = two_labels(b, &mut diags) else {
                    continue;
                };
                let Some(ds) = schema.data_source(&type_name) else {
                    diags.push(unknown_type("data source", &type_name, &b.decl_range()));
                    continue;
                };
                // Decode now, so mistakes show before anything runs.
                let (v, d) = decode(&b.body, &ds.block, &ctx, &b.decl_range());
                diags.extend(d);
                suite.data_sources.push(DataCase {
                    name: format!("data.{type_name}.{name}"),
                    type_name,
                    config: Arc::new(move |_| Ok(v.clone())),
                });
            }
            other => diags.push(error_at(
                "Unsupported block type",
                format!("Blocks of type \"{other}\" are not expected in a contract file: use \"provider\", \"resource\" or \"data\"."),
                &b.type_range,
            )),
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(suite)
    }
}

fn resource_case(
    b: &Block,
    schema: &ProviderSchema,
    ctx: &EvalContext,
    paths: &Paths,
    diags: &mut Diagnostics,
) -> Option<ResourceCase> {
    let (type_name, name) = two_labels(b, diags)?;
    let Some(rs) = schema.resource(&type_name) else {
        diags.push(unknown_type("resource type", &type_name, &b.decl_range()));
        return None;
    };
    let block = &rs.block;
    let mut state_only = false;
    for a in &b.body.attributes {
        if a.name != "state_only" {
            diags.push(error_at(
                "Unexpected argument",
                format!("A contract resource holds \"create\", \"update\", \"replace\", \"import\", \"invalid\" and \"data\" blocks and the \"state_only\" argument; put \"{}\" inside one of the blocks.", a.name),
                &a.name_range,
            ));
            continue;
        }
        match eval(&a.expr.expr, ctx, &a.expr.file).map(|v| v.as_bool()) {
            Ok(Some(v)) => state_only = v,
            Ok(None) => diags.push(error_at(
                "Invalid state_only",
                "state_only is true or false.",
                &a.expr.range(),
            )),
            Err(d) => diags.extend(d),
        }
    }
    let mut create = None;
    let mut steps = Vec::new();
    let mut import = None;
    let mut invalid = Vec::new();
    let mut data = Vec::new();
    for nb in static_blocks(&b.body, diags) {
        let decl = nb.decl_range();
        match nb.type_name.as_str() {
            "create" => {
                if create.is_some() {
                    diags.push(error_at(
                        "Duplicate create block",
                        "A contract resource has one create configuration; use update or replace blocks for changes.",
                        &nb.type_range,
                    ));
                    continue;
                }
                let (v, d) = decode(&nb.body, block, ctx, &decl);
                diags.extend(d);
                create = Some(v);
            }
            "update" | "replace" => {
                let (v, d) = decode(&nb.body, block, ctx, &decl);
                diags.extend(d);
                let expect = if nb.type_name == "update" {
                    Expect::Update
                } else {
                    Expect::Replace
                };
                steps.push(UpdateStep { config: v, expect });
            }
            "invalid" => {
                // Decoded without the required-argument check: leaving a
                // required argument out is the engine's error, not the
                // provider's, but anything else must be well-formed.
                let (v, d) = decode(&nb.body, block, ctx, &decl);
                for d in d.0 {
                    if d.summary != "Missing required argument" {
                        diags.push(d);
                    }
                }
                invalid.push(v);
            }
            "import" => import = Some(import_case(nb, ctx, paths, diags)),
            "data" => {
                let Some((dtype, dname)) = two_labels(nb, diags) else {
                    continue;
                };
                let Some(ds) = schema.data_source(&dtype) else {
                    diags.push(unknown_type("data source", &dtype, &decl));
                    continue;
                };
                data.push(DataCase {
                    name: format!("data.{dtype}.{dname}"),
                    type_name: dtype,
                    config: self_decoder(nb.body.clone(), ds.block.clone(), paths, decl),
                });
            }
            other => diags.push(error_at(
                "Unsupported block type",
                format!("Blocks of type \"{other}\" are not expected in a contract resource: use create, update, replace, import, invalid or data."),
                &nb.type_range,
            )),
        }
    }
    let Some(create) = create else {
        diags.push(error_at(
            "Missing create block",
            format!("resource \"{type_name}\" \"{name}\" needs a create block: the configuration of the object to create."),
            &b.decl_range(),
        ));
        return None;
    };
    Some(ResourceCase {
        name: format!("{type_name}.{name}"),
        type_name,
        create,
        steps,
        import,
        invalid,
        data,
        state_only,
    })
}

fn import_case(b: &Block, ctx: &EvalContext, paths: &Paths, diags: &mut Diagnostics) -> ImportCase {
    for a in &b.body.attributes {
        if a.name != "id" && a.name != "ignore" {
            diags.push(error_at(
                "Unsupported argument",
                format!(
                    "An import block takes \"id\" and \"ignore\", not \"{}\".",
                    a.name
                ),
                &a.name_range,
            ));
        }
    }
    let mut ignore = Vec::new();
    if let Some(a) = b.body.attribute("ignore") {
        match eval(&a.expr.expr, ctx, &a.expr.file) {
            Ok(v) => match v.as_elements() {
                Some(items) if items.iter().all(|i| i.as_str().is_some()) => {
                    ignore = items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect();
                }
                _ => diags.push(error_at(
                    "Invalid ignore list",
                    "ignore must be a list of attribute names, such as [\"password\"].",
                    &a.expr.range(),
                )),
            },
            Err(d) => diags.extend(d),
        }
    }
    let id: StateFn<String> = match b.body.attribute("id") {
        None => ImportCase::by_attribute("id").id,
        Some(a) => {
            let expr = a.expr.clone();
            let paths = paths.clone();
            Arc::new(move |state: &Value| {
                let ctx = base_context(&paths).with_root("self", state.clone());
                let v = eval(&expr.expr, &ctx, &expr.file).map_err(render)?;
                v.as_str().map(str::to_string).ok_or_else(|| {
                    format!(
                        "{}: the import id must be a string, not {}",
                        expr.range(),
                        gitform_value::display::format_console(&v)
                    )
                })
            })
        }
    };
    ImportCase { id, ignore }
}

/// A configuration decoded when the resource's state is known (`self`).
fn self_decoder(
    body: Body,
    block: SchemaBlock,
    paths: &Paths,
    decl: SourceRange,
) -> StateFn<Value> {
    let paths = paths.clone();
    Arc::new(move |state: &Value| {
        let mut ctx = base_context(&paths).with_root("self", state.clone());
        let (v, d) = decode_body(&body, &block, &mut ctx, &decl);
        if d.has_errors() {
            Err(render(d))
        } else {
            Ok(v)
        }
    })
}

fn decode(
    body: &Body,
    block: &SchemaBlock,
    ctx: &EvalContext,
    decl: &SourceRange,
) -> (Value, Diagnostics) {
    decode_body(body, block, &mut ctx.clone(), decl)
}

fn base_context(paths: &Paths) -> EvalContext {
    let mut ctx = EvalContext::new();
    ctx.func = gitform_functions::FuncContext::new(&paths.module);
    let root = Value::string(paths.root.display().to_string());
    let path = Value::object([
        ("module", Value::string(paths.module.display().to_string())),
        ("root", root.clone()),
        ("cwd", root),
    ]);
    ctx.with_root("path", path)
}

fn render(d: Diagnostics) -> String {
    d.iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn two_labels(b: &Block, diags: &mut Diagnostics) -> Option<(String, String)> {
    match b.labels.as_slice() {
        [t, n] => Some((t.clone(), n.clone())),
        _ => {
            diags.push(error_at(
                "Invalid block labels",
                format!(
                    "A {} block has two labels: the type and a name, as in {} \"example_thing\" \"basic\" {{ ... }}.",
                    b.type_name, b.type_name
                ),
                &b.decl_range(),
            ));
            None
        }
    }
}

fn unknown_type(what: &str, type_name: &str, at: &SourceRange) -> Diagnostic {
    error_at(
        &format!("Unknown {what}"),
        format!("The provider's schema has no {what} \"{type_name}\"."),
        at,
    )
}

fn error_at(summary: &str, detail: impl Into<String>, at: &SourceRange) -> Diagnostic {
    Diagnostic::error(summary, detail).with_range(Some(at.clone()))
}

/// The static blocks of a body; `dynamic` blocks are not part of the format.
fn static_blocks<'a>(body: &'a Body, diags: &mut Diagnostics) -> Vec<&'a Block> {
    body.blocks
        .iter()
        .filter_map(|b| match b {
            NestedBlock::Static(b) => Some(b),
            NestedBlock::Dynamic(d) => {
                diags.push(error_at(
                    "Dynamic blocks not supported",
                    "Write the blocks out in a contract file.",
                    &d.type_range,
                ));
                None
            }
        })
        .collect()
}

/// Converts a parsed hcl-edit body into the loader's [`Body`] (static
/// blocks only: `dynamic` is an ordinary block name here, and the schema
/// decoder reports it).
fn convert_body(body: structure::Body, file: &Arc<SourceFile>) -> Body {
    let mut attributes = Vec::new();
    let mut blocks = Vec::new();
    for s in body {
        match s {
            Structure::Attribute(a) => {
                let whole = a.span().unwrap_or(0..0);
                let name_span = a.key.span().unwrap_or_else(|| whole.clone());
                attributes.push(Attribute {
                    name: a.key.as_str().to_string(),
                    name_range: file.range(name_span),
                    range: file.range(whole.clone()),
                    expr: Expr::new(a.value, file, whole),
                });
            }
            Structure::Block(b) => {
                let whole = b.span().unwrap_or(0..0);
                let ty = b.ident.span().unwrap_or_else(|| whole.clone());
                let label_ranges = b
                    .labels
                    .iter()
                    .map(|l| file.range(l.span().unwrap_or_else(|| ty.clone())))
                    .collect();
                blocks.push(NestedBlock::Static(Block {
                    type_name: b.ident.as_str().to_string(),
                    labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
                    label_ranges,
                    body: convert_body(b.body, file),
                    range: file.range(whole),
                    type_range: file.range(ty),
                }));
            }
        }
    }
    Body::new(attributes, blocks)
}
