//! moto's model log, as `GET /moto-api/data.json` returns it: an
//! independent view for checking what the provider did.
//!
//! Careful: moto tracks every model object it ever constructed, and a
//! delete does not remove it from this log (only `/moto-api/reset` does).
//! So the dump answers "how many VPCs were ever created" (duplicates after
//! retries), not "what exists now": use [`crate::Ec2::live_tagged`] for
//! that.

use crate::wire::{self, Request};
use crate::Error;
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;

/// One dump of moto's model log. The EC2 part maps a model name (`"VPC"`,
/// `"Subnet"`, `"Instance"`, `"SecurityGroup"`, ...) to the records of
/// every object created since the last reset, in every account and region
/// (most records carry an `owner_id`), deleted ones included.
#[derive(Clone, Debug)]
pub struct Dump(pub Value);

/// A record found by [`Dump::tagged`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    /// moto's model name, e.g. `"Subnet"`.
    pub kind: String,
    /// The record's `id` (or `physical_resource_id`).
    pub id: String,
}

/// Fetches the dump from moto (not through a proxy: it is not EC2).
pub fn dump(moto: SocketAddr) -> Result<Dump, Error> {
    let resp = wire::send(
        moto,
        &Request::new("GET", "/moto-api/data.json", Vec::new()),
        Duration::from_secs(120),
    )
    .map_err(|e| Error::io("GET /moto-api/data.json", e))?;
    if resp.status != 200 {
        return Err(Error::Http {
            request: "GET /moto-api/data.json".into(),
            status: resp.status,
            body: resp.text(),
        });
    }
    serde_json::from_slice(&resp.body)
        .map(Dump)
        .map_err(|e| Error::Json(e.to_string()))
}

impl Dump {
    /// The EC2 records of one model (empty if moto has none).
    pub fn ec2(&self, kind: &str) -> &[Value] {
        self.0
            .get("ec2")
            .and_then(|ec2| ec2.get(kind))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The EC2 model names present in the dump.
    pub fn ec2_kinds(&self) -> Vec<String> {
        self.0
            .get("ec2")
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Every EC2 record, of any model, ever created with the tag `key` =
    /// `value` (deleted ones included), sorted by model and id. A record
    /// that was tagged after its creation shows the tags it has now.
    pub fn tagged(&self, key: &str, value: &str) -> Vec<Found> {
        let mut found = Vec::new();
        for kind in self.ec2_kinds() {
            for record in self.ec2(&kind) {
                if tag(record, key).as_deref() == Some(value) {
                    found.push(Found {
                        kind: kind.clone(),
                        id: record_id(record),
                    });
                }
            }
        }
        found.sort();
        found.dedup();
        found
    }
}

/// A record's id: `id`, else `physical_resource_id`, else `""`.
pub fn record_id(record: &Value) -> String {
    ["id", "physical_resource_id"]
        .iter()
        .find_map(|k| record.get(*k).and_then(Value::as_str))
        .unwrap_or("")
        .to_string()
}

/// The value of a record's tag `key`, from `tag_set`/`tag_list` (lists of
/// `{key, value}`) or a `tags` object.
pub fn tag(record: &Value, key: &str) -> Option<String> {
    for field in ["tag_set", "tag_list", "tags"] {
        match record.get(field) {
            Some(Value::Array(items)) => {
                for item in items {
                    let k = item.get("key").or_else(|| item.get("Key"));
                    if k.and_then(Value::as_str) == Some(key) {
                        let v = item.get("value").or_else(|| item.get("Value"));
                        return v.and_then(Value::as_str).map(str::to_string);
                    }
                }
            }
            Some(Value::Object(map)) => {
                if let Some(v) = map.get(key).and_then(Value::as_str) {
                    return Some(v.to_string());
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tagged_records_of_every_model() {
        let d = Dump(json!({"ec2": {
            "VPC": [
                {"id": "vpc-1", "tag_set": [{"key": "Project", "value": "p1"}]},
                {"id": "vpc-2", "tag_set": [{"key": "Project", "value": "other"}]}
            ],
            "KeyPair": [{"physical_resource_id": "kp", "tags": {"Project": "p1"}}],
            "Subnet": [{"id": "subnet-1", "tag_list": [{"Key": "Project", "Value": "p1"}]}],
            "Ami": [{"id": "ami-1"}]
        }}));
        assert_eq!(
            d.tagged("Project", "p1"),
            [
                Found {
                    kind: "KeyPair".into(),
                    id: "kp".into()
                },
                Found {
                    kind: "Subnet".into(),
                    id: "subnet-1".into()
                },
                Found {
                    kind: "VPC".into(),
                    id: "vpc-1".into()
                },
            ]
        );
        assert_eq!(d.ec2("VPC").len(), 2);
        assert!(d.ec2("Nothing").is_empty());
        assert!(Dump(json!({})).tagged("Project", "p1").is_empty());
    }
}
