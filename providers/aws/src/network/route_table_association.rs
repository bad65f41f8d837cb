//! `aws_route_table_association`: a subnet or gateway associated with a
//! route table. Moving it to another table is ReplaceRouteTableAssociation,
//! in place (the association gets a new id). Import id:
//! `subnet-xxx/rtb-yyy` or `igw-xxx/rtb-yyy`, as hashicorp/aws.

use super::routes;
use crate::attrs::{self, id, non_empty, opt_str};
use crate::error::{api, Error};
use crate::resource::{ids, Ctx, Planning, Resource, Sharing};
use crate::timeouts::{minutes, Timeouts};
use crate::wait::{self, Poll};
use async_trait::async_trait;
use aws_sdk_ec2::types::{RouteTable as SdkTable, RouteTableAssociation as SdkAssociation};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Diagnostic, Type, Value};
use std::collections::{BTreeMap, HashMap};

/// `aws_route_table_association`.
pub struct RouteTableAssociation;

fn is_live(a: &SdkAssociation) -> bool {
    a.association_state()
        .and_then(|s| s.state())
        .is_none_or(|s| !matches!(s.as_str(), "disassociated" | "failed"))
}

/// Associations by id, each with its route table id: one paginated call per
/// chunk of ids.
async fn describe(cx: &Ctx<'_>, ids: &[String]) -> Result<HashMap<String, SdkAssociation>, Error> {
    let tables = routes::describe_tables(cx, "association.route-table-association-id", ids).await?;
    Ok(live_associations(&tables))
}

/// The live associations of `tables`, by id.
fn live_associations(tables: &[SdkTable]) -> HashMap<String, SdkAssociation> {
    tables
        .iter()
        .flat_map(|t| t.associations().iter())
        .filter(|a| is_live(a))
        .filter_map(|a| Some((a.route_table_association_id()?.to_string(), a.clone())))
        .collect()
}

fn state(a: &SdkAssociation) -> Value {
    let mut m = BTreeMap::new();
    m.insert("id".to_string(), opt_str(a.route_table_association_id()));
    m.insert("route_table_id".into(), opt_str(a.route_table_id()));
    m.insert("subnet_id".into(), opt_str(a.subnet_id()));
    m.insert("gateway_id".into(), opt_str(a.gateway_id()));
    Value::Object(m)
}

async fn wait_associated(cx: &Ctx<'_>, assoc: &str) -> Result<(), Error> {
    wait::until(
        cx.target(format!("route table association {assoc}"), "associated"),
        || async {
            let found = describe(cx, &[assoc.to_string()]).await?;
            Ok(match found.get(assoc) {
                Some(a) => match a
                    .association_state()
                    .and_then(|s| s.state())
                    .map(|s| s.as_str())
                {
                    None | Some("associated") => Poll::Done(()),
                    Some(other) => Poll::Pending(other.to_string()),
                },
                None => Poll::Pending("not found yet".into()),
            })
        },
    )
    .await
}

/// The live association of `target` (a subnet or gateway id) with `table`.
async fn existing(cx: &Ctx<'_>, table: &str, target: &str) -> Result<Option<String>, Error> {
    let tables = routes::describe_tables(cx, "route-table-id", &[table.to_string()]).await?;
    Ok(tables
        .iter()
        .flat_map(|t| t.associations().iter())
        .find(|a| is_live(a) && (a.subnet_id() == Some(target) || a.gateway_id() == Some(target)))
        .and_then(|a| a.route_table_association_id())
        .map(str::to_string))
}

