//! The `aws_security_group` data source: exactly one security group, by
//! id, name, VPC, tags and `filter` blocks.

use crate::attrs::{non_empty, string_map};
use crate::error::{api, Error};
use crate::filters::{filter, filter_block, from_blocks, tag_filters};
use crate::resource::{Ctx, DataSource};
use async_trait::async_trait;
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Type, Value};
use std::collections::BTreeMap;

/// The data source type.
pub struct SecurityGroupData;

/// The data sources of this module.
pub fn data_sources() -> Vec<&'static dyn DataSource> {
    vec![&SecurityGroupData]
}

#[async_trait]
impl DataSource for SecurityGroupData {
    fn type_name(&self) -> &'static str {
        "aws_security_group"
    }

    /// As hashicorp/aws 5.100 declares it.
    fn schema(&self) -> Schema {
        let oc = || Attribute::optional_computed(Type::String);
        Schema::new(
            Block::new()
                .attr("arn", Attribute::computed(Type::String))
                .attr("description", Attribute::computed(Type::String))
                .attr("id", oc())
                .attr("name", oc())
                .attr("vpc_id", oc())
                .attr(
                    "tags",
                    Attribute::optional_computed(Type::map(Type::String)),
                )
                .block("filter", filter_block()),
        )
    }

    /// One DescribeSecurityGroups call; no match or more than one is an
    /// error, as in hashicorp/aws.
    async fn read(&self, cx: &Ctx<'_>, config: &Value) -> Result<Value, Error> {
        let mut filters = from_blocks(config);
        if let Some(id) = non_empty(config, "id") {
            filters.push(filter("group-id", [id]));
        }
        if let Some(name) = non_empty(config, "name") {
            filters.push(filter("group-name", [name]));
        }
        if let Some(vpc) = non_empty(config, "vpc_id") {
            filters.push(filter("vpc-id", [vpc]));
        }
        filters.extend(tag_filters(&string_map(config, "tags")));
        let mut groups = Vec::new();
        let mut pages = cx
            .ec2()
            .describe_security_groups()
            .set_filters((!filters.is_empty()).then_some(filters))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(api("DescribeSecurityGroups"))?;
            groups.extend(page.security_groups().iter().cloned());
        }
        let g = match groups.as_slice() {
            [one] => one,
            [] => {
                return Err(Error::NotFound {
                    what: "a security group matching the query (no matching EC2 Security Group found)".to_string(),
                })
            }
            many => {
                return Err(Error::invalid(
                    "",
                    "multiple EC2 Security Groups matched",
                    format!("{} security groups match; use additional constraints to reduce matches to a single EC2 Security Group.", many.len()),
                ))
            }
        };
        let mut m: BTreeMap<String, Value> = config.as_entries().cloned().unwrap_or_default();
        let id = g.group_id().unwrap_or_default();
        let owner = g.owner_id().unwrap_or_default();
        let arn = g
            .security_group_arn()
            .map(str::to_string)
            .unwrap_or_else(|| cx.arn(owner, &format!("security-group/{id}")));
        m.insert("arn".into(), Value::string(arn));
        m.insert(
            "description".into(),
            Value::string(g.description().unwrap_or_default()),
        );
        m.insert("id".into(), Value::string(id));
        m.insert(
            "name".into(),
            Value::string(g.group_name().unwrap_or_default()),
        );
        m.insert(
            "vpc_id".into(),
            Value::string(g.vpc_id().unwrap_or_default()),
        );
        let tags: BTreeMap<String, Value> = g
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), Value::string(t.value().unwrap_or("")))))
            .collect();
        m.insert("tags".into(), Value::Map(tags));
        Ok(Value::Object(m))
    }
}
