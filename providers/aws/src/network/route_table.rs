//! `aws_route_table`, with its inline routes as a set, updated in place
//! (CreateRoute, ReplaceRoute, DeleteRoute).
//!
//! As in hashicorp/aws, `route` is an optional and computed attribute of
//! type set of objects, which configuration may write as `route { ... }`
//! blocks or as an argument. A configuration that sets no route (no block,
//! no argument) leaves the table's routes alone (so `aws_route` resources
//! can manage them); `route = []` removes every route. The local route,
//! propagated routes and gateway-endpoint routes are never part of the set.

use super::routes::{self, route_call, Destination, TABLE_DESTINATIONS};
use crate::attrs::{self, blocks, id, str_or_empty, strings};
use crate::error::{api, Error};
use crate::resource::{by_id, ids, Ctx, Planning, Resource};
use crate::tags;
use crate::timeouts::{minutes, Timeouts};
use crate::wait::{self, Poll};
use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType, RouteTable as SdkTable};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{AttrPath, Diagnostic, PathStep, Type, Value};
use std::collections::{BTreeMap, HashMap};

/// `aws_route_table`.
pub struct RouteTable;

async fn find(cx: &Ctx<'_>, id: &str) -> Result<Option<SdkTable>, Error> {
    Ok(
        routes::describe_tables(cx, "route-table-id", &[id.to_string()])
            .await?
            .into_iter()
            .find(|t| t.route_table_id() == Some(id)),
    )
}

fn state(cx: &Ctx<'_>, t: &SdkTable, prior: &Value) -> Value {
    let id = t.route_table_id().unwrap_or_default();
    let owner = t.owner_id().unwrap_or_default();
    let mut m = BTreeMap::new();
    m.insert("id".to_string(), Value::from(id));
    m.insert(
        "arn".into(),
        Value::from(cx.arn(owner, &format!("route-table/{id}"))),
    );
    m.insert("owner_id".into(), Value::from(owner));
    m.insert("vpc_id".into(), str_or_empty(t.vpc_id()));
    m.insert(
        "propagating_vgws".into(),
        attrs::str_set(t.propagating_vgws().iter().filter_map(|v| v.gateway_id())),
    );
    m.insert(
        "route".into(),
        Value::set(
            t.routes()
                .iter()
                .filter_map(routes::table_route_value)
                .collect(),
        ),
    );
    tags::set_state(cx.tags(), t.tags(), prior, &mut m);
    Value::Object(m)
}

/// The routes of a value, by destination.
fn routes_of(v: &Value) -> BTreeMap<Destination, &Value> {
    blocks(v, "route")
        .iter()
        .filter_map(|r| Some((Destination::of_value(r, TABLE_DESTINATIONS)?, r)))
        .collect()
}

async fn create_route(
    cx: &Ctx<'_>,
    table: &str,
    dest: &Destination,
    r: &Value,
) -> Result<(), Error> {
    let call = cx.ec2().create_route().route_table_id(table);
    route_call!(call, dest, r)
        .send()
        .await
        .map_err(api("CreateRoute"))?;
    Ok(())
}

async fn delete_route(cx: &Ctx<'_>, table: &str, dest: &Destination) -> Result<(), Error> {
    let call = cx.ec2().delete_route().route_table_id(table);
    let call = match dest {
        Destination::Ipv4(c) => call.destination_cidr_block(c),
        Destination::Ipv6(c) => call.destination_ipv6_cidr_block(c),
        Destination::PrefixList(p) => call.destination_prefix_list_id(p),
    };
    match call.send().await.map_err(api("DeleteRoute")) {
        Err(e) if e.is_not_found() => Ok(()),
        other => other.map(|_| ()),
    }
}

/// Brings the routes of `table` from `old`'s set to `new`'s.
async fn sync_routes(cx: &Ctx<'_>, table: &str, old: &Value, new: &Value) -> Result<(), Error> {
    let (before, after) = (routes_of(old), routes_of(new));
    for dest in before.keys().filter(|d| !after.contains_key(*d)) {
        delete_route(cx, table, dest).await?;
    }
    for (dest, r) in &after {
        match before.get(dest) {
            None => create_route(cx, table, dest, r).await?,
            Some(old_r) if !gitform_provider::values_equal(old_r, r) => {
                let call = cx.ec2().replace_route().route_table_id(table);
                route_call!(call, dest, *r)
                    .send()
                    .await
                    .map_err(api("ReplaceRoute"))?;
            }
            Some(_) => {}
        }
    }
    Ok(())
}

async fn sync_vgws(cx: &Ctx<'_>, table: &str, old: &Value, new: &Value) -> Result<(), Error> {
    let (before, after) = (
        strings(old, "propagating_vgws"),
        strings(new, "propagating_vgws"),
    );
    for g in before.iter().filter(|g| !after.contains(g)) {
        cx.ec2()
            .disable_vgw_route_propagation()
            .route_table_id(table)
            .gateway_id(g)
            .send()
            .await
            .map_err(api("DisableVgwRoutePropagation"))?;
    }
    for g in after.iter().filter(|g| !before.contains(g)) {
        cx.ec2()
            .enable_vgw_route_propagation()
            .route_table_id(table)
            .gateway_id(g)
            .send()
            .await
            .map_err(api("EnableVgwRoutePropagation"))?;
    }
    Ok(())
}

