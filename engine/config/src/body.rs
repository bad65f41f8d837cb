//! Unevaluated expressions and generic block bodies, with their source ranges.

use gitform_value::{Diagnostic, Diagnostics, SourceFile, SourceRange};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{self, Structure};
use hcl_edit::Span;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

/// An unevaluated expression, with the file it comes from and its byte span in
/// that file. Spans inside `expr` (via [`hcl_edit::Span`]) are byte offsets into
/// the same file.
#[derive(Clone, Debug)]
pub struct Expr {
    pub expr: Expression,
    pub file: Arc<SourceFile>,
    pub span: Range<usize>,
}

impl Expr {
    /// Wraps an expression parsed from `file`. `fallback` is used when the
    /// expression carries no span (it was not produced by the parser).
    pub fn new(expr: Expression, file: &Arc<SourceFile>, fallback: Range<usize>) -> Expr {
        let span = expr.span().unwrap_or(fallback);
        Expr {
            expr,
            file: file.clone(),
            span,
        }
    }

    /// The expression's source range.
    pub fn range(&self) -> SourceRange {
        self.file.range(self.span.clone())
    }

    /// The source range of any node inside this expression.
    pub fn range_of(&self, node: &impl Span) -> SourceRange {
        self.file
            .range(node.span().unwrap_or_else(|| self.span.clone()))
    }

    /// The source text of the expression.
    pub fn text(&self) -> &str {
        self.file.text.get(self.span.clone()).unwrap_or_default()
    }

    /// The value of a plain string literal (`"x"`, no interpolation).
    pub fn as_static_str(&self) -> Option<&str> {
        static_str(&self.expr)
    }

    /// The value of a `true`/`false` literal.
    pub fn as_static_bool(&self) -> Option<bool> {
        self.expr.as_bool()
    }

    /// The name of a bare identifier expression such as `all` or `each`.
    pub fn as_ident(&self) -> Option<&str> {
        match &self.expr {
            Expression::Variable(v) => Some(v.as_str()),
            _ => None,
        }
    }
}

/// A plain string literal's value.
pub(crate) fn static_str(expr: &Expression) -> Option<&str> {
    match expr {
        Expression::String(s) => Some(s.value().as_str()),
        Expression::Parenthesis(p) => static_str(p.inner()),
        _ => None,
    }
}

/// `main.tf:3,1-20` (or `main.tf:3,1-4,2` across lines), as Terraform
/// writes ranges inside diagnostic details.
pub(crate) fn short_range(r: &SourceRange) -> String {
    if r.start.line == r.end.line {
        format!(
            "{}:{},{}-{}",
            r.filename, r.start.line, r.start.column, r.end.column
        )
    } else {
        format!(
            "{}:{},{}-{},{}",
            r.filename, r.start.line, r.start.column, r.end.line, r.end.column
        )
    }
}

/// `name = expr` inside a body.
#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    pub expr: Expr,
    /// The name only.
    pub name_range: SourceRange,
    /// The whole `name = expr`.
    pub range: SourceRange,
}

/// A nested block: `type "label" { ... }`.
#[derive(Clone, Debug)]
pub struct Block {
    pub type_name: String,
    pub labels: Vec<String>,
    pub label_ranges: Vec<SourceRange>,
    pub body: Body,
    /// The whole block, from its type name to its closing brace.
    pub range: SourceRange,
    /// The block type name only.
    pub type_range: SourceRange,
}

impl Block {
    /// The block header: type name and labels (what Terraform calls the
    /// declaration range).
    pub fn decl_range(&self) -> SourceRange {
        let mut r = self.type_range.clone();
        if let Some(last) = self.label_ranges.last() {
            r.end = last.end;
        }
        r
    }
}

/// `dynamic "type" { for_each = ..., iterator = ..., labels = [...], content { ... } }`,
/// to be expanded by the engine into zero or more `type` blocks.
#[derive(Clone, Debug)]
pub struct DynamicBlock {
    /// The type of the blocks to generate (the label of `dynamic`).
    pub type_name: String,
    pub for_each: Expr,
    /// The iterator variable name; defaults to `type_name`.
    pub iterator: Option<String>,
    /// Labels of the generated blocks (a list expression), if any.
    pub labels: Option<Expr>,
    /// The `content` block's body, evaluated once per element.
    pub content: Body,
    /// The whole `dynamic` block.
    pub range: SourceRange,
    /// The `dynamic "type"` header.
    pub type_range: SourceRange,
}

