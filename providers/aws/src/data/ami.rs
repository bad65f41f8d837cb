//! The `aws_ami` data source: one AMI chosen by owners, filters, a name
//! regex and `most_recent`, as hashicorp/aws chooses it.

use crate::attrs::{bool_attr, set_attr, str_attr, strings};
use crate::error::{api, Error};
use crate::filters::{filter_block, from_blocks};
use crate::resource::{Ctx, DataSource};
use async_trait::async_trait;
use aws_sdk_ec2::types::Image;
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Type, Value};
use std::collections::BTreeMap;

/// The data source type.
pub struct Ami;

/// The data sources of this module.
pub fn data_sources() -> Vec<&'static dyn DataSource> {
    vec![&Ami]
}

fn schema_block() -> Block {
    let c = || Attribute::computed(Type::String);
    Block::new()
        .attr("architecture", c())
        .attr("arn", c())
        .attr(
            "block_device_mappings",
            Attribute::computed(Type::set(Type::object([
                ("device_name", Type::String),
                ("ebs", Type::map(Type::String)),
                ("no_device", Type::String),
                ("virtual_name", Type::String),
            ]))),
        )
        .attr("boot_mode", c())
        .attr("creation_date", c())
        .attr("deprecation_time", c())
        .attr("description", c())
        .attr("ena_support", Attribute::computed(Type::Bool))
        .attr(
            "executable_users",
            Attribute::optional(Type::list(Type::String)),
        )
        .attr("hypervisor", c())
        .attr("id", Attribute::optional_computed(Type::String))
        .attr("image_id", c())
        .attr("image_location", c())
        .attr("image_owner_alias", c())
        .attr("image_type", c())
        .attr("imds_support", c())
        .attr("include_deprecated", Attribute::optional(Type::Bool))
        .attr("kernel_id", c())
        .attr("last_launched_time", c())
        .attr("most_recent", Attribute::optional(Type::Bool))
        .attr("name", c())
        .attr("name_regex", Attribute::optional(Type::String))
        .attr("owner_id", c())
        .attr("owners", Attribute::optional(Type::list(Type::String)))
        .attr("platform", c())
        .attr("platform_details", c())
        .attr(
            "product_codes",
            Attribute::computed(Type::set(Type::object([
                ("product_code_id", Type::String),
                ("product_code_type", Type::String),
            ]))),
        )
        .attr("public", Attribute::computed(Type::Bool))
        .attr("ramdisk_id", c())
        .attr("root_device_name", c())
        .attr("root_device_type", c())
        .attr("root_snapshot_id", c())
        .attr("sriov_net_support", c())
        .attr("state", c())
        .attr("state_reason", Attribute::computed(Type::map(Type::String)))
        .attr(
            "tags",
            Attribute::optional_computed(Type::map(Type::String)),
        )
        .attr("tpm_support", c())
        .attr("uefi_data", Attribute::optional(Type::String))
        .attr("usage_operation", c())
        .attr("virtualization_type", c())
        .block("filter", filter_block())
}

/// The AMIs that pass `name_regex`, most recent first when asked.
pub fn choose(
    mut images: Vec<Image>,
    name_regex: Option<&regex::Regex>,
    most_recent: bool,
) -> Result<Image, Error> {
    if let Some(re) = name_regex {
        images.retain(|i| i.name().is_some_and(|n| re.is_match(n)));
    }
    if images.is_empty() {
        return Err(Error::NotFound {
            what: "an AMI matching the query (Your query returned no results. Please change your search criteria and try again)".to_string(),
        });
    }
    if images.len() > 1 && !most_recent {
        return Err(Error::invalid(
            "most_recent",
            "Your query returned more than one result",
            format!("{} AMIs match. Please try a more specific search criteria, or set `most_recent` attribute to true.", images.len()),
        ));
    }
    // ISO 8601 dates sort as strings.
    images.sort_by(|a, b| b.creation_date().cmp(&a.creation_date()));
    images.into_iter().next().ok_or_else(|| Error::NotFound {
        what: "an AMI matching the query".to_string(),
    })
}

fn s(x: Option<&str>) -> Value {
    Value::string(x.unwrap_or_default())
}

