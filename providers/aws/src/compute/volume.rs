//! `aws_ebs_volume`: an EBS volume. Size, type, IOPS, throughput and
//! multi-attach change in place (ModifyVolume); the zone, encryption, KMS
//! key, snapshot and Outpost force a replacement. A refresh is one
//! paginated DescribeVolumes call per 200 volumes, filtered by id.

use super::account_id;
use crate::attrs::{bool_attr, changed, int_attr, non_empty};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{Ctx, Planning, Resource, ID_CHUNK};
use crate::tags;
use crate::timeouts::{minutes, Timeouts};
use crate::wait::{self, Poll};
use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType, Volume, VolumeType};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Type, Value};
use std::collections::{BTreeMap, HashMap};

/// The resource type.
pub struct EbsVolume;

const TIMEOUTS: Timeouts = Timeouts {
    create: Some(minutes(5)),
    read: None,
    update: Some(minutes(5)),
    delete: Some(minutes(5)),
};

/// Describes volumes by id: one paginated call per 200 ids.
pub async fn describe<S: AsRef<str>>(
    cx: &Ctx<'_>,
    ids: &[S],
) -> Result<HashMap<String, Volume>, Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let mut pages = cx
            .ec2()
            .describe_volumes()
            .filters(filters::ids("volume-id", chunk))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for v in page.map_err(api("DescribeVolumes"))?.volumes() {
                if let Some(id) = v.volume_id() {
                    out.insert(id.to_string(), v.clone());
                }
            }
        }
    }
    Ok(out)
}

fn state_from(cx: &Ctx<'_>, v: &Volume, prior: &Value) -> Value {
    let id = v.volume_id().unwrap_or_default();
    let mut m = BTreeMap::new();
    m.insert(
        "arn".to_string(),
        Value::string(cx.arn(account_id(cx), &format!("volume/{id}"))),
    );
    m.insert(
        "availability_zone".to_string(),
        Value::string(v.availability_zone().unwrap_or_default()),
    );
    m.insert(
        "create_time".to_string(),
        v.create_time().map_or(Value::Null, |t| {
            Value::string(
                t.fmt(aws_sdk_ec2::primitives::DateTimeFormat::DateTime)
                    .unwrap_or_default(),
            )
        }),
    );
    m.insert(
        "encrypted".to_string(),
        Value::Bool(v.encrypted().unwrap_or(false)),
    );
    m.insert(
        "final_snapshot".to_string(),
        Value::Bool(bool_attr(prior, "final_snapshot").unwrap_or(false)),
    );
    m.insert("id".to_string(), Value::string(id));
    m.insert(
        "iops".to_string(),
        Value::int(i64::from(v.iops().unwrap_or(0))),
    );
    m.insert(
        "kms_key_id".to_string(),
        Value::string(v.kms_key_id().unwrap_or_default()),
    );
    m.insert(
        "multi_attach_enabled".to_string(),
        Value::Bool(v.multi_attach_enabled().unwrap_or(false)),
    );
    m.insert(
        "outpost_arn".to_string(),
        Value::string(v.outpost_arn().unwrap_or_default()),
    );
    m.insert(
        "size".to_string(),
        Value::int(i64::from(v.size().unwrap_or(0))),
    );
    m.insert(
        "snapshot_id".to_string(),
        Value::string(v.snapshot_id().unwrap_or_default()),
    );
    m.insert(
        "throughput".to_string(),
        Value::int(i64::from(v.throughput().unwrap_or(0))),
    );
    m.insert(
        "type".to_string(),
        Value::string(v.volume_type().map(|t| t.as_str()).unwrap_or_default()),
    );
    // Optional-only arguments AWS reports as false/"" stay null when unset.
    for name in ["multi_attach_enabled", "outpost_arn"] {
        let unset = prior.get_attr(name).is_none_or(Value::is_null);
        let empty = matches!(m.get(name), Some(Value::Bool(false)))
            || m.get(name).and_then(Value::as_str) == Some("");
        if unset && empty {
            m.insert(name.to_string(), Value::Null);
        }
    }
    tags::set_state(cx.tags(), v.tags(), prior, &mut m);
    Value::Object(m)
}

/// True for volume types whose IOPS can be set.
fn takes_iops(t: &str) -> bool {
    matches!(t, "io1" | "io2" | "gp3")
}

