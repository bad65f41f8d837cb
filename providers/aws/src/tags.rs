//! `tags` and `tags_all`, with the provider's `default_tags` merged and its
//! `ignore_tags` left out, as hashicorp/aws does.
//!
//! - `tags` is what the resource configuration sets;
//! - `tags_all` (computed) is `default_tags` overlaid with `tags`; the plan
//!   shows it, and it is what exists on the object in AWS;
//! - on read, `tags_all` is every tag on the object (minus ignored and
//!   `aws:` system tags), and `tags` is `tags_all` without the default tags
//!   that the configuration did not set itself.

use crate::attrs::{map_of_strings, str_map};
use crate::error::{api, Error};
use crate::session::Session;
use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
use gitform_provider::{Attribute, Block};
use gitform_value::{Type, Value};
use std::collections::BTreeMap;

/// The provider block's tag settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TagConfig {
    /// `default_tags { tags = {...} }`.
    pub default_tags: BTreeMap<String, String>,
    /// `ignore_tags { keys = [...] }`.
    pub ignore_keys: Vec<String>,
    /// `ignore_tags { key_prefixes = [...] }`.
    pub ignore_key_prefixes: Vec<String>,
}

impl TagConfig {
    /// True for a tag key that must not appear in state: ignored by the
    /// provider configuration, or an AWS system tag (`aws:...`).
    pub fn ignores(&self, key: &str) -> bool {
        key.starts_with("aws:")
            || self.ignore_keys.iter().any(|k| k == key)
            || self.ignore_key_prefixes.iter().any(|p| key.starts_with(p))
    }

    /// `tags_all` for configured `tags`: the default tags overlaid with them.
    pub fn merged(&self, tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut all = self.default_tags.clone();
        all.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        all.retain(|k, _| !self.ignores(k));
        all
    }
}

/// Adds `tags` and `tags_all` to a resource schema.
pub fn with_tags(block: Block) -> Block {
    block
        .attr("tags", Attribute::optional(Type::map(Type::String)))
        .attr("tags_all", Attribute::computed(Type::map(Type::String)))
}

/// Adds `tags` to a data source schema (optional, computed: a filter in,
/// the object's tags out).
pub fn with_data_source_tags(block: Block) -> Block {
    block.attr(
        "tags",
        Attribute::optional_computed(Type::map(Type::String)),
    )
}

/// Plans `tags_all` from the planned `tags` (unknown while `tags` is).
pub fn plan_tags_all(cfg: &TagConfig, planned: &mut Value) {
    let Value::Object(m) = planned else { return };
    let tags_all = match m.get("tags") {
        Some(t) if !t.is_wholly_known() => Value::Unknown(Type::map(Type::String)),
        Some(t) => str_map(&cfg.merged(&map_of_strings(t))),
        None => return,
    };
    m.insert("tags_all".to_string(), tags_all);
}

/// The tags of an SDK object, as a map, without ignored keys.
pub fn from_sdk(cfg: &TagConfig, tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
        .filter(|(k, _)| !cfg.ignores(k))
        .collect()
}

/// `(tags, tags_all)` for the state of an object whose AWS tags are `remote`;
/// `prior` is the state (or planned state) it replaces.
pub fn state_values(cfg: &TagConfig, remote: &[Tag], prior: &Value) -> (Value, Value) {
    let all = from_sdk(cfg, remote);
    let prior_tags = prior.get_attr("tags").filter(|t| t.is_wholly_known());
    let configured = prior_tags.map(map_of_strings).unwrap_or_default();
    let tags: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, v)| configured.contains_key(*k) || cfg.default_tags.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let tags_value = if tags.is_empty() && prior_tags.is_none_or(Value::is_null) {
        Value::Null
    } else {
        str_map(&tags)
    };
    (tags_value, str_map(&all))
}

/// Sets `tags` and `tags_all` of a state object from the AWS tags.
pub fn set_state(
    cfg: &TagConfig,
    remote: &[Tag],
    prior: &Value,
    state: &mut BTreeMap<String, Value>,
) {
    let (tags, all) = state_values(cfg, remote, prior);
    state.insert("tags".to_string(), tags);
    state.insert("tags_all".to_string(), all);
}

