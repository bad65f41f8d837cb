//! EC2 Describe filters: the `filter { name = ..., values = [...] }` blocks
//! of data sources, tag filters, and the id filters of batched reads.

use crate::attrs::{blocks, str_attr, strings};
use aws_sdk_ec2::types::Filter;
use gitform_provider::{Attribute, Block, NestedBlock};
use gitform_value::{Type, Value};
use std::collections::BTreeMap;

/// The `filter` nested block type of data sources.
pub fn filter_block() -> NestedBlock {
    NestedBlock::set(
        Block::new()
            .attr("name", Attribute::required(Type::String))
            .attr("values", Attribute::required(Type::set(Type::String))),
    )
}

/// One filter.
pub fn filter(name: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.into_iter().map(Into::into).collect()))
        .build()
}

/// The `filter` blocks of a configuration.
pub fn from_blocks(config: &Value) -> Vec<Filter> {
    blocks(config, "filter")
        .iter()
        .filter_map(|b| Some(filter(str_attr(b, "name")?, strings(b, "values"))))
        .collect()
}

/// `tag:KEY = VALUE` filters, one per entry.
pub fn tag_filters(tags: &BTreeMap<String, String>) -> Vec<Filter> {
    tags.iter()
        .map(|(k, v)| filter(&format!("tag:{k}"), [v.clone()]))
        .collect()
}

/// A filter matching any of `ids` on `name` (`vpc-id`, `subnet-id`...).
pub fn ids<S: AsRef<str>>(name: &str, ids: &[S]) -> Filter {
    filter(name, ids.iter().map(|id| id.as_ref().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_filter_blocks() {
        let v = Value::object([(
            "filter",
            Value::set(vec![Value::object([
                ("name", Value::from("tag:Tier")),
                (
                    "values",
                    Value::set(vec![Value::from("public"), Value::from("dmz")]),
                ),
            ])]),
        )]);
        let f = from_blocks(&v);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].name(), Some("tag:Tier"));
        assert_eq!(f[0].values(), ["dmz", "public"]);
        let t = tag_filters(&[("Name".to_string(), "x".to_string())].into());
        assert_eq!(t[0].name(), Some("tag:Name"));
    }
}