async fn wait_state(cx: &Ctx<'_>, id: &str, want: &'static str) -> Result<(), Error> {
    wait::until(cx.target(format!("EBS volume {id}"), want), || async {
        let found = describe(cx, &[id]).await?;
        let state = found
            .get(id)
            .and_then(|v| v.state().map(|s| s.as_str().to_string()));
        Ok(match state.as_deref() {
            Some(s) if s == want => Poll::Done(()),
            None if want == "deleted" => Poll::Done(()),
            Some("error") => {
                return Err(Error::Api {
                    operation: "DescribeVolumes",
                    code: "VolumeError".to_string(),
                    message: format!("volume {id} is in state error"),
                })
            }
            Some(s) => Poll::Pending(s.to_string()),
            None => Poll::Pending("not found".to_string()),
        })
    })
    .await
}

fn i32_attr(v: &Value, name: &str) -> Option<i32> {
    int_attr(v, name).and_then(|n| i32::try_from(n).ok())
}

#[async_trait]
impl Resource for EbsVolume {
    fn type_name(&self) -> &'static str {
        "aws_ebs_volume"
    }

    /// As hashicorp/aws 5.100 declares it.
    fn schema(&self) -> Schema {
        let s = || Attribute::optional_computed(Type::String);
        let n = || Attribute::optional_computed(Type::Number);
        let block = Block::new()
            .attr("arn", Attribute::computed(Type::String))
            .attr(
                "availability_zone",
                Attribute::required(Type::String).force_new(),
            )
            .attr("create_time", Attribute::computed(Type::String))
            .attr(
                "encrypted",
                Attribute::optional_computed(Type::Bool).force_new(),
            )
            .attr(
                "final_snapshot",
                Attribute::optional(Type::Bool).with_default(Value::Bool(false)),
            )
            .attr("id", Attribute::computed(Type::String))
            .attr("iops", n())
            .attr("kms_key_id", s().force_new())
            .attr("multi_attach_enabled", Attribute::optional(Type::Bool))
            .attr("outpost_arn", Attribute::optional(Type::String).force_new())
            .attr("size", n())
            .attr("snapshot_id", s().force_new())
            .attr("throughput", n())
            .attr("type", s());
        Schema::new(tags::with_tags(block))
    }

    fn timeouts(&self) -> Option<Timeouts> {
        Some(TIMEOUTS)
    }

    fn validate(&self, config: &Value) -> Vec<gitform_value::Diagnostic> {
        let size = config.get_attr("size").is_some_and(|v| !v.is_null());
        let snap = config.get_attr("snapshot_id").is_some_and(|v| !v.is_null());
        if !size && !snap {
            return vec![gitform_value::Diagnostic::error(
                "Missing required argument",
                "\"size\": one of `size,snapshot_id` must be specified.",
            )];
        }
        Vec::new()
    }

    /// A new type with its own IOPS/throughput defaults recomputes them.
    fn plan(&self, p: &mut Planning<'_>) {
        if p.changes("type") {
            for name in ["iops", "throughput"] {
                if p.config.get_attr(name).is_none_or(Value::is_null) {
                    p.set_unknown(name);
                }
            }
        }
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let vtype = non_empty(planned, "type");
        let takes = vtype.is_some_and(takes_iops);
        let resp = cx
            .ec2()
            .create_volume()
            .availability_zone(crate::attrs::required_str(planned, "availability_zone")?)
            .set_size(i32_attr(planned, "size"))
            .set_volume_type(vtype.map(VolumeType::from))
            .set_iops(i32_attr(planned, "iops").filter(|_| takes))
            .set_throughput(i32_attr(planned, "throughput").filter(|_| vtype == Some("gp3")))
            .set_encrypted(bool_attr(planned, "encrypted"))
            .set_kms_key_id(non_empty(planned, "kms_key_id").map(str::to_string))
            .set_snapshot_id(non_empty(planned, "snapshot_id").map(str::to_string))
            .set_multi_attach_enabled(bool_attr(planned, "multi_attach_enabled"))
            .set_outpost_arn(non_empty(planned, "outpost_arn").map(str::to_string))
            .set_tag_specifications(
                tags::specification(ResourceType::Volume, planned).map(|t| vec![t]),
            )
            .send()
            .await
            .map_err(api("CreateVolume"))?;
        let id = resp
            .volume_id()
            .ok_or_else(|| Error::NotFound {
                what: "the id of the new volume".to_string(),
            })?
            .to_string();
        wait_state(cx, &id, "available")
            .await
            .map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        let ids = crate::resource::ids(priors);
        let found = describe(cx, &ids).await?;
        Ok(priors
            .iter()
            .map(|prior| {
                let v = found.get(non_empty(prior, "id")?)?;
                (v.state().map(|s| s.as_str()) != Some("deleted")).then(|| state_from(cx, v, prior))
            })
            .collect())
    }

    /// ModifyVolume for size, type, IOPS, throughput and multi-attach, then
    /// waits until the volume reports the new values.
    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        let id = crate::attrs::id(prior)?.to_string();
        let fields = ["size", "type", "iops", "throughput", "multi_attach_enabled"];
        if fields.iter().any(|f| changed(prior, planned, f)) {
            let vtype = non_empty(planned, "type");
            let takes = vtype.is_some_and(takes_iops);
            let pick = |f: &str| changed(prior, planned, f);
            cx.ec2()
                .modify_volume()
                .volume_id(&id)
                .set_size(i32_attr(planned, "size").filter(|_| pick("size")))
                .set_volume_type(vtype.filter(|_| pick("type")).map(VolumeType::from))
                .set_iops(
                    i32_attr(planned, "iops").filter(|_| takes && (pick("iops") || pick("type"))),
                )
                .set_throughput(
                    i32_attr(planned, "throughput")
                        .filter(|_| vtype == Some("gp3") && (pick("throughput") || pick("type"))),
                )
                .set_multi_attach_enabled(
                    bool_attr(planned, "multi_attach_enabled")
                        .filter(|_| pick("multi_attach_enabled")),
                )
                .send()
                .await
                .map_err(api("ModifyVolume"))?;
            let want_size = i32_attr(planned, "size");
            let want_type = vtype.map(str::to_string);
            wait::until(
                cx.target(format!("EBS volume {id}"), "modified"),
                || async {
                    let found = describe(cx, &[id.as_str()]).await?;
                    let Some(v) = found.get(&id) else {
                        return Err(Error::NotFound {
                            what: format!("EBS volume {id}"),
                        });
                    };
                    let size_ok = want_size.is_none_or(|s| v.size() == Some(s));
                    let type_ok = want_type
                        .as_deref()
                        .is_none_or(|t| v.volume_type().map(|x| x.as_str()) == Some(t));
                    Ok(if size_ok && type_ok {
                        Poll::Done(())
                    } else {
                        Poll::Pending(format!(
                            "size {:?}, type {:?}",
                            v.size(),
                            v.volume_type().map(|x| x.as_str().to_string())
                        ))
                    })
                },
            )
            .await?;
        }
        tags::update(cx.session, &id, prior, planned).await
    }

    /// Takes a final snapshot when asked and waits (delete timeout) until
    /// it is completed, as hashicorp/aws does; then deletes the volume and
    /// waits until it is gone.
    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let id = crate::attrs::id(prior)?.to_string();
        if bool_attr(prior, "final_snapshot") == Some(true) {
            let snap = cx
                .ec2()
                .create_snapshot()
                .volume_id(&id)
                .set_tag_specifications(
                    tags::specification(ResourceType::Snapshot, prior).map(|t| vec![t]),
                )
                .send()
                .await
                .map_err(api("CreateSnapshot"))?;
            let snap_id = snap.snapshot_id().unwrap_or_default().to_string();
            wait_snapshot_completed(cx, &snap_id).await?;
        }
        match cx
            .ec2()
            .delete_volume()
            .volume_id(&id)
            .send()
            .await
            .map_err(api("DeleteVolume"))
        {
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        wait_state(cx, &id, "deleted").await
    }
}

