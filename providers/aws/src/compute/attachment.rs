//! `aws_volume_attachment`: an EBS volume attached to an instance. Every
//! argument that names the attachment forces a replacement; the import id
//! is `DEVICE_NAME:VOLUME_ID:INSTANCE_ID`. A refresh reads the volumes of
//! the batch with one paginated DescribeVolumes call per 200 volumes.

use super::volume;
use crate::attrs::{bool_attr, required_str, set_attr, str_attr};
use crate::error::{api, Error};
use crate::resource::{full_schema, Ctx, Resource};
use crate::security::rules::crc32;
use crate::timeouts::{minutes, Timeouts};
use crate::wait::{self, Poll};
use async_trait::async_trait;
use aws_sdk_ec2::types::Volume;
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Type, Value};

/// The resource type.
pub struct VolumeAttachment;

const TIMEOUTS: Timeouts = Timeouts {
    create: Some(minutes(5)),
    read: None,
    update: None,
    delete: Some(minutes(5)),
};

/// hashicorp/aws's id of an attachment: `vai-` and a CRC-32 of its parts.
pub fn attachment_id(device: &str, instance: &str, volume: &str) -> String {
    format!(
        "vai-{}",
        crc32(format!("{device}-{instance}-{volume}-").as_bytes())
    )
}

/// The state of the attachment (`attaching`, `attached`...) on a volume.
fn attachment_state(v: &Volume, device: &str, instance: &str) -> Option<String> {
    v.attachments()
        .iter()
        .find(|a| a.device() == Some(device) && a.instance_id() == Some(instance))
        .map(|a| {
            a.state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default()
        })
}

struct Parts<'a> {
    device: &'a str,
    instance: &'a str,
    volume: &'a str,
}

fn parts(v: &Value) -> Result<Parts<'_>, Error> {
    Ok(Parts {
        device: required_str(v, "device_name")?,
        instance: required_str(v, "instance_id")?,
        volume: required_str(v, "volume_id")?,
    })
}

async fn wait_for(cx: &Ctx<'_>, p: &Parts<'_>, want: &'static str) -> Result<(), Error> {
    wait::until(
        cx.target(
            format!("attachment of {} to {}", p.volume, p.instance),
            want,
        ),
        || async {
            let found = volume::describe(cx, &[p.volume]).await?;
            let state = found
                .get(p.volume)
                .and_then(|v| attachment_state(v, p.device, p.instance));
            Ok(match (state.as_deref(), want) {
                (Some("attached"), "attached") | (None, "detached") => Poll::Done(()),
                (Some(s), _) => Poll::Pending(s.to_string()),
                (None, _) => Poll::Pending("not attached".to_string()),
            })
        },
    )
    .await
}

#[async_trait]
impl Resource for VolumeAttachment {
    fn type_name(&self) -> &'static str {
        "aws_volume_attachment"
    }

    /// As hashicorp/aws 5.100 declares it.
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new()
                .attr("device_name", Attribute::required(Type::String).force_new())
                .attr("force_detach", Attribute::optional(Type::Bool))
                .attr("id", Attribute::computed(Type::String))
                .attr("instance_id", Attribute::required(Type::String).force_new())
                .attr("skip_destroy", Attribute::optional(Type::Bool))
                .attr(
                    "stop_instance_before_detaching",
                    Attribute::optional(Type::Bool),
                )
                .attr("volume_id", Attribute::required(Type::String).force_new()),
        )
    }

    fn timeouts(&self) -> Option<Timeouts> {
        Some(TIMEOUTS)
    }

    /// Attaches (unless the volume is already attached there, as after an
    /// interrupted apply) and waits for `attached`.
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let p = parts(planned)?;
        let id = attachment_id(p.device, p.instance, p.volume);
        let found = volume::describe(cx, &[p.volume]).await?;
        let Some(v) = found.get(p.volume) else {
            return Err(Error::NotFound {
                what: format!("EBS volume {}", p.volume),
            });
        };
        if attachment_state(v, p.device, p.instance).is_none() {
            cx.ec2()
                .attach_volume()
                .device(p.device)
                .instance_id(p.instance)
                .volume_id(p.volume)
                .send()
                .await
                .map_err(api("AttachVolume"))?;
        }
        wait_for(cx, &p, "attached")
            .await
            .map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        let mut ids: Vec<&str> = priors
            .iter()
            .filter_map(|p| str_attr(p, "volume_id"))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let found = volume::describe(cx, &ids).await?;
        Ok(priors
            .iter()
            .map(|prior| {
                let p = parts(prior).ok()?;
                let state = attachment_state(found.get(p.volume)?, p.device, p.instance)?;
                if state == "detached" {
                    return None;
                }
                let mut s = prior.clone();
                set_attr(
                    &mut s,
                    "id",
                    Value::string(attachment_id(p.device, p.instance, p.volume)),
                );
                Some(s)
            })
            .collect())
    }

    /// `force_detach`, `skip_destroy` and `stop_instance_before_detaching`
    /// only matter at destroy time: nothing to call.
    async fn update(&self, _cx: &Ctx<'_>, _prior: &Value, _planned: &Value) -> Result<(), Error> {
        Ok(())
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        if bool_attr(prior, "skip_destroy") == Some(true) {
            return Ok(());
        }
        let p = parts(prior)?;
        if bool_attr(prior, "stop_instance_before_detaching") == Some(true) {
            super::instance::stop(cx, p.instance).await?;
        }
        let detached = cx
            .ec2()
            .detach_volume()
            .device(p.device)
            .instance_id(p.instance)
            .volume_id(p.volume)
            .set_force(bool_attr(prior, "force_detach"))
            .send()
            .await
            .map_err(api("DetachVolume"));
        match detached {
            Err(e) if e.is_not_found() || e.code() == Some("IncorrectState") => return Ok(()),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        wait_for(cx, &p, "detached").await
    }

    /// `DEVICE_NAME:VOLUME_ID:INSTANCE_ID`.
    async fn import(&self, _cx: &Ctx<'_>, id: &str) -> Result<Value, Error> {
        let parts: Vec<&str> = id.split(':').collect();
        let [device, volume, instance] = parts.as_slice() else {
            return Err(Error::invalid(
                "",
                "Invalid import id",
                format!(
                    "wrong format of import ID ({id}), use: 'DEVICE_NAME:VOLUME_ID:INSTANCE_ID'"
                ),
            ));
        };
        let mut v = full_schema(self).block.null_object();
        for (k, x) in [
            ("device_name", *device),
            ("volume_id", *volume),
            ("instance_id", *instance),
        ] {
            set_attr(&mut v, k, Value::string(x));
        }
        set_attr(
            &mut v,
            "id",
            Value::string(attachment_id(device, instance, volume)),
        );
        Ok(v)
    }
}
