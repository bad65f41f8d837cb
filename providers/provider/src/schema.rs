//! Schemas: what a provider's configuration, resources and data sources look like.
//!
//! A [`Schema`] describes one object type as a [`Block`] of [`Attribute`]s and
//! [`NestedBlock`]s, exactly as Terraform's `configschema` does. Build schemas
//! with the constructors so definitions read like documentation:
//!
//! ```
//! use gitform_provider::{Attribute, Block, NestedBlock, Schema};
//! use gitform_value::{Type, Value};
//!
//! let schema = Schema::new(
//!     Block::new()
//!         .attr("filename", Attribute::required(Type::String).force_new())
//!         .attr("file_permission", Attribute::optional(Type::String).with_default(Value::from("0777")))
//!         .attr("id", Attribute::computed(Type::String))
//!         .block("rule", NestedBlock::list(Block::new().attr("name", Attribute::required(Type::String)))),
//! );
//! assert!(schema.block.attributes["id"].computed);
//! ```

use gitform_value::{AttrPath, PathStep, Type, Value};
use std::collections::BTreeMap;

/// Everything a provider offers: its own configuration block, its managed
/// resource types and its data source types, keyed by full type name
/// (`random_id`, not `id`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProviderSchema {
    /// The `provider "name" { ... }` block.
    pub provider: Schema,
    pub resources: BTreeMap<String, Schema>,
    pub data_sources: BTreeMap<String, Schema>,
}

impl ProviderSchema {
    /// The schema of a managed resource type.
    pub fn resource(&self, type_name: &str) -> Option<&Schema> {
        self.resources.get(type_name)
    }

    /// The schema of a data source type.
    pub fn data_source(&self, type_name: &str) -> Option<&Schema> {
        self.data_sources.get(type_name)
    }
}

/// The schema of one object type, with a version for state upgrades.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    /// Incremented by the provider whenever the shape of stored state changes.
    pub version: u64,
    pub block: Block,
}

impl Schema {
    /// A version-0 schema.
    pub fn new(block: Block) -> Schema {
        Schema { version: 0, block }
    }

    pub fn with_version(mut self, version: u64) -> Schema {
        self.version = version;
        self
    }
}

/// A configuration block: attributes (`name = value`) and nested blocks
/// (`name { ... }`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    pub attributes: BTreeMap<String, Attribute>,
    pub blocks: BTreeMap<String, NestedBlock>,
    pub description: String,
    /// Set when the whole block (resource type, data source) is deprecated;
    /// the text says what to use instead.
    pub deprecated: Option<String>,
}

impl Block {
    pub fn new() -> Block {
        Block::default()
    }

    /// Adds (or replaces) an attribute.
    pub fn attr(mut self, name: impl Into<String>, attribute: Attribute) -> Block {
        self.attributes.insert(name.into(), attribute);
        self
    }

    /// Adds (or replaces) a nested block type.
    pub fn block(mut self, name: impl Into<String>, block: NestedBlock) -> Block {
        self.blocks.insert(name.into(), block);
        self
    }

    pub fn describe(mut self, description: impl Into<String>) -> Block {
        self.description = description.into();
        self
    }

    pub fn deprecate(mut self, message: impl Into<String>) -> Block {
        self.deprecated = Some(message.into());
        self
    }

    /// The object type of a value of this block: one attribute per schema
    /// attribute, and per nested block an object (`Single`), list, set or map
    /// of objects.
    pub fn implied_type(&self) -> Type {
        let attrs = self
            .attributes
            .iter()
            .map(|(k, a)| (k.clone(), a.ty.clone()));
        let blocks = self
            .blocks
            .iter()
            .map(|(k, b)| (k.clone(), b.implied_type()));
        Type::object(attrs.chain(blocks))
    }

    /// An object of this block's shape with every attribute null, every
    /// `Single` block null and every collection block empty.
    pub fn null_object(&self) -> Value {
        let attrs = self.attributes.keys().map(|k| (k.clone(), Value::Null));
        let blocks = self.blocks.iter().map(|(k, b)| {
            let v = match b.nesting {
                Nesting::Single => Value::Null,
                Nesting::List => Value::List(Vec::new()),
                Nesting::Set => Value::Set(Vec::new()),
                Nesting::Map => Value::Map(BTreeMap::new()),
            };
            (k.clone(), v)
        });
        Value::object(attrs.chain(blocks))
    }

    /// True when this block or any block nested in it has a `force_new` attribute.
    pub fn has_force_new(&self) -> bool {
        self.attributes.values().any(|a| a.force_new)
            || self.blocks.values().any(|b| b.block.has_force_new())
    }

