//! Types and type constraints, as Terraform's type system.

use crate::value::Value;
use std::collections::BTreeMap;
use std::fmt;

/// A type, or a type constraint when it contains `Dynamic` (`any`) or
/// optional object attributes.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    /// `any`: the type is not constrained (or not yet known).
    Dynamic,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(ObjectType),
}

/// An object type. `optional` lists the attributes declared with
/// `optional(T, default)` in a type constraint, each with its default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObjectType {
    pub attrs: BTreeMap<String, Type>,
    pub optional: BTreeMap<String, Option<Value>>,
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }

    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    pub fn object<K: Into<String>>(attrs: impl IntoIterator<Item = (K, Type)>) -> Type {
        Type::Object(ObjectType {
            attrs: attrs.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            optional: BTreeMap::new(),
        })
    }

    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::String | Type::Number | Type::Bool)
    }

    /// The element type of a list, set or map.
    pub fn element_type(&self) -> Option<&Type> {
        match self {
            Type::List(t) | Type::Set(t) | Type::Map(t) => Some(t),
            _ => None,
        }
    }

    /// True when the type contains `Dynamic` anywhere.
    pub fn has_dynamic(&self) -> bool {
        match self {
            Type::Dynamic => true,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_dynamic(),
            Type::Tuple(ts) => ts.iter().any(Type::has_dynamic),
            Type::Object(o) => o.attrs.values().any(Type::has_dynamic),
            _ => false,
        }
    }

    /// A short human name used in error messages: "string", "list of string", "object".
    pub fn friendly_name(&self) -> String {
        match self {
            Type::Dynamic => "dynamic".into(),
            Type::String => "string".into(),
            Type::Number => "number".into(),
            Type::Bool => "bool".into(),
            Type::List(t) => format!("list of {}", t.friendly_name()),
            Type::Set(t) => format!("set of {}", t.friendly_name()),
            Type::Map(t) => format!("map of {}", t.friendly_name()),
            Type::Tuple(_) => "tuple".into(),
            Type::Object(_) => "object".into(),
        }
    }
}

/// Type expression syntax, as Terraform's `type()` function prints it:
/// `list(string)`, `object({name: string})`, `tuple([string, number])`.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Dynamic => f.write_str("dynamic"),
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
            Type::Object(o) => {
                f.write_str("object({")?;
                for (i, (k, t)) in o.attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if o.optional.contains_key(k) {
                        write!(f, "{k}: optional({t})")?;
                    } else {
                        write!(f, "{k}: {t}")?;
                    }
                }
                f.write_str("})")
            }
        }
    }
}
