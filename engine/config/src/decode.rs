//! Decoding a parsed file's top-level blocks into a [`Module`], with
//! Terraform's structural checks (block types, labels, names, duplicates,
//! meta-arguments).

use crate::body::{
    block_spans, convert_block, convert_body, convert_nested_block, short_range, split_structures,
    static_str, Attribute, Body, Expr, NestedBlock,
};
use crate::model::{
    Backend, CheckRule, IgnoreChanges, Lifecycle, Local, Module, ModuleCall, Output,
    PassedProvider, ProviderConfig, ProviderRef, RequiredProvider, Resource, ResourceMode,
    Validation, Variable, VersionConstraint,
};
use gitform_value::{Diagnostic, Diagnostics, SourceFile, SourceRange};
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{self, Structure};
use hcl_edit::Span;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

const TOP_LEVEL_BLOCKS: &[&str] = &[
    "terraform",
    "provider",
    "variable",
    "locals",
    "output",
    "module",
    "resource",
    "data",
    "moved",
    "import",
    "removed",
    "check",
];

/// Variable names that have a special meaning in `module` blocks.
const RESERVED_VARIABLE_NAMES: &[&str] = &[
    "source",
    "version",
    "providers",
    "count",
    "for_each",
    "lifecycle",
    "depends_on",
    "locals",
];

/// First declarations seen so far in a module, to detect duplicates across files.
#[derive(Default)]
pub(crate) struct Seen {
    variables: HashMap<String, SourceRange>,
    locals: HashMap<String, SourceRange>,
    outputs: HashMap<String, SourceRange>,
    modules: HashMap<String, SourceRange>,
    managed: HashMap<(String, String), SourceRange>,
    data: HashMap<(String, String), SourceRange>,
    providers: HashMap<(String, Option<String>), SourceRange>,
    required_providers: HashMap<String, SourceRange>,
    backend: Option<SourceRange>,
}

/// Decodes the top-level structures of one file into `module`.
pub(crate) fn decode_file(
    module: &mut Module,
    seen: &mut Seen,
    file: &Arc<SourceFile>,
    body: structure::Body,
    diags: &mut Diagnostics,
) {
    let mut d = Decoder { file, diags };
    for s in body {
        match s {
            Structure::Attribute(a) => {
                let a = crate::body::convert_attribute(a, file);
                d.err(
                    "Unsupported argument",
                    format!(
                        "An argument named \"{}\" is not expected here. Top-level arguments are not allowed: to define a local value, put it inside a `locals {{ ... }}` block.",
                        a.name
                    ),
                    &a.name_range,
                );
            }
            Structure::Block(b) => d.top_level_block(module, seen, b),
        }
    }
}

struct Decoder<'a> {
    file: &'a Arc<SourceFile>,
    diags: &'a mut Diagnostics,
}

/// A raw top-level block's parts.
struct Header {
    labels: Vec<String>,
    decl: SourceRange,
    range: SourceRange,
}

