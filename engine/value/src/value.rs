//! The value type, with unknown ("known after apply") and sensitive marks.

use crate::number::Number;
use crate::path::{AttrPath, PathStep};
use crate::types::Type;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// A gitform value.
///
/// Two marks flow through every operation:
/// - `Unknown(ty)`: a value that is only known after apply. Any operation
///   that needs the content of an unknown yields an unknown.
/// - `Sensitive(inner)`: a value that must not be shown. Operations unmark
///   their inputs, compute, and mark the result again (see
///   [`Value::unmark_deep`] and [`Value::mark_if`]).
///
/// Invariants: `Sensitive` never directly wraps another `Sensitive`; `Set`
/// elements are distinct and in canonical order (build sets with
/// [`Value::set`]); object and map keys are sorted (BTreeMap).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Unknown(Type),
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    Object(BTreeMap<String, Value>),
    Sensitive(Box<Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn int(v: i64) -> Value {
        Value::Number(Number::from_i64(v))
    }

    pub fn unknown() -> Value {
        Value::Unknown(Type::Dynamic)
    }

    /// Builds a set: removes duplicates and sorts into canonical order.
    pub fn set(mut elems: Vec<Value>) -> Value {
        elems.sort_by(canonical_cmp);
        elems.dedup();
        Value::Set(elems)
    }

    pub fn object<K: Into<String>>(attrs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The value's type. Null has type `Dynamic`.
    pub fn ty(&self) -> Type {
        match self {
            Value::Null => Type::Dynamic,
            Value::Unknown(t) => t.clone(),
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(v) => {
                Type::List(Box::new(v.first().map(|e| e.ty()).unwrap_or(Type::Dynamic)))
            }
            Value::Set(v) => {
                Type::Set(Box::new(v.first().map(|e| e.ty()).unwrap_or(Type::Dynamic)))
            }
            Value::Map(m) => Type::Map(Box::new(
                m.values().next().map(|e| e.ty()).unwrap_or(Type::Dynamic),
            )),
            Value::Tuple(v) => Type::Tuple(v.iter().map(|e| e.ty()).collect()),
            Value::Object(m) => Type::object(m.iter().map(|(k, v)| (k.clone(), v.ty()))),
            Value::Sensitive(v) => v.ty(),
        }
    }

    pub fn is_null(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Sensitive(v) => v.is_null(),
            _ => false,
        }
    }

    /// True unless the value itself (not something inside it) is unknown.
    pub fn is_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Sensitive(v) => v.is_known(),
            _ => true,
        }
    }

    /// True when nothing anywhere inside the value is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Sensitive(v) => v.is_wholly_known(),
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// True when the value itself carries the sensitive mark.
    pub fn is_sensitive(&self) -> bool {
        matches!(self, Value::Sensitive(_))
    }

    /// True when the value or anything inside it is sensitive.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().any(Value::contains_sensitive)
            }
            Value::Map(m) | Value::Object(m) => m.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// Marks the value sensitive (idempotent).
    pub fn sensitive(self) -> Value {
        match self {
            Value::Sensitive(_) => self,
            v => Value::Sensitive(Box::new(v)),
        }
    }

    /// Marks the value sensitive when `mark` is true.
    pub fn mark_if(self, mark: bool) -> Value {
        if mark {
            self.sensitive()
        } else {
            self
        }
    }

    /// Removes the top-level mark. Returns whether there was one.
    pub fn unmark(self) -> (Value, bool) {
        match self {
            Value::Sensitive(v) => (*v, true),
            v => (v, false),
        }
    }

    /// A reference to the value under a top-level mark.
    pub fn unmarked(&self) -> &Value {
        match self {
            Value::Sensitive(v) => v,
            v => v,
        }
    }

    /// Removes every mark, however deep. Returns whether there was any.
    pub fn unmark_deep(self) -> (Value, bool) {
        let mut found = false;
        let v = self.unmark_deep_inner(&mut found);
        (v, found)
    }

    fn unmark_deep_inner(self, found: &mut bool) -> Value {
        match self {
            Value::Sensitive(v) => {
                *found = true;
                v.unmark_deep_inner(found)
            }
            Value::List(v) => {
                Value::List(v.into_iter().map(|e| e.unmark_deep_inner(found)).collect())
            }
            Value::Set(v) => {
                Value::Set(v.into_iter().map(|e| e.unmark_deep_inner(found)).collect())
            }
            Value::Tuple(v) => {
                Value::Tuple(v.into_iter().map(|e| e.unmark_deep_inner(found)).collect())
            }
            Value::Map(m) => Value::Map(
                m.into_iter()
                    .map(|(k, e)| (k, e.unmark_deep_inner(found)))
                    .collect(),
            ),
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .map(|(k, e)| (k, e.unmark_deep_inner(found)))
                    .collect(),
            ),
            v => v,
        }
    }

    /// Paths of every sensitive mark inside the value (the root is the empty path).
    pub fn sensitive_paths(&self) -> Vec<AttrPath> {
        let mut out = Vec::new();
        let mut cur = Vec::new();
        collect_sensitive(self, &mut cur, &mut out);
        out
    }

    /// Marks the values at `paths` sensitive. Paths that do not exist are ignored.
    pub fn with_sensitive_paths(mut self, paths: &[AttrPath]) -> Value {
        for p in paths {
            if let Some(slot) = self.get_path_mut(&p.0) {
                let v = std::mem::replace(slot, Value::Null);
                *slot = v.sensitive();
            }
        }
        self
    }

    fn get_path_mut(&mut self, steps: &[PathStep]) -> Option<&mut Value> {
        let Some((first, rest)) = steps.split_first() else {
            return Some(self);
        };
        let this = match self {
            Value::Sensitive(v) => v.as_mut(),
            v => v,
        };
        let next = match (this, first) {
            (Value::Object(m) | Value::Map(m), PathStep::Attr(k) | PathStep::Key(k)) => {
                m.get_mut(k)?
            }
            (Value::List(v) | Value::Tuple(v) | Value::Set(v), PathStep::Index(i)) => {
                v.get_mut(usize::try_from(*i).ok()?)?
            }
            _ => return None,
        };
        next.get_path_mut(rest)
    }

    /// The value at `path`, looking through marks. `None` when absent.
    pub fn get_path(&self, path: &AttrPath) -> Option<&Value> {
        let mut cur = self;
        for step in &path.0 {
            cur = match (cur.unmarked(), step) {
                (Value::Object(m) | Value::Map(m), PathStep::Attr(k) | PathStep::Key(k)) => {
                    m.get(k)?
                }
                (Value::List(v) | Value::Tuple(v) | Value::Set(v), PathStep::Index(i)) => {
                    v.get(usize::try_from(*i).ok()?)?
                }
                _ => return None,
            };
        }
        Some(cur)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.unmarked() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.unmarked() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self.unmarked() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// Elements of a list, set or tuple.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self.unmarked() {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// Attributes of an object or entries of a map.
    pub fn as_entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self.unmarked() {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// An attribute of an object (or a key of a map), looking through marks.
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        self.as_entries()?.get(name)
    }
}