#[async_trait]
impl Resource for RouteTable {
    fn type_name(&self) -> &'static str {
        "aws_route_table"
    }

    fn schema(&self) -> Schema {
        let c = || Attribute::computed(Type::String);
        let block = Block::new()
            .attr("id", c())
            .attr("arn", c())
            .attr("owner_id", c())
            .attr("vpc_id", Attribute::required(Type::String).force_new())
            .attr(
                "propagating_vgws",
                Attribute::optional_computed(Type::set(Type::String)),
            )
            .attr(
                "route",
                Attribute::optional_computed(Type::set(routes::table_route_block().implied_type())),
            );
        Schema::new(tags::with_tags(block))
    }

    fn timeouts(&self) -> Option<Timeouts> {
        Some(Timeouts {
            create: Some(minutes(5)),
            update: Some(minutes(2)),
            delete: Some(minutes(5)),
            read: None,
        })
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (i, r) in blocks(config, "route").iter().enumerate() {
            if !r.is_wholly_known() {
                continue;
            }
            let path = AttrPath(vec![
                PathStep::Attr("route".into()),
                PathStep::Index(i64::try_from(i).unwrap_or(i64::MAX)),
            ]);
            let dests = TABLE_DESTINATIONS
                .iter()
                .filter(|d| attrs::non_empty(r, d).is_some())
                .count();
            let targets = routes::TARGETS
                .iter()
                .filter(|t| attrs::non_empty(r, t).is_some())
                .count();
            if dests != 1 {
                out.push(
                    Diagnostic::error(
                        "Invalid route",
                        "A route block needs exactly one destination: cidr_block, ipv6_cidr_block or destination_prefix_list_id.",
                    )
                    .with_attr_path(path.clone()),
                );
            }
            if targets != 1 {
                out.push(
                    Diagnostic::error(
                        "Invalid route",
                        "A route block needs exactly one target, such as gateway_id, nat_gateway_id or network_interface_id.",
                    )
                    .with_attr_path(path),
                );
            }
        }
        out
    }

    fn plan(&self, plan: &mut Planning<'_>) {
        // No route set at all (`route = []` is set, to none): the routes
        // are not managed here.
        let unset = plan.config.get_attr("route").is_none_or(Value::is_null);
        if unset {
            let keep = plan
                .prior
                .and_then(|p| p.get_attr("route"))
                .cloned()
                .unwrap_or(Value::Set(Vec::new()));
            plan.set("route", keep);
        }
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let out = cx
            .ec2()
            .create_route_table()
            .client_token(crate::resource::client_token())
            .vpc_id(attrs::required_str(planned, "vpc_id")?)
            .set_tag_specifications(
                tags::specification(ResourceType::RouteTable, planned).map(|t| vec![t]),
            )
            .send()
            .await
            .map_err(api("CreateRouteTable"))?;
        let table = out
            .route_table()
            .and_then(SdkTable::route_table_id)
            .ok_or_else(|| Error::NotFound {
                what: "the id of the new route table in the CreateRouteTable answer".into(),
            })?
            .to_string();
        let finish = async {
            wait::until(
                cx.target(format!("route table {table}"), "ready"),
                || async {
                    Ok(match find(cx, &table).await? {
                        Some(_) => Poll::Done(()),
                        None => Poll::Pending("not found yet".into()),
                    })
                },
            )
            .await?;
            sync_vgws(cx, &table, &Value::Null, planned).await?;
            sync_routes(cx, &table, &Value::Null, planned).await
        };
        finish.await.map_err(|e| e.after_create(&table))?;
        Ok(table)
    }

    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        let tables = routes::describe_tables_by_id(cx, &ids(priors), cx.sharing).await?;
        let found: HashMap<String, &SdkTable> = tables
            .iter()
            .filter_map(|t| Some((t.route_table_id()?.to_string(), t)))
            .collect();
        Ok(by_id(priors, &found, |t, p| state(cx, t, p)))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        let table = id(prior)?;
        if attrs::changed(prior, planned, "propagating_vgws") {
            sync_vgws(cx, table, prior, planned).await?;
        }
        if attrs::changed(prior, planned, "route") {
            sync_routes(cx, table, prior, planned).await?;
        }
        if attrs::changed(prior, planned, "tags_all") {
            tags::update(cx.session, table, prior, planned).await?;
        }
        Ok(())
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let table = id(prior)?;
        let Some(t) = find(cx, table).await? else {
            return Ok(());
        };
        // A table cannot go while subnets or gateways are associated with it.
        for a in t.associations() {
            if a.main() == Some(true) {
                continue;
            }
            if let Some(assoc) = a.route_table_association_id() {
                match cx
                    .ec2()
                    .disassociate_route_table()
                    .association_id(assoc)
                    .send()
                    .await
                    .map_err(api("DisassociateRouteTable"))
                {
                    Err(e) if !e.is_not_found() => return Err(e),
                    _ => {}
                }
            }
        }
        cx.ec2()
            .delete_route_table()
            .route_table_id(table)
            .send()
            .await
            .map_err(api("DeleteRouteTable"))?;
        wait::until(
            cx.target(format!("route table {table}"), "deleted"),
            || async {
                Ok(match find(cx, table).await? {
                    None => Poll::Done(()),
                    Some(_) => Poll::Pending("exists".into()),
                })
            },
        )
        .await
    }
}