impl Decoder<'_> {
    fn err(&mut self, summary: impl Into<String>, detail: impl Into<String>, range: &SourceRange) {
        self.diags
            .push(Diagnostic::error(summary, detail).with_range(Some(range.clone())));
    }

    fn warn(&mut self, summary: impl Into<String>, detail: impl Into<String>, range: &SourceRange) {
        self.diags
            .push(Diagnostic::warning(summary, detail).with_range(Some(range.clone())));
    }

    fn range(&self, span: Range<usize>) -> SourceRange {
        self.file.range(span)
    }

    fn top_level_block(&mut self, module: &mut Module, seen: &mut Seen, b: structure::Block) {
        let kind = b.ident.as_str().to_string();
        match kind.as_str() {
            "resource" => self.resource(module, seen, b, ResourceMode::Managed),
            "data" => self.resource(module, seen, b, ResourceMode::Data),
            "variable" => self.variable(module, seen, b),
            "output" => self.output(module, seen, b),
            "locals" => self.locals(module, seen, b),
            "module" => self.module_call(module, seen, b),
            "provider" => self.provider(module, seen, b),
            "terraform" => self.terraform(module, seen, b),
            "moved" | "import" | "removed" => {
                let (_, ty) = block_spans(&b);
                let r = self.range(ty);
                self.err(
                    format!("Unsupported block type \"{kind}\""),
                    format!("gitform does not support `{kind}` blocks yet. Remove this block (and make the change it describes by hand)."),
                    &r,
                );
            }
            "check" => {
                let (_, ty) = block_spans(&b);
                let r = self.range(ty);
                self.warn(
                    "Check blocks are not supported yet",
                    "gitform ignores `check` blocks for now: their assertions are not evaluated. Use a precondition or postcondition in a resource's lifecycle block instead.",
                    &r,
                );
            }
            other => {
                let (_, ty) = block_spans(&b);
                let r = self.range(ty);
                let detail = match suggest(other, TOP_LEVEL_BLOCKS) {
                    Some(s) => format!("Blocks of type \"{other}\" are not expected here. Did you mean \"{s}\"?"),
                    None => format!(
                        "Blocks of type \"{other}\" are not expected here. The top-level block types are: {}.",
                        TOP_LEVEL_BLOCKS.join(", ")
                    ),
                };
                self.err("Unsupported block type", detail, &r);
            }
        }
    }

    /// Checks a block's labels; returns `None` (after reporting) when they are wrong.
    fn header(&mut self, b: &structure::Block, kind: &str, label_names: &[&str]) -> Option<Header> {
        let (whole, ty) = block_spans(b);
        let mut decl = ty.clone();
        if let Some(end) = b.labels.last().and_then(|l| l.span()) {
            decl.end = end.end;
        }
        let decl = self.range(decl);
        let labels: Vec<String> = b.labels.iter().map(|l| l.as_str().to_string()).collect();
        let want = label_names.len();
        if labels.len() < want {
            let what = label_names.get(labels.len()).copied().unwrap_or("name");
            self.err(
                format!("Missing {what} for {kind}"),
                format!(
                    "All {kind} blocks must have {want} label{} ({}), as in `{kind} {}{{`.",
                    if want == 1 { "" } else { "s" },
                    label_names.join(", "),
                    label_names
                        .iter()
                        .map(|n| format!("\"{n}\" "))
                        .collect::<String>()
                ),
                &decl,
            );
            return None;
        }
        if labels.len() > want {
            let extra = b.labels.get(want).and_then(|l| l.span()).unwrap_or(ty);
            let r = self.range(extra);
            let detail = if want == 0 {
                format!("No labels are expected for {kind} blocks. Remove the label.")
            } else {
                format!(
                    "Only {want} label{} ({}) {} expected for {kind} blocks. Remove the extra label.",
                    if want == 1 { "" } else { "s" },
                    label_names.join(", "),
                    if want == 1 { "is" } else { "are" }
                )
            };
            self.err(format!("Extraneous label for {kind}"), detail, &r);
            return None;
        }
        Some(Header {
            labels,
            decl,
            range: self.range(whole),
        })
    }

    /// Reports an invalid identifier label; returns whether it is valid.
    fn check_name(&mut self, name: &str, what: &str, range: &SourceRange) -> bool {
        if valid_name(name) {
            return true;
        }
        self.err(
            format!("Invalid {what}"),
            format!("\"{name}\" is not valid here. A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes."),
            range,
        );
        false
    }

    fn duplicate<K: std::hash::Hash + Eq>(
        &mut self,
        map: &mut HashMap<K, SourceRange>,
        key: K,
        range: &SourceRange,
        summary: &str,
        detail: impl FnOnce(&str) -> String,
    ) -> bool {
        if let Some(first) = map.get(&key) {
            let at = short_range(first);
            self.err(summary.to_string(), detail(&at), range);
            true
        } else {
            map.insert(key, range.clone());
            false
        }
    }

    fn unsupported_argument(&mut self, a: &Attribute, allowed: &[&str]) {
        let detail = match suggest(&a.name, allowed) {
            Some(s) => format!("An argument named \"{}\" is not expected here. Did you mean \"{s}\"?", a.name),
            None if allowed.is_empty() => format!("An argument named \"{}\" is not expected here. Remove it.", a.name),
            None => format!(
                "An argument named \"{}\" is not expected here. The arguments allowed here are: {}.",
                a.name,
                allowed.join(", ")
            ),
        };
        self.err("Unsupported argument", detail, &a.name_range);
    }

    fn unsupported_block(&mut self, b: &structure::Block, allowed: &[&str]) {
        let (_, ty) = block_spans(b);
        let r = self.range(ty);
        let name = b.ident.as_str();
        let detail = match suggest(name, allowed) {
            Some(s) => {
                format!("Blocks of type \"{name}\" are not expected here. Did you mean \"{s}\"?")
            }
            None if allowed.is_empty() => {
                format!("Blocks of type \"{name}\" are not expected here. Remove the block.")
            }
            None => format!(
                "Blocks of type \"{name}\" are not expected here. The blocks allowed here are: {}.",
                allowed.join(", ")
            ),
        };
        self.err("Unsupported block type", detail, &r);
    }

    fn missing_argument(&mut self, name: &str, range: &SourceRange) {
        self.err(
            "Missing required argument",
            format!("The argument \"{name}\" is required, but no definition was found. Add `{name} = ...` to this block."),
            range,
        );
    }

    fn static_string(&mut self, a: &Attribute) -> Option<String> {
        match a.expr.as_static_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.err(
                    "Invalid value",
                    format!("The argument \"{}\" must be a literal string in quotes, without interpolation or references.", a.name),
                    &a.expr.range(),
                );
                None
            }
        }
    }

    fn static_bool(&mut self, a: &Attribute) -> Option<bool> {
        match a.expr.as_static_bool() {
            Some(v) => Some(v),
            None => {
                self.err(
                    "Invalid value",
                    format!(
                        "The argument \"{}\" must be the literal `true` or `false`.",
                        a.name
                    ),
                    &a.expr.range(),
                );
                None
            }
        }
    }

    // ---- variable ------------------------------------------------------------

    fn variable(&mut self, module: &mut Module, seen: &mut Seen, b: structure::Block) {
        const ARGS: &[&str] = &[
            "type",
            "default",
            "description",
            "sensitive",
            "nullable",
            "ephemeral",
        ];
        let Some(h) = self.header(&b, "variable", &["name"]) else {
            return;
        };
        let name = h.labels[0].clone();
        if !self.check_name(&name, "variable name", &h.decl) {
            return;
        }
        if RESERVED_VARIABLE_NAMES.contains(&name.as_str()) {
            self.err(
                "Invalid variable name",
                format!("The variable name \"{name}\" is reserved due to its special meaning inside module blocks. Choose another name."),
                &h.decl,
            );
            return;
        }
        let raw = split_structures(b.body, self.file);
        let mut v = Variable {
            name: name.clone(),
            ty: None,
            default: None,
            description: None,
            sensitive: false,
            nullable: true,
            ephemeral: false,
            validations: Vec::new(),
            decl_range: h.decl.clone(),
            range: h.range,
        };
        for a in raw.attributes {
            match a.name.as_str() {
                "type" => v.ty = Some(a.expr),
                "default" => v.default = Some(a.expr),
                "description" => v.description = self.static_string(&a),
                "sensitive" => v.sensitive = self.static_bool(&a).unwrap_or(false),
                "nullable" => v.nullable = self.static_bool(&a).unwrap_or(true),
                "ephemeral" => v.ephemeral = self.static_bool(&a).unwrap_or(false),
                _ => self.unsupported_argument(&a, ARGS),
            }
        }
        for nb in raw.blocks {
            if nb.ident.as_str() == "validation" {
                if let Some(rule) = self.check_rule(nb, "validation") {
                    v.validations.push(Validation {
                        condition: rule.condition,
                        error_message: rule.error_message,
                        range: rule.range,
                    });
                }
            } else {
                self.unsupported_block(&nb, &["validation"]);
            }
        }
        let dup = self.duplicate(&mut seen.variables, name.clone(), &h.decl, "Duplicate variable declaration", |at| {
            format!("A variable named \"{name}\" was already declared at {at}. Variable names must be unique within a module.")
        });
        if !dup {
            module.variables.push(v);
        }
    }

    /// A `validation`, `precondition` or `postcondition` block.
    fn check_rule(&mut self, b: structure::Block, kind: &str) -> Option<CheckRule> {
        let h = self.header(&b, kind, &[])?;
        let raw = split_structures(b.body, self.file);
        let mut condition = None;
        let mut error_message = None;
        for a in raw.attributes {
            match a.name.as_str() {
                "condition" => condition = Some(a.expr),
                "error_message" => error_message = Some(a.expr),
                _ => self.unsupported_argument(&a, &["condition", "error_message"]),
            }
        }
        for nb in raw.blocks {
            self.unsupported_block(&nb, &[]);
        }
        if condition.is_none() {
            self.missing_argument("condition", &h.decl);
        }
        if error_message.is_none() {
            self.missing_argument("error_message", &h.decl);
        }
        Some(CheckRule {
            condition: condition?,
            error_message: error_message?,
            range: h.range,
        })
    }

    // ---- output --------------------------------------------------------------

    fn output(&mut self, module: &mut Module, seen: &mut Seen, b: structure::Block) {
        const ARGS: &[&str] = &[
            "value",
            "description",
            "sensitive",
            "ephemeral",
            "depends_on",
        ];
        let Some(h) = self.header(&b, "output", &["name"]) else {
            return;
        };
        let name = h.labels[0].clone();
        if !self.check_name(&name, "output name", &h.decl) {
            return;
        }
        let raw = split_structures(b.body, self.file);
        let mut value = None;
        let mut description = None;
        let mut sensitive = false;
        let mut ephemeral = false;
        let mut depends_on = Vec::new();
        let mut preconditions = Vec::new();
        for a in raw.attributes {
            match a.name.as_str() {
                "value" => value = Some(a.expr),
                "description" => description = self.static_string(&a),
                "sensitive" => sensitive = self.static_bool(&a).unwrap_or(false),
                "ephemeral" => ephemeral = self.static_bool(&a).unwrap_or(false),
                "depends_on" => depends_on = self.depends_on(a.expr),
                _ => self.unsupported_argument(&a, ARGS),
            }
        }
        for nb in raw.blocks {
            if nb.ident.as_str() == "precondition" {
                preconditions.extend(self.check_rule(nb, "precondition"));
            } else {
                self.unsupported_block(&nb, &["precondition"]);
            }
        }
        let dup = self.duplicate(&mut seen.outputs, name.clone(), &h.decl, "Duplicate output definition", |at| {
            format!("An output named \"{name}\" was already defined at {at}. Output names must be unique within a module.")
        });
        let Some(value) = value else {
            self.missing_argument("value", &h.decl);
            return;
        };
        if !dup {
            module.outputs.push(Output {
                name,
                value,
                description,
                sensitive,
                ephemeral,
                depends_on,
                preconditions,
                decl_range: h.decl,
                range: h.range,
            });
        }
    }

    // ---- locals --------------------------------------------------------------

    fn locals(&mut self, module: &mut Module, seen: &mut Seen, b: structure::Block) {
        if self.header(&b, "locals", &[]).is_none() {
            return;
        }
        let raw = split_structures(b.body, self.file);
        for nb in raw.blocks {
            let (_, ty) = block_spans(&nb);
            let r = self.range(ty);
            self.err(
                "Unsupported block type",
                format!(
                    "Blocks of type \"{}\" are not expected in locals. Define each local value as an argument: `name = value` (use an object `{{ ... }}` for structured values).",
                    nb.ident.as_str()
                ),
                &r,
            );
        }
        for a in raw.attributes {
            let name = a.name.clone();
            let dup = self.duplicate(&mut seen.locals, name.clone(), &a.range, "Duplicate local value definition", |at| {
                format!("A local value named \"{name}\" was already defined at {at}. Local value names must be unique within a module.")
            });
            if !dup {
                module.locals.push(Local {
                    name: a.name,
                    expr: a.expr,
                    range: a.range,
                });
            }
        }
    }

    // ---- module --------------------------------------------------------------

    fn module_call(&mut self, module: &mut Module, seen: &mut Seen, b: structure::Block) {
        let Some(h) = self.header(&b, "module", &["name"]) else {
            return;
        };
        let name = h.labels[0].clone();
        if !self.check_name(&name, "module instance name", &h.decl) {
            return;
        }
        let raw = split_structures(b.body, self.file);
        let mut source = None;
        let mut version = None;
        let mut count = None;
        let mut for_each: Option<Expr> = None;
        let mut depends_on = Vec::new();
        let mut providers = Vec::new();
        let mut inputs = Vec::new();
        for a in raw.attributes {
            match a.name.as_str() {
                "source" => source = Some(a),
                "version" => version = Some(a),
                "count" => count = Some(a.expr),
                "for_each" => for_each = Some(a.expr),
                "depends_on" => depends_on = self.depends_on(a.expr),
                "providers" => providers = self.passed_providers(a.expr),
                _ => inputs.push(a),
            }
        }
        for nb in raw.blocks {
            let (_, ty) = block_spans(&nb);
            let r = self.range(ty);
            let kind = nb.ident.as_str();
            self.err(
                "Unsupported block type",
                format!(
                    "Blocks of type \"{kind}\" are not expected in a module block: module inputs are arguments. Write `{kind} = {{ ... }}` to pass an object."
                ),
                &r,
            );
        }
        self.count_and_for_each(count.as_ref(), for_each.as_ref(), "modules");
        let dup = self.duplicate(&mut seen.modules, name.clone(), &h.decl, "Duplicate module call", |at| {
            format!("A module call named \"{name}\" was already defined at {at}. Module calls must have unique names within a module.")
        });
        let Some(source_attr) = source else {
            self.missing_argument("source", &h.decl);
            return;
        };
        let Some(src) = source_attr.expr.as_static_str().map(str::to_string) else {
            self.err(
                "Invalid module source",
                "The module source must be a literal string such as \"./modules/network\"; references and expressions are not allowed here.",
                &source_attr.expr.range(),
            );
            return;
        };
        let source_range = source_attr.expr.range();
        let local = src.starts_with("./") || src.starts_with("../") || src == "." || src == "..";
        if !local {
            self.err(
                "Unsupported module source",
                format!(
                    "gitform only loads local modules for now (a source starting with \"./\" or \"../\"); \"{src}\" is a registry, Git or other remote source. Copy the module into this repository and refer to it by its relative path."
                ),
                &source_range,
            );
        }
        let version = match version {
            Some(v) if local => {
                self.err(
                    "Invalid argument",
                    format!("Cannot apply a version constraint to module \"{name}\" because it has a relative local path. Remove the version argument."),
                    &v.name_range,
                );
                None
            }
            Some(v) => self.static_string(&v),
            None => None,
        };
        if !dup && local {
            module.module_calls.push(ModuleCall {
                name,
                source: src,
                source_range,
                version,
                count,
                for_each,
                depends_on,
                providers,
                inputs: Body::new(inputs, Vec::new()),
                decl_range: h.decl,
                range: h.range,
            });
        }
    }

    fn passed_providers(&mut self, e: Expr) -> Vec<PassedProvider> {
        let Expression::Object(obj) = &e.expr else {
            self.err(
                "Invalid providers argument",
                "The providers argument must be an object mapping the child module's provider names to this module's configurations, such as `{ aws = aws.west }`.",
                &e.range(),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in obj.iter() {
            let key = match k {
                ObjectKey::Ident(id) => Some(ProviderRef {
                    name: id.as_str().to_string(),
                    alias: None,
                    range: Some(e.range_of(id)),
                }),
                ObjectKey::Expression(ke) => self.provider_ref_expr(&e, ke),
            };
            let val = self.provider_ref_expr(&e, v.expr());
            if let (Some(in_child), Some(in_parent)) = (key, val) {
                let start = k.span().map_or(e.span.start, |s| s.start);
                let end = v.expr().span().map_or(e.span.end, |s| s.end);
                out.push(PassedProvider {
                    in_child,
                    in_parent,
                    range: self.range(start..end),
                });
            }
        }
        out
    }

    // ---- provider ------------------------------------------------------------

    fn provider(&mut self, module: &mut Module, seen: &mut Seen, b: structure::Block) {
        let Some(h) = self.header(&b, "provider", &["name"]) else {
            return;
        };
        let name = h.labels[0].clone();
        if !self.check_name(&name, "provider local name", &h.decl) {
            return;
        }
        let mut body = convert_body(b.body, self.file, self.diags, 1);
        let mut alias = None;
        if let Some(a) = body.take_attribute("alias") {
            let Some(s) = self.static_string(&a) else {
                return;
            };
            if !self.check_name(&s, "provider configuration alias", &a.expr.range()) {
                return;
            }
            alias = Some(s);
        }
        let dup = if let Some(al) = &alias {
            let key = (name.clone(), alias.clone());
            self.duplicate(&mut seen.providers, key, &h.decl, "Duplicate provider configuration", |at| {
                format!("A provider configuration for \"{name}\" with alias \"{al}\" was already given at {at}. Each configuration for the same provider must have a distinct alias.")
            })
        } else {
            self.duplicate(&mut seen.providers, (name.clone(), None), &h.decl, "Duplicate provider configuration", |at| {
                format!("A default (non-aliased) provider configuration for \"{name}\" was already given at {at}. If multiple configurations are required, set the \"alias\" argument for alternative configurations.")
            })
        };
        if !dup {
            module.providers.push(ProviderConfig {
                name,
                alias,
                body,
                decl_range: h.decl,
                range: h.range,
            });
        }
    }

    // ---- terraform -----------------------------------------------------------

    fn terraform(&mut self, module: &mut Module, seen: &mut Seen, b: structure::Block) {
        let Some(h) = self.header(&b, "terraform", &[]) else {
            return;
        };
        module.terraform.ranges.push(h.range);
        let raw = split_structures(b.body, self.file);
        for a in raw.attributes {
            match a.name.as_str() {
                "required_version" => {
                    if let Some(c) = self.static_string(&a) {
                        module.terraform.required_versions.push(VersionConstraint { constraint: c, range: a.expr.range() });
                    }
                }
                "experiments" => self.warn(
                    "Experiments are not supported",
                    "gitform has no experimental language features; this argument is ignored. Remove it.",
                    &a.name_range,
                ),
                _ => self.unsupported_argument(&a, &["required_version", "experiments"]),
            }
        }
        for nb in raw.blocks {
            match nb.ident.as_str() {
                "required_providers" => self.required_providers(module, seen, nb),
                "backend" => {
                    let Some(bh) = self.header(&nb, "backend", &["type"]) else {
                        continue;
                    };
                    let dup = match &seen.backend {
                        Some(first) => {
                            let at = short_range(first);
                            self.err(
                                "Duplicate backend configuration",
                                format!("A backend was already configured at {at}. A module may have only one backend: remove one of them."),
                                &bh.decl,
                            );
                            true
                        }
                        None => {
                            seen.backend = Some(bh.decl.clone());
                            false
                        }
                    };
                    let body = convert_body(nb.body, self.file, self.diags, 2);
                    if !dup {
                        module.terraform.backend = Some(Backend {
                            type_name: bh.labels[0].clone(),
                            body,
                            range: bh.range,
                        });
                    }
                }
                "cloud" | "provider_meta" => {
                    let (_, ty) = block_spans(&nb);
                    let r = self.range(ty);
                    let kind = nb.ident.as_str().to_string();
                    self.err(
                        format!("Unsupported block type \"{kind}\""),
                        format!("gitform does not support `{kind}` blocks yet. Remove this block."),
                        &r,
                    );
                }
                _ => self.unsupported_block(&nb, &["required_providers", "backend"]),
            }
        }
    }

    fn required_providers(&mut self, module: &mut Module, seen: &mut Seen, b: structure::Block) {
        if self.header(&b, "required_providers", &[]).is_none() {
            return;
        }
        let raw = split_structures(b.body, self.file);
        for nb in raw.blocks {
            self.unsupported_block(&nb, &[]);
        }
        for a in raw.attributes {
            let name = a.name.clone();
            let mut rp = RequiredProvider {
                name: name.clone(),
                source: None,
                version: None,
                configuration_aliases: Vec::new(),
                range: a.range.clone(),
            };
            match &a.expr.expr {
                Expression::String(s) => rp.version = Some(s.value().to_string()),
                Expression::Object(obj) => {
                    for (k, v) in obj.iter() {
                        let key = match k {
                            ObjectKey::Ident(id) => id.as_str().to_string(),
                            ObjectKey::Expression(e) => {
                                static_str(e).unwrap_or_default().to_string()
                            }
                        };
                        let vr = a.expr.range_of(v.expr());
                        match key.as_str() {
                            "source" | "version" => match static_str(v.expr()) {
                                Some(s) if key == "source" => rp.source = Some(s.to_string()),
                                Some(s) => rp.version = Some(s.to_string()),
                                None => self.err(
                                    "Invalid required_providers entry",
                                    format!("The \"{key}\" of provider \"{name}\" must be a literal string."),
                                    &vr,
                                ),
                            },
                            "configuration_aliases" => match v.expr() {
                                Expression::Array(arr) => {
                                    for e in arr.iter() {
                                        if let Some(r) = self.provider_ref_expr(&a.expr, e) {
                                            rp.configuration_aliases.push(r);
                                        }
                                    }
                                }
                                _ => self.err(
                                    "Invalid required_providers entry",
                                    "configuration_aliases must be a list of provider references, such as `[aws.west]`.",
                                    &vr,
                                ),
                            },
                            other => {
                                let kr = k.span().map_or_else(|| a.expr.range(), |s| self.range(s));
                                self.err(
                                    "Invalid required_providers entry",
                                    format!("\"{other}\" is not expected in a required_providers entry. Use \"source\", \"version\" and \"configuration_aliases\"."),
                                    &kr,
                                );
                            }
                        }
                    }
                }
                _ => {
                    self.err(
                        "Invalid required_providers entry",
                        format!("The entry for \"{name}\" must be an object such as `{{ source = \"hashicorp/{name}\", version = \"~> 1.0\" }}`."),
                        &a.expr.range(),
                    );
                    continue;
                }
            }
            let dup = self.duplicate(&mut seen.required_providers, name.clone(), &a.name_range, "Duplicate required provider", |at| {
                format!("Provider \"{name}\" was already required at {at}. Each provider may be listed only once in required_providers: merge the two entries.")
            });
            if !dup {
                module.terraform.required_providers.insert(name, rp);
            }
        }
    }

    // ---- resource / data -----------------------------------------------------

    fn resource(
        &mut self,
        module: &mut Module,
        seen: &mut Seen,
        b: structure::Block,
        mode: ResourceMode,
    ) {
        let kind = if mode == ResourceMode::Managed {
            "resource"
        } else {
            "data"
        };
        let Some(h) = self.header(&b, kind, &["type", "name"]) else {
            return;
        };
        let (type_name, name) = (h.labels[0].clone(), h.labels[1].clone());
        let label_range = |i: usize, d: &Self| {
            b.labels
                .get(i)
                .and_then(|l| l.span())
                .map_or_else(|| h.decl.clone(), |s| d.range(s))
        };
        let (tr, nr) = (label_range(0, self), label_range(1, self));
        let ok_type = self.check_name(&type_name, "resource type name", &tr);
        let ok_name = self.check_name(&name, "resource name", &nr);
        if !(ok_type && ok_name) {
            return;
        }
        let raw = split_structures(b.body, self.file);
        let mut provider = None;
        let mut count = None;
        let mut for_each = None;
        let mut depends_on = Vec::new();
        let mut attrs = Vec::new();
        for a in raw.attributes {
            match a.name.as_str() {
                "count" => count = Some(a.expr),
                "for_each" => for_each = Some(a.expr),
                "depends_on" => depends_on = self.depends_on(a.expr),
                "provider" => provider = self.provider_ref_expr(&a.expr, &a.expr.expr),
                _ => attrs.push(a),
            }
        }
        let mut lifecycle: Option<Lifecycle> = None;
        let mut provisioners = Vec::new();
        let mut connection: Option<crate::body::Block> = None;
        let mut blocks: Vec<NestedBlock> = Vec::new();
        for nb in raw.blocks {
            match nb.ident.as_str() {
                "lifecycle" => {
                    let (_, ty) = block_spans(&nb);
                    if let Some(prev) = &lifecycle {
                        let at = prev.range.as_ref().map(short_range).unwrap_or_default();
                        let r = self.range(ty);
                        self.err(
                            "Duplicate lifecycle block",
                            format!("This resource already has a lifecycle block at {at}. Merge the two blocks into one."),
                            &r,
                        );
                    } else {
                        lifecycle = self.lifecycle(nb, mode);
                    }
                }
                "provisioner" | "connection" if mode == ResourceMode::Data => {
                    let (_, ty) = block_spans(&nb);
                    let r = self.range(ty);
                    self.err(
                        "Unsupported block type",
                        format!(
                            "Data resources cannot have \"{}\" blocks. Remove the block.",
                            nb.ident.as_str()
                        ),
                        &r,
                    );
                }
                "provisioner" => {
                    if self.header(&nb, "provisioner", &["type"]).is_some() {
                        provisioners.push(convert_block(nb, self.file, self.diags, 1));
                    }
                }
                "connection" => {
                    if self.header(&nb, "connection", &[]).is_none() {
                        continue;
                    }
                    let c = convert_block(nb, self.file, self.diags, 1);
                    if let Some(prev) = &connection {
                        self.err(
                            "Duplicate connection block",
                            format!("This resource already has a connection block at {}. Merge the two blocks into one.", short_range(&prev.type_range)),
                            &c.type_range,
                        );
                    } else {
                        connection = Some(c);
                    }
                }
                "locals" => {
                    let (_, ty) = block_spans(&nb);
                    let r = self.range(ty);
                    self.err(
                        "Reserved block type name in resource block",
                        "The block type name \"locals\" is reserved for use by Terraform-style configuration. Local values go in a top-level `locals` block.",
                        &r,
                    );
                }
                _ => blocks.extend(convert_nested_block(nb, self.file, self.diags, 1)),
            }
        }
        self.count_and_for_each(count.as_ref(), for_each.as_ref(), "resources");
        let key = (type_name.clone(), name.clone());
        let dup = match mode {
            ResourceMode::Managed => self.duplicate(
                &mut seen.managed,
                key,
                &h.decl,
                &format!("Duplicate resource \"{type_name}\" configuration"),
                |at| format!("A {type_name} resource named \"{name}\" was already declared at {at}. Resource names must be unique per type in each module."),
            ),
            ResourceMode::Data => self.duplicate(
                &mut seen.data,
                key,
                &h.decl,
                &format!("Duplicate data \"{type_name}\" configuration"),
                |at| format!("A {type_name} data resource named \"{name}\" was already declared at {at}. Resource names must be unique per type in each module."),
            ),
        };
        if dup {
            return;
        }
        let r = Resource {
            mode,
            type_name,
            name,
            provider,
            count,
            for_each,
            depends_on,
            lifecycle: lifecycle.unwrap_or_default(),
            provisioners,
            connection,
            body: Body::new(attrs, blocks),
            decl_range: h.decl,
            range: h.range,
        };
        match mode {
            ResourceMode::Managed => module.managed_resources.push(r),
            ResourceMode::Data => module.data_resources.push(r),
        }
    }

    fn count_and_for_each(&mut self, count: Option<&Expr>, for_each: Option<&Expr>, what: &str) {
        if let (Some(_), Some(fe)) = (count, for_each) {
            let r = fe.range();
            self.err(
                "Invalid combination of \"count\" and \"for_each\"",
                format!("The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of {what} to be created."),
                &r,
            );
        }
    }

    fn lifecycle(&mut self, b: structure::Block, mode: ResourceMode) -> Option<Lifecycle> {
        const MANAGED_ARGS: &[&str] = &[
            "create_before_destroy",
            "prevent_destroy",
            "ignore_changes",
            "replace_triggered_by",
        ];
        let h = self.header(&b, "lifecycle", &[])?;
        let raw = split_structures(b.body, self.file);
        let mut lc = Lifecycle {
            range: Some(h.decl.clone()),
            ..Lifecycle::default()
        };
        let allowed: &[&str] = if mode == ResourceMode::Managed {
            MANAGED_ARGS
        } else {
            &[]
        };
        for a in raw.attributes {
            if !allowed.contains(&a.name.as_str()) {
                if mode == ResourceMode::Data && MANAGED_ARGS.contains(&a.name.as_str()) {
                    self.err(
                        "Invalid data resource lifecycle argument",
                        format!("The lifecycle argument \"{}\" is only for managed resources; data resources support only precondition and postcondition blocks. Remove it.", a.name),
                        &a.name_range,
                    );
                } else {
                    self.unsupported_argument(&a, allowed);
                }
                continue;
            }
            match a.name.as_str() {
                "create_before_destroy" => lc.create_before_destroy = Some(a.expr),
                "prevent_destroy" => lc.prevent_destroy = Some(a.expr),
                "ignore_changes" => lc.ignore_changes = self.ignore_changes(a.expr),
                _ => lc.replace_triggered_by = self.replace_triggered_by(a.expr),
            }
        }
        for nb in raw.blocks {
            match nb.ident.as_str() {
                "precondition" => lc.preconditions.extend(self.check_rule(nb, "precondition")),
                "postcondition" => lc
                    .postconditions
                    .extend(self.check_rule(nb, "postcondition")),
                _ => self.unsupported_block(&nb, &["precondition", "postcondition"]),
            }
        }
        Some(lc)
    }

    fn ignore_changes(&mut self, e: Expr) -> IgnoreChanges {
        if e.as_ident() == Some("all") {
            return IgnoreChanges::All;
        }
        let Expression::Array(arr) = e.expr else {
            let r = e.range();
            self.err(
                "Invalid expression",
                "A static list expression is required: write `ignore_changes = [tags, tags[\"Name\"]]`, or `ignore_changes = all`.",
                &r,
            );
            return IgnoreChanges::None;
        };
        let mut out = Vec::new();
        for el in arr {
            let x = Expr::new(el, &e.file, e.span.clone());
            if x.as_static_str().is_some() {
                self.warn(
                    "Quoted references are deprecated",
                    "In this context, references are expected literally rather than in quotes. Remove the quotes surrounding this reference to silence this warning.",
                    &x.range(),
                );
                out.push(x);
            } else if is_static_traversal(&x.expr) {
                out.push(x);
            } else {
                self.not_a_reference(&x);
            }
        }
        IgnoreChanges::Paths(out)
    }

    fn replace_triggered_by(&mut self, e: Expr) -> Vec<Expr> {
        let Expression::Array(arr) = e.expr else {
            let r = e.range();
            self.err(
                "Invalid expression",
                "A list of references is required, such as `[aws_instance.web.id]`.",
                &r,
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for el in arr {
            let x = Expr::new(el, &e.file, e.span.clone());
            if matches!(x.expr, Expression::Traversal(_) | Expression::Variable(_)) {
                out.push(x);
            } else {
                let r = x.range();
                self.err(
                    "Invalid replace_triggered_by expression",
                    "Each entry must be a reference to a managed resource or one of its attributes, such as `aws_instance.web` or `aws_instance.web.id`.",
                    &r,
                );
            }
        }
        out
    }

    fn depends_on(&mut self, e: Expr) -> Vec<Expr> {
        let Expression::Array(arr) = e.expr else {
            let r = e.range();
            self.err(
                "Invalid expression",
                "A static list expression is required: write `depends_on = [aws_vpc.main, module.net]`.",
                &r,
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for el in arr {
            let x = Expr::new(el, &e.file, e.span.clone());
            if is_static_traversal(&x.expr) {
                out.push(x);
            } else {
                self.not_a_reference(&x);
            }
        }
        out
    }

    fn not_a_reference(&mut self, x: &Expr) {
        let hint = if x.as_static_str().is_some() {
            " Remove the quotes around the reference."
        } else {
            ""
        };
        self.err(
            "Invalid expression",
            format!("A single static variable reference is required: only attribute access and indexing with constant keys. No calculations, function calls, template expressions, etc are allowed here.{hint}"),
            &x.range(),
        );
    }

    /// `aws`, `aws.west` or the deprecated `"aws.west"`, inside expression `whole`.
    fn provider_ref_expr(&mut self, whole: &Expr, e: &Expression) -> Option<ProviderRef> {
        let range = whole.range_of(e);
        let parsed = match e {
            Expression::Variable(v) => Some((v.as_str().to_string(), None)),
            Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
                (Expression::Variable(v), [op]) => match op.value() {
                    TraversalOperator::GetAttr(alias) => {
                        Some((v.as_str().to_string(), Some(alias.as_str().to_string())))
                    }
                    _ => None,
                },
                _ => None,
            },
            Expression::String(s) => {
                self.warn(
                    "Quoted references are deprecated",
                    "In this context, references are expected literally rather than in quotes. Remove the quotes surrounding this reference to silence this warning.",
                    &range,
                );
                let mut parts = s.value().splitn(2, '.');
                let name = parts.next().unwrap_or_default().to_string();
                let alias = parts.next().map(str::to_string);
                (valid_name(&name) && alias.as_deref().is_none_or(valid_name))
                    .then_some((name, alias))
            }
            _ => None,
        };
        match parsed {
            Some((name, alias)) => Some(ProviderRef {
                name,
                alias,
                range: Some(range),
            }),
            None => {
                self.err(
                    "Invalid provider configuration reference",
                    "The provider argument requires a provider type name, optionally followed by a period and then a configuration alias, such as `aws` or `aws.west`.",
                    &range,
                );
                None
            }
        }
    }
}

/// A reference with only attribute access and constant indexes: `a.b[0]["k"]`.
fn is_static_traversal(e: &Expression) -> bool {
    match e {
        Expression::Variable(_) => true,
        Expression::Traversal(t) => {
            matches!(t.expr, Expression::Variable(_))
                && t.operators.iter().all(|op| match op.value() {
                    TraversalOperator::GetAttr(_) | TraversalOperator::LegacyIndex(_) => true,
                    TraversalOperator::Index(i) => {
                        matches!(i, Expression::Number(_) | Expression::String(_))
                    }
                    TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => false,
                })
        }
        _ => false,
    }
}

/// Terraform's identifier rule for names: a letter or underscore, then
/// letters, digits, underscores and dashes.
pub(crate) fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// The closest candidate to `name`, if it is close enough to be a likely typo.
fn suggest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    crate::suggest::suggest(name, candidates.iter().copied())
}