fn collect_sensitive(v: &Value, cur: &mut Vec<PathStep>, out: &mut Vec<AttrPath>) {
    match v {
        Value::Sensitive(inner) => {
            out.push(AttrPath(cur.clone()));
            collect_sensitive(inner, cur, out);
        }
        Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
            for (i, e) in v.iter().enumerate() {
                cur.push(PathStep::Index(i as i64));
                collect_sensitive(e, cur, out);
                cur.pop();
            }
        }
        Value::Object(m) => {
            for (k, e) in m {
                cur.push(PathStep::Attr(k.clone()));
                collect_sensitive(e, cur, out);
                cur.pop();
            }
        }
        Value::Map(m) => {
            for (k, e) in m {
                cur.push(PathStep::Key(k.clone()));
                collect_sensitive(e, cur, out);
                cur.pop();
            }
        }
        _ => {}
    }
}

/// The canonical order of set elements: by kind, then numbers numerically,
/// strings lexically, and collections element by element.
pub fn canonical_cmp(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::List(_) => 4,
            Value::Set(_) => 5,
            Value::Tuple(_) => 6,
            Value::Map(_) => 7,
            Value::Object(_) => 8,
            Value::Unknown(_) => 9,
            Value::Sensitive(_) => 10,
        }
    }
    match (a, b) {
        (Value::Sensitive(x), Value::Sensitive(y)) => canonical_cmp(x, y),
        (Value::Sensitive(x), y) => canonical_cmp(x, y).then(Ordering::Greater),
        (x, Value::Sensitive(y)) => canonical_cmp(x, y).then(Ordering::Less),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::List(x), Value::List(y))
        | (Value::Set(x), Value::Set(y))
        | (Value::Tuple(x), Value::Tuple(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = canonical_cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            for ((kp, p), (kq, q)) in x.iter().zip(y) {
                let o = kp.cmp(kq).then_with(|| canonical_cmp(p, q));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Unknown(_), Value::Unknown(_)) => Ordering::Equal,
        _ => rank(a).cmp(&rank(b)),
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::int(v)
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_canonical() {
        let s = Value::set(vec![Value::from("b"), Value::from("a"), Value::from("b")]);
        assert_eq!(s, Value::Set(vec![Value::from("a"), Value::from("b")]));
    }

    #[test]
    fn sensitive_paths_round_trip() {
        let v = Value::object([
            ("a", Value::from("x").sensitive()),
            (
                "b",
                Value::Tuple(vec![Value::int(1), Value::int(2).sensitive()]),
            ),
        ]);
        let paths = v.sensitive_paths();
        assert_eq!(
            paths.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            ["a", "b[1]"]
        );
        let (plain, had) = v.clone().unmark_deep();
        assert!(had);
        assert!(!plain.contains_sensitive());
        assert_eq!(plain.with_sensitive_paths(&paths), v);
    }
}