impl DynamicBlock {
    /// The iterator variable name (`iterator`, or the block type).
    pub fn iterator_name(&self) -> &str {
        self.iterator.as_deref().unwrap_or(&self.type_name)
    }
}

/// A block inside a body, in source order: static or `dynamic`.
// Both variants are large; boxing one would only complicate matching.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum NestedBlock {
    Static(Block),
    Dynamic(DynamicBlock),
}

impl NestedBlock {
    /// The type of the block(s) this produces.
    pub fn type_name(&self) -> &str {
        match self {
            NestedBlock::Static(b) => &b.type_name,
            NestedBlock::Dynamic(d) => &d.type_name,
        }
    }

    pub fn range(&self) -> &SourceRange {
        match self {
            NestedBlock::Static(b) => &b.range,
            NestedBlock::Dynamic(d) => &d.range,
        }
    }
}

/// The unevaluated content of a block: its arguments and nested blocks, in
/// source order. Argument names are unique (the parser rejects duplicates).
#[derive(Clone, Debug, Default)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    index: HashMap<String, usize>,
}

impl Body {
    pub fn new(attributes: Vec<Attribute>, blocks: Vec<NestedBlock>) -> Body {
        let index = attributes
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.clone(), i))
            .collect();
        Body {
            attributes,
            blocks,
            index,
        }
    }

    /// The argument named `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.index.get(name).and_then(|&i| self.attributes.get(i))
    }

    /// The static blocks of type `type_name`, in order (dynamic ones excluded).
    pub fn blocks_of_type<'a>(
        &'a self,
        type_name: &'a str,
    ) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter_map(move |b| match b {
            NestedBlock::Static(b) if b.type_name == type_name => Some(b),
            _ => None,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty() && self.blocks.is_empty()
    }

    /// Removes and returns the argument named `name`.
    pub(crate) fn take_attribute(&mut self, name: &str) -> Option<Attribute> {
        let i = self.index.remove(name)?;
        let a = self.attributes.remove(i);
        for v in self.index.values_mut() {
            if *v > i {
                *v -= 1;
            }
        }
        Some(a)
    }
}

/// Nesting limit for converting bodies (hcl-edit itself stops at 64 levels).
const MAX_DEPTH: usize = 128;

/// Converts parser structures, in source order, into attributes and raw blocks.
pub(crate) struct RawItems {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<structure::Block>,
}

pub(crate) fn split_structures(body: structure::Body, file: &Arc<SourceFile>) -> RawItems {
    let mut attributes = Vec::new();
    let mut blocks = Vec::new();
    for s in body {
        match s {
            Structure::Attribute(a) => attributes.push(convert_attribute(a, file)),
            Structure::Block(b) => blocks.push(b),
        }
    }
    RawItems { attributes, blocks }
}

pub(crate) fn convert_attribute(a: structure::Attribute, file: &Arc<SourceFile>) -> Attribute {
    let whole = a.span().unwrap_or(0..0);
    let name_span = a.key.span().unwrap_or_else(|| whole.clone());
    let name = a.key.as_str().to_string();
    let expr = Expr::new(a.value, file, whole.clone());
    Attribute {
        name,
        expr,
        name_range: file.range(name_span),
        range: file.range(whole),
    }
}

/// Source spans of a block: whole block and type name.
pub(crate) fn block_spans(b: &structure::Block) -> (Range<usize>, Range<usize>) {
    let whole = b.span().unwrap_or(0..0);
    let ty = b.ident.span().unwrap_or_else(|| whole.clone());
    (whole, ty)
}

/// Converts a parsed block into a generic [`Block`] (recursively).
pub(crate) fn convert_block(
    b: structure::Block,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
    depth: usize,
) -> Block {
    let (whole, ty) = block_spans(&b);
    let labels: Vec<String> = b.labels.iter().map(|l| l.as_str().to_string()).collect();
    let label_ranges = b
        .labels
        .iter()
        .map(|l| file.range(l.span().unwrap_or_else(|| ty.clone())))
        .collect();
    let body = convert_body(b.body, file, diags, depth + 1);
    Block {
        type_name: b.ident.as_str().to_string(),
        labels,
        label_ranges,
        body,
        range: file.range(whole),
        type_range: file.range(ty),
    }
}

