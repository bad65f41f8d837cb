//! `aws_route`: one route of a route table. Its id is hashicorp/aws's
//! `r-<table id><hash of the destination>`; its import id is
//! `<table id>_<destination>`. Refresh describes the route tables of all
//! routes of a batch in one call.

use super::routes::{self, route_call, Destination};
use crate::attrs::{self, non_empty, opt_str, str_or_empty};
use crate::error::{api, Error};
use crate::resource::{check_string, Ctx, Resource};
use crate::timeouts::{minutes, Timeouts};
use crate::wait::{self, Poll};
use async_trait::async_trait;
use aws_sdk_ec2::types::{Route as SdkRoute, RouteTable as SdkTable};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Diagnostic, Type, Value};
use std::collections::{BTreeMap, HashMap};

/// `aws_route`.
pub struct Route;

const DESTINATIONS: [&str; 3] = [
    "destination_cidr_block",
    "destination_ipv6_cidr_block",
    "destination_prefix_list_id",
];

fn table_of(v: &Value) -> Option<&str> {
    non_empty(v, "route_table_id")
}

fn find_route<'a>(t: &'a SdkTable, dest: &Destination) -> Option<&'a SdkRoute> {
    t.routes().iter().find(|r| dest.matches(r))
}

fn state(table: &str, r: &SdkRoute, dest: &Destination, prior: &Value) -> Value {
    let mut m = BTreeMap::new();
    m.insert("id".to_string(), Value::from(routes::route_id(table, dest)));
    m.insert("route_table_id".into(), Value::from(table));
    for name in DESTINATIONS {
        m.insert(name.to_string(), Value::Null);
    }
    let key = match dest {
        Destination::Ipv4(_) => "destination_cidr_block",
        Destination::Ipv6(_) => "destination_ipv6_cidr_block",
        Destination::PrefixList(_) => "destination_prefix_list_id",
    };
    // Keep the configured spelling of an IPv6 block AWS canonicalized.
    let spelled = match prior.get_attr(key).and_then(Value::as_str) {
        Some(p) if Destination::of_value(prior, DESTINATIONS).as_ref() == Some(dest) => {
            p.to_string()
        }
        _ => dest.as_str().to_string(),
    };
    m.insert(key.to_string(), Value::from(spelled));
    let targets = routes::targets(r);
    for name in routes::TARGETS {
        let v = targets.get(name).map(String::as_str);
        m.insert(
            name.to_string(),
            if name == "network_interface_id" {
                str_or_empty(v)
            } else {
                opt_str(v)
            },
        );
    }
    m.insert("instance_id".into(), str_or_empty(r.instance_id()));
    m.insert(
        "instance_owner_id".into(),
        str_or_empty(r.instance_owner_id()),
    );
    m.insert(
        "origin".into(),
        str_or_empty(r.origin().map(|o| o.as_str())),
    );
    m.insert("state".into(), str_or_empty(r.state().map(|s| s.as_str())));
    Value::Object(m)
}

fn destination(v: &Value) -> Result<Destination, Error> {
    Destination::of_value(v, DESTINATIONS).ok_or_else(|| {
        Error::invalid(
            "destination_cidr_block",
            "Missing route destination",
            "One of destination_cidr_block, destination_ipv6_cidr_block or destination_prefix_list_id must be set.",
        )
    })
}

async fn find(cx: &Ctx<'_>, table: &str, dest: &Destination) -> Result<Option<SdkRoute>, Error> {
    let tables = routes::describe_tables(cx, "route-table-id", &[table.to_string()]).await?;
    Ok(tables
        .iter()
        .find(|t| t.route_table_id() == Some(table))
        .and_then(|t| find_route(t, dest))
        .cloned())
}

