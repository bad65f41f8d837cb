//! What `aws_route_table`, `aws_route` and `aws_route_table_association`
//! share: describing route tables in batches, route destinations and
//! targets, and hashicorp/aws's route ids.

use crate::attrs::non_empty;
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{Ctx, Sharing, ID_CHUNK};
use aws_sdk_ec2::types::{Route, RouteTable};
use gitform_provider::{Attribute, Block};
use gitform_value::{Type, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The target attributes of a route, in `aws_route_table`'s `route` blocks
/// (`aws_route` has the same ones, with `network_interface_id` computed).
pub const TARGETS: [&str; 10] = [
    "carrier_gateway_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "local_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
];

/// The destination attributes of a route table's `route` block.
pub const TABLE_DESTINATIONS: [&str; 3] = [
    "cidr_block",
    "ipv6_cidr_block",
    "destination_prefix_list_id",
];

/// The `route` nested block of `aws_route_table`.
pub fn table_route_block() -> Block {
    TABLE_DESTINATIONS
        .iter()
        .chain(TARGETS.iter())
        .fold(Block::new(), |b, name| {
            b.attr(*name, Attribute::optional(Type::String))
        })
}

/// Describes route tables matching `filter_name = values`: one paginated
/// call per [`ID_CHUNK`] values.
pub async fn describe_tables(
    cx: &Ctx<'_>,
    filter_name: &str,
    values: &[String],
) -> Result<Vec<RouteTable>, Error> {
    let mut out = Vec::new();
    for chunk in values.chunks(ID_CHUNK) {
        let mut pages = cx
            .ec2()
            .describe_route_tables()
            .filters(filters::ids(filter_name, chunk))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(api("DescribeRouteTables"))?;
            out.extend(page.route_tables().iter().cloned());
        }
    }
    Ok(out)
}

/// Describes route tables by id. The route table, route and association
/// types all read tables by id, and a plan refreshes them at the same
/// moment: with [`Sharing::InFlight`], an identical read already in flight
/// is awaited rather than sent again ([`crate::inflight`]).
pub async fn describe_tables_by_id(
    cx: &Ctx<'_>,
    ids: &[String],
    sharing: Sharing,
) -> Result<Arc<Vec<RouteTable>>, Error> {
    let mut key = ids.to_vec();
    key.sort();
    key.dedup();
    if sharing == Sharing::Own {
        return describe_tables(cx, "route-table-id", &key)
            .await
            .map(Arc::new);
    }
    cx.session
        .route_tables
        .run(key.clone(), || async move {
            describe_tables(cx, "route-table-id", &key)
                .await
                .map(Arc::new)
        })
        .await
}

/// The destination of a route: which attribute and its value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Destination {
    Ipv4(String),
    Ipv6(String),
    PrefixList(String),
}

impl Destination {
    /// The destination of an SDK route.
    pub fn of(r: &Route) -> Option<Destination> {
        if let Some(c) = r.destination_cidr_block().filter(|s| !s.is_empty()) {
            return Some(Destination::Ipv4(c.to_string()));
        }
        if let Some(c) = r.destination_ipv6_cidr_block().filter(|s| !s.is_empty()) {
            return Some(Destination::Ipv6(c.to_string()));
        }
        r.destination_prefix_list_id()
            .filter(|s| !s.is_empty())
            .map(|p| Destination::PrefixList(p.to_string()))
    }

    /// The destination of a `route` block (`cidr_block`...) or an
    /// `aws_route` (`destination_cidr_block`...).
    pub fn of_value(v: &Value, names: [&str; 3]) -> Option<Destination> {
        if let Some(c) = non_empty(v, names[0]) {
            return Some(Destination::Ipv4(c.to_string()));
        }
        if let Some(c) = non_empty(v, names[1]) {
            return Some(Destination::Ipv6(c.to_string()));
        }
        non_empty(v, names[2]).map(|p| Destination::PrefixList(p.to_string()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            Destination::Ipv4(s) | Destination::Ipv6(s) | Destination::PrefixList(s) => s,
        }
    }

    /// True when `r` has this destination. IPv6 blocks compare in their
    /// canonical form (AWS lower-cases and compresses them).
    pub fn matches(&self, r: &Route) -> bool {
        match (self, Destination::of(r)) {
            (Destination::Ipv6(a), Some(Destination::Ipv6(b))) => same_ipv6(a, &b),
            (a, Some(b)) => *a == b,
            (_, None) => false,
        }
    }
}

fn same_ipv6(a: &str, b: &str) -> bool {
    let parse = |s: &str| {
        let (ip, len) = s.split_once('/')?;
        Some((ip.parse::<std::net::Ipv6Addr>().ok()?, len.to_string()))
    };
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.eq_ignore_ascii_case(b),
    }
}