/// Converts a parsed body into a [`Body`], recognising `dynamic` blocks.
pub(crate) fn convert_body(
    body: structure::Body,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
    depth: usize,
) -> Body {
    if depth > MAX_DEPTH {
        let span = body.span().unwrap_or(0..0);
        diags.push(
            Diagnostic::error(
                "Nesting too deep",
                format!(
                    "Blocks are nested more than {MAX_DEPTH} levels deep here. Reduce the nesting."
                ),
            )
            .with_range(Some(file.range(span))),
        );
        return Body::default();
    }
    let raw = split_structures(body, file);
    let blocks = raw
        .blocks
        .into_iter()
        .filter_map(|b| convert_nested_block(b, file, diags, depth))
        .collect();
    Body::new(raw.attributes, blocks)
}

/// Converts a block found inside a body: `dynamic` blocks become
/// [`NestedBlock::Dynamic`] (`None` when invalid, with diagnostics).
pub(crate) fn convert_nested_block(
    b: structure::Block,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
    depth: usize,
) -> Option<NestedBlock> {
    if b.ident.as_str() == "dynamic" {
        convert_dynamic(b, file, diags, depth).map(NestedBlock::Dynamic)
    } else {
        Some(NestedBlock::Static(convert_block(b, file, diags, depth)))
    }
}

fn convert_dynamic(
    b: structure::Block,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
    depth: usize,
) -> Option<DynamicBlock> {
    let block = convert_block(b, file, diags, depth);
    let err = |summary: &str, detail: String, range: &SourceRange| {
        Diagnostic::error(summary, detail).with_range(Some(range.clone()))
    };
    let decl = block.decl_range();
    let [type_name] = block.labels.as_slice() else {
        diags.push(err(
            "Invalid dynamic block",
            "A dynamic block needs exactly one label: the type of the blocks to generate, as in `dynamic \"ingress\" { ... }`.".into(),
            &decl,
        ));
        return None;
    };
    let mut ok = true;
    let mut for_each = None;
    let mut iterator = None;
    let mut labels = None;
    for a in block.body.attributes {
        match a.name.as_str() {
            "for_each" => for_each = Some(a.expr),
            "iterator" => match a.expr.as_ident() {
                Some(name) => iterator = Some(name.to_string()),
                None => {
                    ok = false;
                    diags.push(err(
                        "Invalid dynamic iterator name",
                        "The iterator must be a bare identifier, such as `iterator = rule`.".into(),
                        &a.expr.range(),
                    ));
                }
            },
            "labels" => labels = Some(a.expr),
            other => {
                ok = false;
                diags.push(err(
                    "Unsupported argument",
                    format!(
                        "An argument named \"{other}\" is not expected in a dynamic block. Put the arguments of the generated blocks inside its `content` block."
                    ),
                    &a.name_range,
                ));
            }
        }
    }
    let mut content = None;
    for nb in block.body.blocks {
        match nb {
            NestedBlock::Static(c) if c.type_name == "content" && c.labels.is_empty() => {
                if content.is_some() {
                    ok = false;
                    diags.push(err(
                        "Duplicate content block",
                        "A dynamic block may contain only one `content` block. Merge them into one.".into(),
                        &c.type_range,
                    ));
                } else {
                    content = Some(c.body);
                }
            }
            other => {
                ok = false;
                diags.push(err(
                    "Unsupported block type",
                    format!(
                        "Blocks of type \"{}\" are not expected in a dynamic block. Put nested blocks inside its `content` block.",
                        other.type_name()
                    ),
                    other.range(),
                ));
            }
        }
    }
    let Some(for_each) = for_each else {
        diags.push(err(
            "Missing required argument",
            "The argument \"for_each\" is required in a dynamic block: add `for_each = <collection>`.".into(),
            &decl,
        ));
        return None;
    };
    let Some(content) = content else {
        diags.push(err(
            "Missing content block",
            "A dynamic block must contain a `content { ... }` block describing each generated block.".into(),
            &decl,
        ));
        return None;
    };
    ok.then(|| DynamicBlock {
        type_name: type_name.clone(),
        for_each,
        iterator,
        labels,
        content,
        range: block.range,
        type_range: decl,
    })
}
