//! `aws_key_pair`: an imported SSH public key. Everything but the tags
//! forces a replacement; the import id is the key name. A refresh is one
//! paginated DescribeKeyPairs call per 200 keys, filtered by name.

use crate::attrs::{non_empty, set_attr, str_attr};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{Ctx, Planning, Resource, ID_CHUNK};
use crate::security::names;
use crate::tags;
use async_trait::async_trait;
use aws_sdk_ec2::primitives::Blob;
use aws_sdk_ec2::types::{KeyPairInfo, ResourceType};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Type, Value};
use std::collections::{BTreeMap, HashMap};

/// The resource type.
pub struct KeyPair;

/// The key itself, without the comment after it: `ssh-rsa AAAA...`.
fn key_material(k: &str) -> String {
    k.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

fn state_from(cx: &Ctx<'_>, k: &KeyPairInfo, prior: &Value) -> Value {
    let name = k.key_name().unwrap_or_default();
    let mut m = BTreeMap::new();
    let arn = match str_attr(prior, "arn") {
        Some(a) if a.ends_with(&format!("key-pair/{name}")) => a.to_string(),
        _ => cx.arn(super::account_id(cx), &format!("key-pair/{name}")),
    };
    m.insert("arn".to_string(), Value::string(arn));
    m.insert(
        "fingerprint".to_string(),
        Value::string(k.key_fingerprint().unwrap_or_default()),
    );
    m.insert("id".to_string(), Value::string(name));
    m.insert("key_name".to_string(), Value::string(name));
    let prefix = match str_attr(prior, "key_name_prefix") {
        Some(p) if name.starts_with(p) => p.to_string(),
        _ => names::prefix_of(name).to_string(),
    };
    m.insert("key_name_prefix".to_string(), Value::string(prefix));
    m.insert(
        "key_pair_id".to_string(),
        Value::string(k.key_pair_id().unwrap_or_default()),
    );
    m.insert(
        "key_type".to_string(),
        Value::string(k.key_type().map(|t| t.as_str()).unwrap_or_default()),
    );
    // AWS may append a comment of its own: the key written in configuration
    // stays as long as it is the same key.
    let public_key = match (str_attr(prior, "public_key"), k.public_key()) {
        (Some(p), Some(r)) if key_material(p) == key_material(r) => Value::string(p),
        (_, Some(r)) => Value::string(r.trim()),
        (Some(p), None) => Value::string(p),
        (None, None) => Value::Null,
    };
    m.insert("public_key".to_string(), public_key);
    tags::set_state(cx.tags(), k.tags(), prior, &mut m);
    Value::Object(m)
}

#[async_trait]
impl Resource for KeyPair {
    fn type_name(&self) -> &'static str {
        "aws_key_pair"
    }

    /// As hashicorp/aws 5.100 declares it.
    fn schema(&self) -> Schema {
        let block = Block::new()
            .attr("arn", Attribute::computed(Type::String))
            .attr("fingerprint", Attribute::computed(Type::String))
            .attr("id", Attribute::computed(Type::String))
            .attr(
                "key_name",
                Attribute::optional_computed(Type::String).force_new(),
            )
            .attr(
                "key_name_prefix",
                Attribute::optional_computed(Type::String).force_new(),
            )
            .attr("key_pair_id", Attribute::computed(Type::String))
            .attr("key_type", Attribute::computed(Type::String))
            .attr("public_key", Attribute::required(Type::String).force_new());
        Schema::new(tags::with_tags(block)).with_version(1)
    }

    /// The same key with a different comment or spacing is no change.
    fn plan(&self, p: &mut Planning<'_>) {
        let Some(prior) = p.prior else { return };
        let (Some(a), Some(b)) = (
            str_attr(prior, "public_key"),
            str_attr(&p.planned, "public_key"),
        ) else {
            return;
        };
        if a != b && key_material(a) == key_material(b) {
            let same = Value::string(a);
            p.set("public_key", same);
            let path = gitform_value::AttrPath::attr("public_key");
            p.requires_replace.retain(|r| *r != path);
            if p.requires_replace.is_empty() {
                // Nothing else forces a replacement: keep the computed values.
                for name in [
                    "arn",
                    "fingerprint",
                    "id",
                    "key_pair_id",
                    "key_type",
                    "key_name",
                    "key_name_prefix",
                ] {
                    if let Some(v) = prior.get_attr(name) {
                        if p.planned.get_attr(name).is_some_and(|x| !x.is_known()) {
                            p.set(name, v.clone());
                        }
                    }
                }
            }
        }
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let name = names::choose(
            non_empty(planned, "key_name"),
            non_empty(planned, "key_name_prefix"),
        );
        let key = crate::attrs::required_str(planned, "public_key")?;
        cx.ec2()
            .import_key_pair()
            .key_name(&name)
            .public_key_material(Blob::new(key.trim().as_bytes()))
            .set_tag_specifications(
                tags::specification(ResourceType::KeyPair, planned).map(|t| vec![t]),
            )
            .send()
            .await
            .map_err(api("ImportKeyPair"))?;
        Ok(name)
    }

    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        let ids = crate::resource::ids(priors);
        let mut found: HashMap<String, KeyPairInfo> = HashMap::new();
        for chunk in ids.chunks(ID_CHUNK) {
            // DescribeKeyPairs is not paginated.
            let resp = cx
                .ec2()
                .describe_key_pairs()
                .filters(filters::ids("key-name", chunk))
                .include_public_key(true)
                .send()
                .await
                .map_err(api("DescribeKeyPairs"))?;
            for k in resp.key_pairs() {
                if let Some(n) = k.key_name() {
                    found.insert(n.to_string(), k.clone());
                }
            }
        }
        Ok(crate::resource::by_id(priors, &found, |k, prior| {
            state_from(cx, k, prior)
        }))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        let id = str_attr(prior, "key_pair_id")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::NotFound {
                what: "the key pair id in state".to_string(),
            })?;
        tags::update(cx.session, id, prior, planned).await
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let name = crate::attrs::id(prior)?;
        cx.ec2()
            .delete_key_pair()
            .key_name(name)
            .send()
            .await
            .map_err(api("DeleteKeyPair"))?;
        Ok(())
    }

    async fn import(&self, _cx: &Ctx<'_>, id: &str) -> Result<Value, Error> {
        let mut v = crate::resource::full_schema(self).block.null_object();
        set_attr(&mut v, "id", Value::string(id));
        Ok(v)
    }
}