/// True for routes a route table's `route` set leaves out: the local route,
/// routes propagated from a virtual private gateway, and the routes a VPC
/// gateway endpoint manages.
pub fn is_managed_elsewhere(r: &Route) -> bool {
    let gateway = r.gateway_id().unwrap_or_default();
    gateway == "local"
        || r.origin()
            .is_some_and(|o| o.as_str() == "EnableVgwRoutePropagation")
        || (gateway.starts_with("vpce-") && r.destination_prefix_list_id().is_some())
}

/// The targets of an SDK route, as `(attribute, value)` pairs with a value.
pub fn targets(r: &Route) -> BTreeMap<&'static str, String> {
    let gateway = r.gateway_id().unwrap_or_default();
    let (gateway_id, endpoint) = if gateway.starts_with("vpce-") {
        (None, Some(gateway))
    } else {
        (Some(gateway), None)
    };
    [
        ("carrier_gateway_id", r.carrier_gateway_id()),
        ("core_network_arn", r.core_network_arn()),
        (
            "egress_only_gateway_id",
            r.egress_only_internet_gateway_id(),
        ),
        ("gateway_id", gateway_id),
        ("local_gateway_id", r.local_gateway_id()),
        ("nat_gateway_id", r.nat_gateway_id()),
        ("network_interface_id", r.network_interface_id()),
        ("transit_gateway_id", r.transit_gateway_id()),
        ("vpc_endpoint_id", endpoint),
        ("vpc_peering_connection_id", r.vpc_peering_connection_id()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.filter(|s| !s.is_empty()).map(|s| (k, s.to_string())))
    .collect()
}

/// A route of a route table as an element of its `route` set.
pub fn table_route_value(r: &Route) -> Option<Value> {
    if is_managed_elsewhere(r) {
        return None;
    }
    let dest = Destination::of(r)?;
    let mut m: BTreeMap<String, Value> = TABLE_DESTINATIONS
        .iter()
        .chain(TARGETS.iter())
        .map(|k| (k.to_string(), Value::Null))
        .collect();
    let key = match dest {
        Destination::Ipv4(_) => "cidr_block",
        Destination::Ipv6(_) => "ipv6_cidr_block",
        Destination::PrefixList(_) => "destination_prefix_list_id",
    };
    m.insert(key.to_string(), Value::from(dest.as_str()));
    let targets = targets(r);
    // An instance route names both the instance and its interface; the
    // block has only the interface.
    for (k, v) in targets {
        m.insert(k.to_string(), Value::from(v));
    }
    Some(Value::Object(m))
}

/// Sets the destination and targets of a CreateRoute or ReplaceRoute call
/// from a value (`names` are its destination attributes).
macro_rules! route_call {
    ($call:expr, $dest:expr, $v:expr) => {{
        let v = $v;
        let opt = |n: &str| $crate::attrs::non_empty(v, n).map(str::to_string);
        let call = match $dest {
            $crate::network::routes::Destination::Ipv4(c) => {
                $call.destination_cidr_block(c.clone())
            }
            $crate::network::routes::Destination::Ipv6(c) => {
                $call.destination_ipv6_cidr_block(c.clone())
            }
            $crate::network::routes::Destination::PrefixList(p) => {
                $call.destination_prefix_list_id(p.clone())
            }
        };
        call.set_carrier_gateway_id(opt("carrier_gateway_id"))
            .set_core_network_arn(opt("core_network_arn"))
            .set_egress_only_internet_gateway_id(opt("egress_only_gateway_id"))
            .set_gateway_id(opt("gateway_id"))
            .set_local_gateway_id(opt("local_gateway_id"))
            .set_nat_gateway_id(opt("nat_gateway_id"))
            .set_network_interface_id(opt("network_interface_id"))
            .set_transit_gateway_id(opt("transit_gateway_id"))
            .set_vpc_endpoint_id(opt("vpc_endpoint_id"))
            .set_vpc_peering_connection_id(opt("vpc_peering_connection_id"))
    }};
}
pub(crate) use route_call;

/// CRC-32 (IEEE) of a string, as hashicorp/aws's `StringHashcode`.
pub fn hashcode(s: &str) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in s.bytes() {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// The id hashicorp/aws gives an `aws_route`: `r-` + table id + hash of
/// the destination.
pub fn route_id(table: &str, dest: &Destination) -> String {
    format!("r-{table}{}", hashcode(dest.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_ieee_check_value() {
        assert_eq!(hashcode("123456789"), 0xCBF4_3926);
        assert_eq!(hashcode(""), 0);
    }

    #[test]
    fn route_ids_as_hashicorp() {
        // r-<table><crc32 of the destination>, in decimal.
        let id = route_id("rtb-1", &Destination::Ipv4("0.0.0.0/0".into()));
        assert_eq!(id, format!("r-rtb-1{}", hashcode("0.0.0.0/0")));
    }

    #[test]
    fn ipv6_destinations_compare_canonically() {
        let r = Route::builder()
            .destination_ipv6_cidr_block("2600:1f18::/56")
            .build();
        assert!(Destination::Ipv6("2600:1F18:0::/56".into()).matches(&r));
        assert!(!Destination::Ipv6("2600:1f19::/56".into()).matches(&r));
    }
}