/// The planned `tags_all` of a create, as SDK tags.
pub fn planned(v: &Value) -> Vec<Tag> {
    v.get_attr("tags_all")
        .map(map_of_strings)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// A `TagSpecifications` entry for a create call, or `None` without tags.
pub fn specification(kind: ResourceType, v: &Value) -> Option<TagSpecification> {
    let tags = planned(v);
    (!tags.is_empty()).then(|| {
        TagSpecification::builder()
            .resource_type(kind)
            .set_tags(Some(tags))
            .build()
    })
}

/// Brings the tags of `id` from `old`'s `tags_all` to `new`'s: one
/// DeleteTags for removed keys, one CreateTags for new or changed values.
pub async fn update(session: &Session, id: &str, old: &Value, new: &Value) -> Result<(), Error> {
    let before = old
        .get_attr("tags_all")
        .map(map_of_strings)
        .unwrap_or_default();
    let after = new
        .get_attr("tags_all")
        .map(map_of_strings)
        .unwrap_or_default();
    let removed: Vec<Tag> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .map(|k| Tag::builder().key(k).build())
        .collect();
    let upserted: Vec<Tag> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    if !removed.is_empty() {
        session
            .ec2
            .delete_tags()
            .resources(id)
            .set_tags(Some(removed))
            .send()
            .await
            .map_err(api("DeleteTags"))?;
    }
    if !upserted.is_empty() {
        session
            .ec2
            .create_tags()
            .resources(id)
            .set_tags(Some(upserted))
            .send()
            .await
            .map_err(api("CreateTags"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> TagConfig {
        TagConfig {
            default_tags: [("Env", "dev"), ("Team", "net")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ignore_keys: vec!["Ignored".into()],
            ignore_key_prefixes: vec!["kubernetes.io/".into()],
        }
    }

    fn tag(k: &str, v: &str) -> Tag {
        Tag::builder().key(k).value(v).build()
    }

    fn map(pairs: &[(&str, &str)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::from(*v)))
                .collect(),
        )
    }

    #[test]
    fn plan_merges_defaults_under_tags() {
        let mut planned = Value::object([
            ("tags", map(&[("Team", "app"), ("Name", "x")])),
            ("tags_all", Value::Null),
        ]);
        plan_tags_all(&cfg(), &mut planned);
        assert_eq!(
            planned.get_attr("tags_all"),
            Some(&map(&[("Env", "dev"), ("Name", "x"), ("Team", "app")]))
        );
        let mut unknown = Value::object([("tags", Value::Unknown(Type::map(Type::String)))]);
        plan_tags_all(&cfg(), &mut unknown);
        assert!(!unknown.get_attr("tags_all").unwrap().is_known());
    }

    #[test]
    fn read_splits_tags_from_defaults() {
        let remote = [
            tag("Env", "dev"),
            tag("Team", "app"),
            tag("Name", "x"),
            tag("aws:cloudformation:stack", "s"),
            tag("Ignored", "1"),
            tag("kubernetes.io/cluster", "c"),
        ];
        let prior = Value::object([("tags", map(&[("Name", "x")]))]);
        let (tags, all) = state_values(&cfg(), &remote, &prior);
        // Team differs from its default, so it is the resource's own.
        assert_eq!(tags, map(&[("Name", "x"), ("Team", "app")]));
        assert_eq!(all, map(&[("Env", "dev"), ("Name", "x"), ("Team", "app")]));
        // Nothing of its own, none configured: tags stays null.
        let (tags, _) = state_values(
            &cfg(),
            &[tag("Env", "dev")],
            &Value::object([("tags", Value::Null)]),
        );
        assert_eq!(tags, Value::Null);
        // A configured tag equal to its default stays in tags.
        let prior = Value::object([("tags", map(&[("Env", "dev")]))]);
        let (tags, _) = state_values(&cfg(), &[tag("Env", "dev")], &prior);
        assert_eq!(tags, map(&[("Env", "dev")]));
    }
}
