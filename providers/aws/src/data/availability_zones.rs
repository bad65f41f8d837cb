//! The `aws_availability_zones` data source.

use crate::attrs::{bool_attr, non_empty, str_list, str_set, strings};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{Ctx, DataSource};
use async_trait::async_trait;
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Type, Value};

/// `aws_availability_zones`.
pub struct AvailabilityZones;

#[async_trait]
impl DataSource for AvailabilityZones {
    fn type_name(&self) -> &'static str {
        "aws_availability_zones"
    }

    fn schema(&self) -> Schema {
        let set = || Type::set(Type::String);
        Schema::new(
            Block::new()
                .attr("id", Attribute::computed(Type::String))
                .attr("all_availability_zones", Attribute::optional(Type::Bool))
                .attr("exclude_names", Attribute::optional(set()))
                .attr("exclude_zone_ids", Attribute::optional(set()))
                .attr("state", Attribute::optional(Type::String))
                .attr("group_names", Attribute::computed(set()))
                .attr("names", Attribute::computed(Type::list(Type::String)))
                .attr("zone_ids", Attribute::computed(Type::list(Type::String)))
                .block("filter", filters::filter_block()),
        )
    }

    async fn read(&self, cx: &Ctx<'_>, config: &Value) -> Result<Value, Error> {
        let mut fs = filters::from_blocks(config);
        if let Some(state) = non_empty(config, "state") {
            fs.push(filters::filter("state", [state]));
        }
        let out = cx
            .ec2()
            .describe_availability_zones()
            .set_all_availability_zones(bool_attr(config, "all_availability_zones"))
            .set_filters(Some(fs).filter(|f| !f.is_empty()))
            .send()
            .await
            .map_err(api("DescribeAvailabilityZones"))?;
        let (exclude_names, exclude_ids) = (
            strings(config, "exclude_names"),
            strings(config, "exclude_zone_ids"),
        );
        let mut zones: Vec<(String, String, String)> = out
            .availability_zones()
            .iter()
            .filter_map(|z| {
                Some((
                    z.zone_name()?.to_string(),
                    z.zone_id().unwrap_or_default().to_string(),
                    z.group_name().unwrap_or_default().to_string(),
                ))
            })
            .filter(|(name, id, _)| !exclude_names.contains(name) && !exclude_ids.contains(id))
            .collect();
        zones.sort();
        let mut v = config.clone();
        crate::attrs::set_attr(&mut v, "id", Value::from(cx.session.region.as_str()));
        crate::attrs::set_attr(&mut v, "names", str_list(zones.iter().map(|z| &z.0)));
        crate::attrs::set_attr(&mut v, "zone_ids", str_list(zones.iter().map(|z| &z.1)));
        crate::attrs::set_attr(
            &mut v,
            "group_names",
            str_set(zones.iter().map(|z| &z.2).filter(|g| !g.is_empty())),
        );
        Ok(v)
    }
}
