//! Reading and updating attributes of object values (states and configurations).

use gitform_value::{AttrPath, Diagnostic, Value};

/// The attribute `name` of `obj`; null when absent.
pub(crate) fn attr<'a>(obj: &'a Value, name: &str) -> &'a Value {
    obj.get_attr(name).unwrap_or(&Value::Null)
}

/// A known, non-null string attribute.
pub(crate) fn str_attr<'a>(obj: &'a Value, name: &str) -> Option<&'a str> {
    attr(obj, name).as_str()
}

/// A known, non-null integer attribute.
pub(crate) fn int_attr(obj: &Value, name: &str) -> Option<i64> {
    attr(obj, name).as_number().and_then(|n| n.to_i64())
}

/// A known, non-null bool attribute.
pub(crate) fn bool_attr(obj: &Value, name: &str) -> Option<bool> {
    attr(obj, name).as_bool()
}

/// True when the attribute is known and not null.
pub(crate) fn is_set(obj: &Value, name: &str) -> bool {
    let v = attr(obj, name);
    v.is_known() && !v.is_null()
}

/// `obj` with the given attributes replaced (or added). A non-object is
/// returned unchanged; a sensitive mark on the object is kept.
pub(crate) fn with_attrs<'a>(
    obj: Value,
    pairs: impl IntoIterator<Item = (&'a str, Value)>,
) -> Value {
    let (inner, marked) = obj.unmark();
    match inner {
        Value::Object(mut m) => {
            for (k, v) in pairs {
                m.insert(k.to_string(), v);
            }
            Value::Object(m).mark_if(marked)
        }
        other => other.mark_if(marked),
    }
}

/// An error diagnostic about one attribute.
pub(crate) fn attr_error(
    name: &str,
    summary: impl Into<String>,
    detail: impl Into<String>,
) -> Diagnostic {
    Diagnostic::error(summary, detail).with_attr_path(AttrPath::attr(name))
}

/// The framework-style diagnostic for an integer below its minimum.
pub(crate) fn at_least(obj: &Value, name: &str, min: i64) -> Option<Diagnostic> {
    let v = int_attr(obj, name)?;
    (v < min).then(|| {
        attr_error(
            name,
            "Invalid Attribute Value",
            format!("Attribute {name} value must be at least {min}, got: {v}"),
        )
    })
}