fn state_from(cx: &Ctx<'_>, i: &Image, config: &Value) -> Value {
    let mut m: BTreeMap<String, Value> = config.as_entries().cloned().unwrap_or_default();
    let id = i.image_id().unwrap_or_default();
    let put = |m: &mut BTreeMap<String, Value>, k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put(
        &mut m,
        "architecture",
        s(i.architecture().map(|x| x.as_str())),
    );
    put(
        &mut m,
        "arn",
        Value::string(cx.arn("", &format!("image/{id}"))),
    );
    let bdm: Vec<Value> = i
        .block_device_mappings()
        .iter()
        .map(|b| {
            let ebs: BTreeMap<String, Value> = b
                .ebs()
                .map(|e| {
                    let mut e_m = BTreeMap::new();
                    let mut add = |k: &str, v: Option<String>| {
                        if let Some(v) = v {
                            e_m.insert(k.to_string(), Value::string(v));
                        }
                    };
                    add(
                        "delete_on_termination",
                        e.delete_on_termination().map(|b| b.to_string()),
                    );
                    add("encrypted", e.encrypted().map(|b| b.to_string()));
                    add("iops", e.iops().map(|n| n.to_string()));
                    add("snapshot_id", e.snapshot_id().map(str::to_string));
                    add("throughput", e.throughput().map(|n| n.to_string()));
                    add("volume_size", e.volume_size().map(|n| n.to_string()));
                    add(
                        "volume_type",
                        e.volume_type().map(|t| t.as_str().to_string()),
                    );
                    e_m
                })
                .unwrap_or_default();
            Value::object([
                ("device_name", s(b.device_name())),
                ("ebs", Value::Map(ebs)),
                ("no_device", s(b.no_device())),
                ("virtual_name", s(b.virtual_name())),
            ])
        })
        .collect();
    put(&mut m, "block_device_mappings", Value::set(bdm));
    put(&mut m, "boot_mode", s(i.boot_mode().map(|x| x.as_str())));
    put(&mut m, "creation_date", s(i.creation_date()));
    put(&mut m, "deprecation_time", s(i.deprecation_time()));
    put(&mut m, "description", s(i.description()));
    put(
        &mut m,
        "ena_support",
        Value::Bool(i.ena_support().unwrap_or(false)),
    );
    put(&mut m, "hypervisor", s(i.hypervisor().map(|x| x.as_str())));
    put(&mut m, "id", Value::string(id));
    put(&mut m, "image_id", Value::string(id));
    put(&mut m, "image_location", s(i.image_location()));
    put(&mut m, "image_owner_alias", s(i.image_owner_alias()));
    put(&mut m, "image_type", s(i.image_type().map(|x| x.as_str())));
    put(
        &mut m,
        "imds_support",
        s(i.imds_support().map(|x| x.as_str())),
    );
    put(&mut m, "kernel_id", s(i.kernel_id()));
    put(&mut m, "last_launched_time", s(i.last_launched_time()));
    put(&mut m, "name", s(i.name()));
    put(&mut m, "owner_id", s(i.owner_id()));
    put(&mut m, "platform", s(i.platform().map(|x| x.as_str())));
    put(&mut m, "platform_details", s(i.platform_details()));
    let codes: Vec<Value> = i
        .product_codes()
        .iter()
        .map(|p| {
            Value::object([
                ("product_code_id", s(p.product_code_id())),
                (
                    "product_code_type",
                    s(p.product_code_type().map(|x| x.as_str())),
                ),
            ])
        })
        .collect();
    put(&mut m, "product_codes", Value::set(codes));
    put(&mut m, "public", Value::Bool(i.public().unwrap_or(false)));
    put(&mut m, "ramdisk_id", s(i.ramdisk_id()));
    put(&mut m, "root_device_name", s(i.root_device_name()));
    put(
        &mut m,
        "root_device_type",
        s(i.root_device_type().map(|x| x.as_str())),
    );
    let root_snapshot = i
        .block_device_mappings()
        .iter()
        .find(|b| b.device_name() == i.root_device_name())
        .and_then(|b| b.ebs())
        .and_then(|e| e.snapshot_id());
    put(&mut m, "root_snapshot_id", s(root_snapshot));
    put(&mut m, "sriov_net_support", s(i.sriov_net_support()));
    put(&mut m, "state", s(i.state().map(|x| x.as_str())));
    let reason: BTreeMap<String, Value> = [
        (
            "code",
            i.state_reason().and_then(|r| r.code()).unwrap_or("UNSET"),
        ),
        (
            "message",
            i.state_reason()
                .and_then(|r| r.message())
                .unwrap_or("UNSET"),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), Value::string(v)))
    .collect();
    put(&mut m, "state_reason", Value::Map(reason));
    let tags: BTreeMap<String, Value> = i
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), Value::string(t.value().unwrap_or("")))))
        .collect();
    put(&mut m, "tags", Value::Map(tags));
    put(
        &mut m,
        "tpm_support",
        s(i.tpm_support().map(|x| x.as_str())),
    );
    put(&mut m, "usage_operation", s(i.usage_operation()));
    put(
        &mut m,
        "virtualization_type",
        s(i.virtualization_type().map(|x| x.as_str())),
    );
    Value::Object(m)
}