async fn replace(cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Option<String>, Error> {
    if !attrs::changed(prior, planned, "route_table_id") {
        return Ok(None);
    }
    let out = cx
        .ec2()
        .replace_route_table_association()
        .association_id(id(prior)?)
        .route_table_id(attrs::required_str(planned, "route_table_id")?)
        .send()
        .await
        .map_err(api("ReplaceRouteTableAssociation"))?;
    let new_id = out.new_association_id().ok_or_else(|| Error::NotFound {
        what: "the new association id in the ReplaceRouteTableAssociation answer".into(),
    })?;
    wait_associated(cx, new_id).await?;
    Ok(Some(new_id.to_string()))
}

#[async_trait]
impl Resource for RouteTableAssociation {
    fn type_name(&self) -> &'static str {
        "aws_route_table_association"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new()
                .attr("id", Attribute::computed(Type::String))
                .attr("route_table_id", Attribute::required(Type::String))
                .attr("subnet_id", Attribute::optional(Type::String).force_new())
                .attr("gateway_id", Attribute::optional(Type::String).force_new()),
        )
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
        let set = |n: &str| config.get_attr(n).is_some_and(|v| !v.is_null());
        if set("subnet_id") == set("gateway_id") {
            vec![Diagnostic::error(
                "Invalid combination of arguments",
                "\"subnet_id\": one of `gateway_id,subnet_id` must be specified, and only one.",
            )]
        } else {
            Vec::new()
        }
    }

    fn plan(&self, plan: &mut Planning<'_>) {
        // Moving to another table makes a new association id.
        if plan.changes("route_table_id") {
            plan.set_unknown("id");
        }
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let table = attrs::required_str(planned, "route_table_id")?;
        let subnet = non_empty(planned, "subnet_id");
        let gateway = non_empty(planned, "gateway_id");
        let out = wait::retry_on_codes(
            cx.target(format!("association with {table}"), "created"),
            &[
                "InvalidRouteTableID.NotFound",
                "InvalidSubnetID.NotFound",
                "InvalidGatewayID.NotFound",
            ],
            || async {
                cx.ec2()
                    .associate_route_table()
                    .route_table_id(table)
                    .set_subnet_id(subnet.map(Into::into))
                    .set_gateway_id(gateway.map(Into::into))
                    .send()
                    .await
                    .map_err(api("AssociateRouteTable"))
            },
        )
        .await;
        let mut ready = false;
        let assoc = match out {
            Ok(out) => {
                ready = out
                    .association_state()
                    .and_then(|s| s.state())
                    .is_some_and(|s| s.as_str() == "associated");
                out.association_id()
                    .ok_or_else(|| Error::NotFound {
                        what: "the association id in the AssociateRouteTable answer".into(),
                    })?
                    .to_string()
            }
            // A retry of our own call whose first answer was lost: the
            // association exists; find it.
            Err(e) if e.code() == Some("Resource.AlreadyAssociated") => {
                existing(cx, table, subnet.or(gateway).unwrap_or_default())
                    .await?
                    .ok_or(e)?
            }
            Err(e) => return Err(e),
        };
        if !ready {
            wait_associated(cx, &assoc)
                .await
                .map_err(|e| e.after_create(&assoc))?;
        }
        Ok(assoc)
    }

    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        // Read through the tables the associations were made with: one
        // call for every association of a table (and the same call the
        // table's own refresh makes). An association not found there (moved
        // to another table, gone, or made after a shared call in flight
        // started) is looked for by its id, so sharing is always safe here:
        // an association id never changes its subnet or table.
        let tables: Vec<String> = priors
            .iter()
            .filter_map(|p| non_empty(p, "route_table_id"))
            .map(str::to_string)
            .collect();
        let mut found: HashMap<String, SdkAssociation> = if tables.is_empty() {
            HashMap::new()
        } else {
            live_associations(&routes::describe_tables_by_id(cx, &tables, Sharing::InFlight).await?)
        };
        let missing: Vec<String> = ids(priors)
            .into_iter()
            .filter(|id| !found.contains_key(id))
            .collect();
        if !missing.is_empty() {
            found.extend(describe(cx, &missing).await?);
        }
        Ok(crate::resource::by_id(priors, &found, |a, _| state(a)))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        replace(cx, prior, planned).await.map(|_| ())
    }

    async fn update_with_new_id(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Option<String>, Error> {
        replace(cx, prior, planned).await
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let assoc = id(prior)?;
        cx.ec2()
            .disassociate_route_table()
            .association_id(assoc)
            .send()
            .await
            .map_err(api("DisassociateRouteTable"))?;
        wait::until(
            cx.target(format!("route table association {assoc}"), "disassociated"),
            || async {
                Ok(
                    match describe(cx, &[assoc.to_string()])
                        .await?
                        .contains_key(assoc)
                    {
                        false => Poll::Done(()),
                        true => Poll::Pending("associated".into()),
                    },
                )
            },
        )
        .await
    }

    /// `subnet-xxx/rtb-yyy` or `igw-xxx/rtb-yyy`.
    async fn import(&self, cx: &Ctx<'_>, import_id: &str) -> Result<Value, Error> {
        let bad = || {
            Error::invalid(
                "",
                "Invalid import id",
                format!("\"{import_id}\" is not an aws_route_table_association import id: use SUBNETID/ROUTETABLEID (subnet-0123/rtb-4567) or GATEWAYID/ROUTETABLEID (igw-0123/rtb-4567)."),
            )
        };
        let (target, table) = import_id.split_once('/').ok_or_else(bad)?;
        if target.is_empty() || !table.starts_with("rtb-") {
            return Err(bad());
        }
        let tables = routes::describe_tables(cx, "route-table-id", &[table.to_string()]).await?;
        let assoc = tables
            .iter()
            .flat_map(|t| t.associations().iter())
            .find(|a| {
                is_live(a) && (a.subnet_id() == Some(target) || a.gateway_id() == Some(target))
            })
            .ok_or_else(|| Error::NotFound {
                what: format!("an association of {target} with route table {table}"),
            })?;
        Ok(state(assoc))
    }
}
