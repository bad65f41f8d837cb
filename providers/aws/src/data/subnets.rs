//! The `aws_subnets` data source: the ids of the subnets matching `filter`
//! blocks and `tags`.

use crate::attrs::{self, str_list, string_map};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{Ctx, DataSource};
use async_trait::async_trait;
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Type, Value};

/// `aws_subnets`.
pub struct Subnets;

#[async_trait]
impl DataSource for Subnets {
    fn type_name(&self) -> &'static str {
        "aws_subnets"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new()
                .attr("id", Attribute::computed(Type::String))
                .attr("ids", Attribute::computed(Type::list(Type::String)))
                .attr(
                    "tags",
                    Attribute::optional_computed(Type::map(Type::String)),
                )
                .block("filter", filters::filter_block()),
        )
    }

    async fn read(&self, cx: &Ctx<'_>, config: &Value) -> Result<Value, Error> {
        let mut fs = filters::from_blocks(config);
        fs.extend(filters::tag_filters(&string_map(config, "tags")));
        let mut pages = cx
            .ec2()
            .describe_subnets()
            .set_filters(Some(fs).filter(|f| !f.is_empty()))
            .into_paginator()
            .send();
        let mut ids = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(api("DescribeSubnets"))?;
            ids.extend(
                page.subnets()
                    .iter()
                    .filter_map(|s| s.subnet_id())
                    .map(str::to_string),
            );
        }
        let mut v = config.clone();
        attrs::set_attr(&mut v, "id", Value::from(cx.session.region.as_str()));
        attrs::set_attr(&mut v, "ids", str_list(&ids));
        if v.get_attr("tags").is_none_or(Value::is_null) {
            attrs::set_attr(&mut v, "tags", Value::Map(Default::default()));
        }
        Ok(v)
    }
}