#[async_trait]
impl DataSource for Ami {
    fn type_name(&self) -> &'static str {
        "aws_ami"
    }

    /// As hashicorp/aws 5.100 declares it.
    fn schema(&self) -> Schema {
        Schema::new(schema_block())
    }

    /// One paginated DescribeImages call with the owners, executable users
    /// and filters; `name_regex` and `most_recent` are applied to the answer.
    async fn read(&self, cx: &Ctx<'_>, config: &Value) -> Result<Value, Error> {
        let re = match str_attr(config, "name_regex") {
            Some(r) => Some(regex::Regex::new(r).map_err(|e| {
                Error::invalid(
                    "name_regex",
                    "Invalid name_regex",
                    format!("{r:?} is not a valid regular expression: {e}"),
                )
            })?),
            None => None,
        };
        let owners = strings(config, "owners");
        let users = strings(config, "executable_users");
        let filters = from_blocks(config);
        if owners.is_empty() && users.is_empty() && filters.is_empty() {
            return Err(Error::invalid(
                "owners",
                "Missing search criteria",
                "Set at least one of owners, executable_users or a filter block: a query of every AMI in the region is never what you want.",
            ));
        }
        let mut images = Vec::new();
        let mut pages = cx
            .ec2()
            .describe_images()
            .set_owners((!owners.is_empty()).then_some(owners))
            .set_executable_users((!users.is_empty()).then_some(users))
            .set_filters((!filters.is_empty()).then_some(filters))
            .set_include_deprecated(bool_attr(config, "include_deprecated"))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            images.extend(
                page.map_err(api("DescribeImages"))?
                    .images()
                    .iter()
                    .cloned(),
            );
        }
        let most_recent = bool_attr(config, "most_recent") == Some(true);
        let image = choose(images, re.as_ref(), most_recent)?;
        let mut state = state_from(cx, &image, config);
        if state.get_attr("uefi_data").is_none() {
            set_attr(&mut state, "uefi_data", Value::Null);
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(id: &str, name: &str, date: &str) -> Image {
        Image::builder()
            .image_id(id)
            .name(name)
            .creation_date(date)
            .build()
    }

    #[test]
    fn most_recent_and_regex_choose_as_hashicorp_aws() {
        let all = vec![
            image(
                "ami-1",
                "al2023-ami-2023.1-x86_64",
                "2024-01-01T00:00:00.000Z",
            ),
            image(
                "ami-2",
                "al2023-ami-2023.2-x86_64",
                "2024-06-01T00:00:00.000Z",
            ),
            image(
                "ami-3",
                "al2023-ami-2023.3-arm64",
                "2024-09-01T00:00:00.000Z",
            ),
        ];
        let x86 = regex::Regex::new("x86_64$").unwrap();
        let got = choose(all.clone(), Some(&x86), true).unwrap();
        assert_eq!(got.image_id(), Some("ami-2"));
        assert!(choose(all.clone(), Some(&x86), false).is_err());
        let none = regex::Regex::new("^windows").unwrap();
        assert!(choose(all.clone(), Some(&none), true)
            .unwrap_err()
            .is_not_found());
        assert_eq!(choose(all, None, true).unwrap().image_id(), Some("ami-3"));
    }
}