    /// True when this block or any block nested in it has a computed attribute.
    pub fn has_computed(&self) -> bool {
        self.attributes.values().any(|a| a.computed)
            || self.blocks.values().any(|b| b.block.has_computed())
    }

    /// Marks sensitive every attribute value that the schema declares
    /// `sensitive`, however deeply nested. Null attributes stay unmarked
    /// (there is nothing to hide). Values already marked stay marked.
    pub fn mark_sensitive(&self, value: Value) -> Value {
        let (inner, marked) = value.unmark();
        let out = match inner {
            Value::Object(mut m) => {
                for (name, attr) in &self.attributes {
                    if attr.sensitive {
                        if let Some(v) = m.get_mut(name) {
                            if !v.is_null() {
                                let taken = std::mem::replace(v, Value::Null);
                                *v = taken.sensitive();
                            }
                        }
                    }
                }
                for (name, nested) in &self.blocks {
                    if let Some(v) = m.get_mut(name) {
                        let taken = std::mem::replace(v, Value::Null);
                        *v = nested.mark_sensitive(taken);
                    }
                }
                Value::Object(m)
            }
            other => other,
        };
        out.mark_if(marked)
    }

    /// Paths (relative to this block) of every attribute declared `sensitive`
    /// that is present and non-null in `value`.
    pub fn sensitive_attr_paths(&self, value: &Value) -> Vec<AttrPath> {
        self.mark_sensitive(value.clone().unmark_deep().0)
            .sensitive_paths()
    }
}

/// One attribute of a block.
///
/// Exactly one of these shapes, as in Terraform:
/// - `required`: must be set in configuration;
/// - `optional`: may be set; null otherwise (or `default`);
/// - `computed`: set by the provider only;
/// - `optional` + `computed`: set in configuration, or else by the provider.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub ty: Type,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    /// Changing the value requires destroying and re-creating the object.
    pub force_new: bool,
    /// The value must not be shown in plans, output or logs.
    pub sensitive: bool,
    pub description: String,
    /// Used when configuration leaves an optional attribute null. Attributes
    /// with a default are optional + computed (the Terraform Plugin
    /// Framework's rule): the default shows up in the plan and in state.
    pub default: Option<Value>,
    /// Set when the attribute is deprecated; the text says what to use instead.
    pub deprecated: Option<String>,
}

impl Attribute {
    fn new(ty: Type, required: bool, optional: bool, computed: bool) -> Attribute {
        Attribute {
            ty,
            required,
            optional,
            computed,
            force_new: false,
            sensitive: false,
            description: String::new(),
            default: None,
            deprecated: None,
        }
    }

    /// Must be set in configuration.
    pub fn required(ty: Type) -> Attribute {
        Attribute::new(ty, true, false, false)
    }

    /// May be set in configuration.
    pub fn optional(ty: Type) -> Attribute {
        Attribute::new(ty, false, true, false)
    }

    /// Set by the provider only.
    pub fn computed(ty: Type) -> Attribute {
        Attribute::new(ty, false, false, true)
    }

    /// Set in configuration, or else by the provider.
    pub fn optional_computed(ty: Type) -> Attribute {
        Attribute::new(ty, false, true, true)
    }

    pub fn force_new(mut self) -> Attribute {
        self.force_new = true;
        self
    }

    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }

    pub fn describe(mut self, description: impl Into<String>) -> Attribute {
        self.description = description.into();
        self
    }

    /// Sets a default, which makes the attribute optional + computed.
    pub fn with_default(mut self, default: Value) -> Attribute {
        self.default = Some(default);
        self.required = false;
        self.optional = true;
        self.computed = true;
        self
    }

    pub fn deprecate(mut self, message: impl Into<String>) -> Attribute {
        self.deprecated = Some(message.into());
        self
    }

    /// True for attributes that only the provider sets.
    pub fn is_computed_only(&self) -> bool {
        self.computed && !self.optional && !self.required
    }
}

/// How a nested block type may repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Nesting {
    /// At most one block; the value is an object or null.
    Single,
    /// Ordered blocks; the value is a list of objects.
    List,
    /// Unordered, distinct blocks; the value is a set of objects.
    Set,
    /// Labelled blocks (`name "label" { }`); the value is a map of objects.
    Map,
}

impl Nesting {
    /// Its name where schemas are written down: `single`, `list`, `set`, `map`.
    pub fn as_str(self) -> &'static str {
        match self {
            Nesting::Single => "single",
            Nesting::List => "list",
            Nesting::Set => "set",
            Nesting::Map => "map",
        }
    }

    /// The nesting named `s` ([`Nesting::as_str`]).
    pub fn parse(s: &str) -> Option<Nesting> {
        Some(match s {
            "single" => Nesting::Single,
            "list" => Nesting::List,
            "set" => Nesting::Set,
            "map" => Nesting::Map,
            _ => return None,
        })
    }
}