/// Waits until a snapshot is `completed`; `error` fails the wait.
async fn wait_snapshot_completed(cx: &Ctx<'_>, snap_id: &str) -> Result<(), Error> {
    let target = cx.target(format!("EBS snapshot {snap_id}"), "completed");
    wait::until(target, || async {
        let resp = cx
            .ec2()
            .describe_snapshots()
            .filters(filters::ids("snapshot-id", &[snap_id]))
            .send()
            .await
            .map_err(api("DescribeSnapshots"))?;
        let snap = resp
            .snapshots()
            .iter()
            .find(|s| s.snapshot_id() == Some(snap_id));
        let state = snap.and_then(|s| s.state()).map(|s| s.as_str().to_string());
        Ok(match state.as_deref() {
            Some("completed") => Poll::Done(()),
            Some("error") => {
                return Err(Error::Api {
                    operation: "DescribeSnapshots",
                    code: "SnapshotError".to_string(),
                    message: format!(
                        "final snapshot {snap_id} failed: {}",
                        snap.and_then(|s| s.state_message())
                            .unwrap_or("no reason given")
                    ),
                })
            }
            Some(s) => Poll::Pending(s.to_string()),
            None => Poll::Pending("not found".to_string()),
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iops_types() {
        assert!(takes_iops("gp3") && takes_iops("io2"));
        assert!(!takes_iops("gp2") && !takes_iops("standard"));
    }
}