#[async_trait]
impl Resource for Route {
    fn type_name(&self) -> &'static str {
        "aws_route"
    }

    fn schema(&self) -> Schema {
        let target = || Attribute::optional(Type::String);
        let c = || Attribute::computed(Type::String);
        let mut block = Block::new()
            .attr("id", c())
            .attr(
                "route_table_id",
                Attribute::required(Type::String).force_new(),
            )
            .attr("instance_id", c())
            .attr("instance_owner_id", c())
            .attr("origin", c())
            .attr("state", c());
        for d in DESTINATIONS {
            block = block.attr(d, Attribute::optional(Type::String).force_new());
        }
        for t in routes::TARGETS {
            block = block.attr(
                t,
                if t == "network_interface_id" {
                    Attribute::optional_computed(Type::String)
                } else {
                    target()
                },
            );
        }
        Schema::new(block)
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
        let known = |n: &str| config.get_attr(n).is_some_and(|v| !v.is_null());
        let dests = DESTINATIONS.iter().filter(|d| known(d)).count();
        let targets = routes::TARGETS.iter().filter(|t| known(t)).count();
        let mut out: Vec<Diagnostic> = [check_string(
            config,
            "destination_cidr_block",
            "Invalid CIDR block",
            |s| super::cidr::check_ipv4_network(s, 0, 32),
        )]
        .into_iter()
        .flatten()
        .collect();
        if dests != 1 {
            out.push(Diagnostic::error(
                "Invalid combination of arguments",
                "\"destination_cidr_block\": one of `destination_cidr_block,destination_ipv6_cidr_block,destination_prefix_list_id` must be specified, and only one.",
            ));
        }
        if targets != 1 {
            out.push(Diagnostic::error(
                "Invalid combination of arguments",
                "A route needs exactly one target: carrier_gateway_id, core_network_arn, egress_only_gateway_id, gateway_id, local_gateway_id, nat_gateway_id, network_interface_id, transit_gateway_id, vpc_endpoint_id or vpc_peering_connection_id.",
            ));
        }
        out
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let table = attrs::required_str(planned, "route_table_id")?;
        let dest = destination(planned)?;
        if find(cx, table, &dest).await?.is_some() {
            return Err(Error::Invalid {
                summary: "Route already exists".into(),
                detail: format!(
                    "A route in {table} with destination {} already exists. To manage it with gitform, import it: gitform import ADDRESS {table}_{}",
                    dest.as_str(),
                    dest.as_str()
                ),
                path: None,
            });
        }
        // Right after a table or target is created EC2 may not see it yet.
        // RouteAlreadyExists here (the route was absent just above) is the
        // answer to a retry of our own call whose first answer was lost.
        let created = wait::retry_on_codes(
            cx.target(format!("route {} in {table}", dest.as_str()), "created"),
            &[
                "InvalidRouteTableID.NotFound",
                "InvalidGatewayID.NotFound",
                "InvalidNatGatewayID.NotFound",
                "InvalidTransitGatewayID.NotFound",
                "InvalidParameterException",
            ],
            || async {
                let call = cx.ec2().create_route().route_table_id(table);
                route_call!(call, &dest, planned)
                    .send()
                    .await
                    .map_err(api("CreateRoute"))
            },
        )
        .await;
        match created {
            Err(e) if e.code() != Some("RouteAlreadyExists") => return Err(e),
            _ => {}
        }
        let id = routes::route_id(table, &dest);
        wait::until(
            cx.target(format!("route {} in {table}", dest.as_str()), "active"),
            || async {
                Ok(match find(cx, table, &dest).await? {
                    Some(r) if r.state().is_none_or(|s| s.as_str() == "active") => Poll::Done(()),
                    Some(r) => Poll::Pending(r.state().map_or("", |s| s.as_str()).to_string()),
                    None => Poll::Pending("not found yet".into()),
                })
            },
        )
        .await
        .map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        let mut tables: Vec<String> = priors
            .iter()
            .filter_map(table_of)
            .map(str::to_string)
            .collect();
        tables.sort();
        tables.dedup();
        let tables = routes::describe_tables_by_id(cx, &tables, cx.sharing).await?;
        let found: HashMap<String, &SdkTable> = tables
            .iter()
            .filter_map(|t| Some((t.route_table_id()?.to_string(), t)))
            .collect();
        Ok(priors
            .iter()
            .map(|p| {
                let table = table_of(p)?;
                let dest = Destination::of_value(p, DESTINATIONS)?;
                let r = find_route(found.get(table)?, &dest)?;
                Some(state(table, r, &dest, p))
            })
            .collect())
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        let table = attrs::required_str(prior, "route_table_id")?;
        let dest = destination(prior)?;
        let retarget = routes::TARGETS
            .iter()
            .any(|t| attrs::changed(prior, planned, t));
        if retarget {
            let call = cx.ec2().replace_route().route_table_id(table);
            route_call!(call, &dest, planned)
                .send()
                .await
                .map_err(api("ReplaceRoute"))?;
        }
        Ok(())
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let table = attrs::required_str(prior, "route_table_id")?;
        let dest = destination(prior)?;
        let call = cx.ec2().delete_route().route_table_id(table);
        let call = match &dest {
            Destination::Ipv4(c) => call.destination_cidr_block(c),
            Destination::Ipv6(c) => call.destination_ipv6_cidr_block(c),
            Destination::PrefixList(p) => call.destination_prefix_list_id(p),
        };
        match call.send().await.map_err(api("DeleteRoute")) {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        }
        wait::until(
            cx.target(format!("route {} in {table}", dest.as_str()), "deleted"),
            || async {
                Ok(match find(cx, table, &dest).await? {
                    None => Poll::Done(()),
                    Some(_) => Poll::Pending("exists".into()),
                })
            },
        )
        .await
    }

    /// `rtb-0123_10.0.0.0/16` (or an IPv6 block, or a prefix list id).
    async fn import(&self, _cx: &Ctx<'_>, id: &str) -> Result<Value, Error> {
        let bad = || {
            Error::invalid(
                "",
                "Invalid import id",
                format!("\"{id}\" is not an aws_route import id: use ROUTETABLEID_DESTINATION, such as rtb-0123_10.0.0.0/16, rtb-0123_2600:1f18::/56 or rtb-0123_pl-0123."),
            )
        };
        let (table, dest) = id.split_once('_').ok_or_else(bad)?;
        if !table.starts_with("rtb-") || dest.is_empty() {
            return Err(bad());
        }
        let key = if dest.starts_with("pl-") {
            "destination_prefix_list_id"
        } else if dest.contains(':') {
            "destination_ipv6_cidr_block"
        } else {
            "destination_cidr_block"
        };
        let mut v = crate::resource::full_schema(self).block.null_object();
        attrs::set_attr(&mut v, "route_table_id", Value::from(table));
        attrs::set_attr(&mut v, key, Value::from(dest));
        Ok(v)
    }
}