/// A nested block type.
#[derive(Clone, Debug, PartialEq)]
pub struct NestedBlock {
    pub nesting: Nesting,
    pub block: Block,
    /// Fewest blocks allowed (0: none required).
    pub min_items: u64,
    /// Most blocks allowed (0: unlimited).
    pub max_items: u64,
}

impl NestedBlock {
    fn new(nesting: Nesting, block: Block) -> NestedBlock {
        NestedBlock {
            nesting,
            block,
            min_items: 0,
            max_items: 0,
        }
    }

    pub fn single(block: Block) -> NestedBlock {
        NestedBlock::new(Nesting::Single, block)
    }

    pub fn list(block: Block) -> NestedBlock {
        NestedBlock::new(Nesting::List, block)
    }

    pub fn set(block: Block) -> NestedBlock {
        NestedBlock::new(Nesting::Set, block)
    }

    pub fn map(block: Block) -> NestedBlock {
        NestedBlock::new(Nesting::Map, block)
    }

    pub fn min_items(mut self, n: u64) -> NestedBlock {
        self.min_items = n;
        self
    }

    pub fn max_items(mut self, n: u64) -> NestedBlock {
        self.max_items = n;
        self
    }

    /// The type of this nested block's value in its parent object.
    pub fn implied_type(&self) -> Type {
        let obj = self.block.implied_type();
        match self.nesting {
            Nesting::Single => obj,
            Nesting::List => Type::list(obj),
            Nesting::Set => Type::set(obj),
            Nesting::Map => Type::map(obj),
        }
    }

    fn mark_sensitive(&self, value: Value) -> Value {
        let (inner, marked) = value.unmark();
        let out = match (self.nesting, inner) {
            (Nesting::Single, v) => self.block.mark_sensitive(v),
            (_, Value::List(v)) => Value::List(
                v.into_iter()
                    .map(|e| self.block.mark_sensitive(e))
                    .collect(),
            ),
            (_, Value::Set(v)) => Value::Set(
                v.into_iter()
                    .map(|e| self.block.mark_sensitive(e))
                    .collect(),
            ),
            (_, Value::Map(m)) => Value::Map(
                m.into_iter()
                    .map(|(k, e)| (k, self.block.mark_sensitive(e)))
                    .collect(),
            ),
            (_, other) => other,
        };
        out.mark_if(marked)
    }
}

/// The path step that addresses element `i` of a list or set block.
pub(crate) fn index_step(i: usize) -> PathStep {
    PathStep::Index(i64::try_from(i).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Block {
        Block::new()
            .attr("name", Attribute::required(Type::String))
            .attr("secret", Attribute::optional(Type::String).sensitive())
            .block(
                "rule",
                NestedBlock::list(
                    Block::new().attr("key", Attribute::optional(Type::String).sensitive()),
                ),
            )
            .block(
                "meta",
                NestedBlock::single(Block::new().attr("x", Attribute::computed(Type::Number))),
            )
    }

    #[test]
    fn implied_type_includes_blocks() {
        let want = Type::object([
            ("meta", Type::object([("x", Type::Number)])),
            ("name", Type::String),
            ("rule", Type::list(Type::object([("key", Type::String)]))),
            ("secret", Type::String),
        ]);
        assert_eq!(sample().implied_type(), want);
    }

    #[test]
    fn with_default_is_optional_computed() {
        let a = Attribute::required(Type::Bool).with_default(Value::Bool(true));
        assert!(a.optional && a.computed && !a.required);
        assert!(!a.is_computed_only());
        assert!(Attribute::computed(Type::String).is_computed_only());
    }

    #[test]
    fn marks_sensitive_attributes_deeply() {
        let v = Value::object([
            ("name", Value::from("n")),
            ("secret", Value::from("s")),
            (
                "rule",
                Value::List(vec![
                    Value::object([("key", Value::from("k"))]),
                    Value::object([("key", Value::Null)]),
                ]),
            ),
            ("meta", Value::Null),
        ]);
        let paths: Vec<String> = sample()
            .sensitive_attr_paths(&v)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(paths, ["rule[0].key", "secret"]);
    }

    #[test]
    fn null_object_shape() {
        let v = sample().null_object();
        assert_eq!(v.get_attr("rule"), Some(&Value::List(vec![])));
        assert_eq!(v.get_attr("meta"), Some(&Value::Null));
        assert_eq!(v.get_attr("name"), Some(&Value::Null));
    }
}
