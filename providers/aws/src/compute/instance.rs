//! `aws_instance`: an EC2 instance.
//!
//! As hashicorp/aws: the AMI, subnet, key, private IP, placement and block
//! devices given at launch force a replacement; the instance type, user
//! data (unless `user_data_replace_on_change`) and EBS optimization change
//! in place with a stop, a modify and a start; security groups, source/dest
//! check, termination and stop protection, shutdown behaviour, monitoring,
//! metadata options, root volume size/type/IOPS/throughput and tags change
//! in place without a stop, and so do, with hashicorp/aws's calls:
//! `credit_specification` (ModifyInstanceCreditSpecification),
//! `maintenance_options` (ModifyInstanceMaintenanceOptions, then a wait for
//! DescribeInstances to show it), `private_dns_name_options`
//! (ModifyPrivateDnsNameOptions with the changed fields) and
//! `secondary_private_ips` (Unassign/AssignPrivateIpAddresses on the
//! primary interface). `user_data` is planned and recorded as its SHA-1,
//! as the real provider's StateFunc has it; the script itself is read from
//! the configuration ([`Ctx::config`]) for RunInstances and
//! ModifyInstanceAttribute. A refresh is one paginated DescribeInstances
//! call per 200 instances (pages are reservations) plus one DescribeVolumes
//! call per 200 of their volumes, for the configured block devices.

use super::volume;
use crate::attrs::{blocks, bool_attr, changed, int_attr, keep, non_empty, str_attr, strings};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{Ctx, Planning, Resource, ID_CHUNK};
use crate::tags;
use crate::timeouts::{minutes, Timeouts};
use crate::wait::{self, Poll};
use async_trait::async_trait;
use aws_sdk_ec2::types::{
    AmdSevSnpSpecification, AttributeBooleanValue, AttributeValue, BlockDeviceMapping,
    CpuOptionsRequest, CreditSpecificationRequest, EbsBlockDevice,
    EbsInstanceBlockDeviceSpecification, EnclaveOptionsRequest, HibernationOptionsRequest,
    HostnameType, HttpTokensState, IamInstanceProfileSpecification, Instance,
    InstanceAutoRecoveryState, InstanceBlockDeviceMappingSpecification,
    InstanceCreditSpecificationRequest, InstanceMaintenanceOptionsRequest,
    InstanceMetadataEndpointState, InstanceMetadataOptionsRequest, InstanceMetadataTagsState,
    InstanceNetworkInterfaceSpecification, InstanceType, LaunchTemplateSpecification, Placement,
    PrivateDnsNameOptionsRequest, PrivateIpAddressSpecification, ResourceType,
    RunInstancesMonitoringEnabled, SecureBlobAttributeValue, ShutdownBehavior, Tenancy, Volume,
    VolumeType,
};
use base64::Engine as _;
use gitform_provider::{Attribute, Block, NestedBlock, Schema};
use gitform_value::{Type, Value};
use sha1::{Digest, Sha1};
use std::collections::{BTreeMap, HashMap};

/// The resource type.
pub struct Ec2Instance;

/// The optional and computed block types of hashicorp/aws's
/// `aws_instance`: planned "(known after apply)" on create when the
/// configuration has none (`credit_specification` and `launch_template` are
/// optional only).
const EC2_FILLED_BLOCKS: [&str; 11] = [
    "capacity_reservation_specification",
    "cpu_options",
    "ebs_block_device",
    "enclave_options",
    "ephemeral_block_device",
    "instance_market_options",
    "maintenance_options",
    "metadata_options",
    "network_interface",
    "private_dns_name_options",
    "root_block_device",
];

/// Plans the [`EC2_FILLED_BLOCKS`] that the configuration leaves out as
/// unknown, for a new object (a create or a replacement): hashicorp/aws
/// does, and Terraform shows them "(known after apply)". The state records
/// such blocks only when configured, so the next plan has nothing to diff.
fn plan_filled_blocks(p: &mut Planning<'_>) {
    for name in EC2_FILLED_BLOCKS {
        if blocks(p.config, name).is_empty() {
            p.set_unknown(name);
        }
    }
}

const TIMEOUTS: Timeouts = Timeouts {
    create: Some(minutes(10)),
    read: Some(minutes(15)),
    update: Some(minutes(10)),
    delete: Some(minutes(20)),
};

/// The `user_data` recorded in state: the hex SHA-1 of the data (of the
/// decoded bytes when the value is base64), as hashicorp/aws records it.
pub fn user_data_hash(v: &str) -> String {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.trim())
        .unwrap_or_else(|_| v.as_bytes().to_vec());
    let digest = Sha1::digest(&bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// True for a value that already is a recorded hash.
fn is_hash(v: &str) -> bool {
    v.len() == 40 && v.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The user data of a configuration as RunInstances and
/// ModifyInstanceAttribute take it: base64. `user_data` is sent encoded
/// (unless it already is base64, which hashicorp/aws also accepts),
/// `user_data_base64` as it is.
fn user_data_b64(config: &Value) -> Option<String> {
    if let Some(b) = non_empty(config, "user_data_base64") {
        return Some(b.to_string());
    }
    let raw = non_empty(config, "user_data")?;
    let engine = base64::engine::general_purpose::STANDARD;
    Some(match engine.decode(raw) {
        Ok(_) => raw.to_string(),
        Err(_) => engine.encode(raw.as_bytes()),
    })
}

fn full_schema_block() -> Block {
    let s = || Attribute::optional_computed(Type::String);
    let n = || Attribute::optional_computed(Type::Number);
    let b = || Attribute::optional_computed(Type::Bool);
    let list1 = |blk: Block| NestedBlock::list(blk).max_items(1);
    let device_tags = |blk: Block| {
        blk.attr("tags", Attribute::optional(Type::map(Type::String)))
            .attr(
                "tags_all",
                Attribute::optional_computed(Type::map(Type::String)),
            )
    };
    let block = Block::new()
        .attr("ami", s().force_new())
        .attr("arn", Attribute::computed(Type::String))
        .attr("associate_public_ip_address", b().force_new())
        .attr("availability_zone", s().force_new())
        .attr(
            "cpu_core_count",
            n().force_new().deprecate("use cpu_options instead"),
        )
        .attr(
            "cpu_threads_per_core",
            n().force_new().deprecate("use cpu_options instead"),
        )
        .attr("disable_api_stop", b())
        .attr("disable_api_termination", b())
        .attr("ebs_optimized", b())
        .attr("enable_primary_ipv6", b().force_new())
        .attr(
            "get_password_data",
            Attribute::optional(Type::Bool).with_default(Value::Bool(false)),
        )
        .attr("hibernation", Attribute::optional(Type::Bool).force_new())
        .attr("host_id", s().force_new())
        .attr("host_resource_group_arn", s().force_new())
        .attr("iam_instance_profile", s())
        .attr("id", Attribute::computed(Type::String))
        .attr("instance_initiated_shutdown_behavior", s())
        .attr("instance_lifecycle", Attribute::computed(Type::String))
        .attr("instance_state", Attribute::computed(Type::String))
        .attr("instance_type", s())
        .attr("ipv6_address_count", n().force_new())
        .attr(
            "ipv6_addresses",
            Attribute::optional_computed(Type::list(Type::String)).force_new(),
        )
        .attr("key_name", s().force_new())
        .attr("monitoring", b())
        .attr("outpost_arn", Attribute::computed(Type::String))
        .attr("password_data", Attribute::computed(Type::String))
        .attr("placement_group", s().force_new())
        .attr("placement_partition_number", n().force_new())
        .attr(
            "primary_network_interface_id",
            Attribute::computed(Type::String),
        )
        .attr("private_dns", Attribute::computed(Type::String))
        .attr("private_ip", s().force_new())
        .attr("public_dns", Attribute::computed(Type::String))
        .attr("public_ip", Attribute::computed(Type::String))
        .attr(
            "secondary_private_ips",
            Attribute::optional_computed(Type::set(Type::String)),
        )
        .attr(
            "security_groups",
            Attribute::optional_computed(Type::set(Type::String)).force_new(),
        )
        .attr(
            "source_dest_check",
            Attribute::optional(Type::Bool).with_default(Value::Bool(true)),
        )
        .attr(
            "spot_instance_request_id",
            Attribute::computed(Type::String),
        )
        .attr("subnet_id", s().force_new())
        .attr("tenancy", s().force_new())
        .attr("user_data", s())
        .attr("user_data_base64", s())
        .attr(
            "user_data_replace_on_change",
            Attribute::optional(Type::Bool).with_default(Value::Bool(false)),
        )
        .attr("volume_tags", Attribute::optional(Type::map(Type::String)))
        .attr(
            "vpc_security_group_ids",
            Attribute::optional_computed(Type::set(Type::String)),
        )
        .block(
            "capacity_reservation_specification",
            list1(
                Block::new()
                    .attr(
                        "capacity_reservation_preference",
                        Attribute::optional(Type::String),
                    )
                    .block(
                        "capacity_reservation_target",
                        list1(
                            Block::new()
                                .attr("capacity_reservation_id", Attribute::optional(Type::String))
                                .attr(
                                    "capacity_reservation_resource_group_arn",
                                    Attribute::optional(Type::String),
                                ),
                        ),
                    ),
            ),
        )
        .block(
            "cpu_options",
            list1(
                Block::new()
                    .attr("amd_sev_snp", s().force_new())
                    .attr("core_count", n().force_new())
                    .attr("threads_per_core", n().force_new()),
            ),
        )
        .block(
            "credit_specification",
            list1(Block::new().attr("cpu_credits", Attribute::optional(Type::String))),
        )
        .block(
            "ebs_block_device",
            NestedBlock::set(device_tags(
                Block::new()
                    .attr(
                        "delete_on_termination",
                        Attribute::optional(Type::Bool)
                            .with_default(Value::Bool(true))
                            .force_new(),
                    )
                    .attr("device_name", Attribute::required(Type::String).force_new())
                    .attr("encrypted", b().force_new())
                    .attr("iops", n().force_new())
                    .attr("kms_key_id", s().force_new())
                    .attr("snapshot_id", s().force_new())
                    .attr("throughput", n().force_new())
                    .attr("volume_id", Attribute::computed(Type::String))
                    .attr("volume_size", n().force_new())
                    .attr("volume_type", s().force_new()),
            )),
        )
        .block(
            "enclave_options",
            list1(Block::new().attr("enabled", b().force_new())),
        )
        .block(
            "ephemeral_block_device",
            NestedBlock::set(
                Block::new()
                    .attr("device_name", Attribute::required(Type::String).force_new())
                    .attr("no_device", Attribute::optional(Type::Bool).force_new())
                    .attr(
                        "virtual_name",
                        Attribute::optional(Type::String).force_new(),
                    ),
            ),
        )
        .block(
            "instance_market_options",
            list1(
                Block::new().attr("market_type", s().force_new()).block(
                    "spot_options",
                    list1(
                        Block::new()
                            .attr("instance_interruption_behavior", s().force_new())
                            .attr("max_price", s().force_new())
                            .attr("spot_instance_type", s().force_new())
                            .attr("valid_until", s().force_new()),
                    ),
                ),
            ),
        )
        .block(
            "launch_template",
            list1(
                Block::new()
                    .attr("id", s().force_new())
                    .attr("name", s().force_new())
                    .attr("version", Attribute::optional(Type::String)),
            ),
        )
        .block(
            "maintenance_options",
            list1(Block::new().attr("auto_recovery", s())),
        )
        .block(
            "metadata_options",
            list1(
                Block::new()
                    .attr(
                        "http_endpoint",
                        Attribute::optional(Type::String).with_default(Value::string("enabled")),
                    )
                    .attr(
                        "http_protocol_ipv6",
                        Attribute::optional(Type::String).with_default(Value::string("disabled")),
                    )
                    .attr("http_put_response_hop_limit", n())
                    .attr("http_tokens", s())
                    .attr("instance_metadata_tags", s()),
            ),
        )
        .block(
            "network_interface",
            NestedBlock::set(
                Block::new()
                    .attr(
                        "delete_on_termination",
                        Attribute::optional(Type::Bool).force_new(),
                    )
                    .attr(
                        "device_index",
                        Attribute::required(Type::Number).force_new(),
                    )
                    .attr(
                        "network_card_index",
                        Attribute::optional(Type::Number).force_new(),
                    )
                    .attr(
                        "network_interface_id",
                        Attribute::required(Type::String).force_new(),
                    ),
            ),
        )
        .block(
            "private_dns_name_options",
            list1(
                Block::new()
                    .attr("enable_resource_name_dns_a_record", b())
                    .attr("enable_resource_name_dns_aaaa_record", b())
                    .attr("hostname_type", s()),
            ),
        )
        .block(
            "root_block_device",
            list1(device_tags(
                Block::new()
                    .attr(
                        "delete_on_termination",
                        Attribute::optional(Type::Bool).with_default(Value::Bool(true)),
                    )
                    .attr("device_name", Attribute::computed(Type::String))
                    .attr("encrypted", b().force_new())
                    .attr("iops", n())
                    .attr("kms_key_id", s().force_new())
                    .attr("throughput", n())
                    .attr("volume_id", Attribute::computed(Type::String))
                    .attr("volume_size", n())
                    .attr("volume_type", s()),
            )),
        );
    tags::with_tags(block)
}

/// Describes instances by id: one paginated call per 200 ids (pages are
/// reservations; the reservation's owner is the account).
async fn describe<S: AsRef<str>>(
    cx: &Ctx<'_>,
    ids: &[S],
) -> Result<HashMap<String, (Instance, String)>, Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let mut pages = cx
            .ec2()
            .describe_instances()
            .filters(filters::ids("instance-id", chunk))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for r in page.map_err(api("DescribeInstances"))?.reservations() {
                let owner = r.owner_id().unwrap_or_default();
                for i in r.instances() {
                    if let Some(id) = i.instance_id() {
                        out.insert(id.to_string(), (i.clone(), owner.to_string()));
                    }
                }
            }
        }
    }
    Ok(out)
}

fn state_name(i: &Instance) -> &str {
    i.state()
        .and_then(|s| s.name())
        .map(|n| n.as_str())
        .unwrap_or("")
}

fn opt_str(s: Option<&str>) -> Value {
    Value::string(s.unwrap_or_default())
}

/// A block device of the state, from the mapping and its volume.
fn device_value(
    device: &str,
    delete_on_termination: bool,
    vol: Option<&Volume>,
    prior: Option<&Value>,
    root: bool,
) -> Value {
    let n = |x: Option<i32>| Value::int(i64::from(x.unwrap_or(0)));
    let mut m = BTreeMap::new();
    m.insert(
        "delete_on_termination".to_string(),
        Value::Bool(delete_on_termination),
    );
    m.insert("device_name".to_string(), Value::string(device));
    m.insert(
        "encrypted".to_string(),
        Value::Bool(vol.and_then(Volume::encrypted).unwrap_or(false)),
    );
    m.insert("iops".to_string(), n(vol.and_then(Volume::iops)));
    m.insert(
        "kms_key_id".to_string(),
        opt_str(vol.and_then(Volume::kms_key_id)),
    );
    m.insert(
        "throughput".to_string(),
        n(vol.and_then(Volume::throughput)),
    );
    m.insert(
        "volume_id".to_string(),
        opt_str(vol.and_then(Volume::volume_id)),
    );
    m.insert("volume_size".to_string(), n(vol.and_then(Volume::size)));
    m.insert(
        "volume_type".to_string(),
        opt_str(vol.and_then(|v| v.volume_type()).map(|t| t.as_str())),
    );
    if !root {
        m.insert(
            "snapshot_id".to_string(),
            opt_str(vol.and_then(Volume::snapshot_id)),
        );
    }
    // Per-device tags are not managed: keep what configuration says.
    let keep_tags = |name: &str| prior.map_or(Value::Null, |p| keep(p, name));
    m.insert("tags".to_string(), keep_tags("tags"));
    let all = prior
        .and_then(|p| p.get_attr("tags"))
        .filter(|t| t.is_wholly_known() && !t.is_null())
        .cloned()
        .unwrap_or_else(|| Value::Map(BTreeMap::new()));
    m.insert("tags_all".to_string(), all);
    Value::Object(m)
}

/// The state of an instance as described. `volumes` holds the described
/// volumes of the batch; `prior` gives what DescribeInstances does not
/// return and whether the optional blocks are configured at all.
fn state_from(
    cx: &Ctx<'_>,
    i: &Instance,
    owner: &str,
    volumes: &HashMap<String, Volume>,
    prior: &Value,
) -> Value {
    let id = i.instance_id().unwrap_or_default();
    let mut m = BTreeMap::new();
    let primary = i
        .network_interfaces()
        .iter()
        .find(|n| n.attachment().and_then(|a| a.device_index()).unwrap_or(0) == 0);
    let public_ip = i.public_ip_address().unwrap_or_default();
    m.insert("ami".to_string(), opt_str(i.image_id()));
    m.insert(
        "arn".to_string(),
        Value::string(cx.arn(owner, &format!("instance/{id}"))),
    );
    m.insert(
        "associate_public_ip_address".to_string(),
        Value::Bool(!public_ip.is_empty()),
    );
    let placement = i.placement();
    m.insert(
        "availability_zone".to_string(),
        opt_str(placement.and_then(|p| p.availability_zone())),
    );
    let cpu = i.cpu_options();
    let cores = cpu.and_then(|c| c.core_count());
    let threads = cpu.and_then(|c| c.threads_per_core());
    m.insert(
        "cpu_core_count".to_string(),
        Value::int(i64::from(cores.unwrap_or(0))),
    );
    m.insert(
        "cpu_threads_per_core".to_string(),
        Value::int(i64::from(threads.unwrap_or(0))),
    );
    // Attributes only DescribeInstanceAttribute returns (one call per
    // instance): carried over from the prior state.
    for (name, default) in [
        ("disable_api_stop", Value::Bool(false)),
        ("disable_api_termination", Value::Bool(false)),
        (
            "instance_initiated_shutdown_behavior",
            Value::string("stop"),
        ),
    ] {
        let v = keep(prior, name);
        m.insert(name.to_string(), if v.is_null() { default } else { v });
    }
    m.insert(
        "ebs_optimized".to_string(),
        Value::Bool(i.ebs_optimized().unwrap_or(false)),
    );
    m.insert("enable_primary_ipv6".to_string(), Value::Bool(false));
    m.insert(
        "get_password_data".to_string(),
        keep(prior, "get_password_data"),
    );
    let hibernation = i.hibernation_options().and_then(|h| h.configured());
    m.insert(
        "hibernation".to_string(),
        match (hibernation, prior.get_attr("hibernation")) {
            (Some(true), _) => Value::Bool(true),
            (_, Some(p)) if p.is_null() => Value::Null,
            (h, _) => Value::Bool(h.unwrap_or(false)),
        },
    );
    m.insert(
        "host_id".to_string(),
        opt_str(placement.and_then(|p| p.host_id())),
    );
    m.insert(
        "host_resource_group_arn".to_string(),
        opt_str(placement.and_then(|p| p.host_resource_group_arn())),
    );
    let profile = i
        .iam_instance_profile()
        .and_then(|p| p.arn())
        .and_then(|a| a.rsplit('/').next())
        .unwrap_or_default();
    m.insert("iam_instance_profile".to_string(), Value::string(profile));
    m.insert("id".to_string(), Value::string(id));
    m.insert(
        "instance_lifecycle".to_string(),
        opt_str(i.instance_lifecycle().map(|l| l.as_str())),
    );
    m.insert("instance_state".to_string(), Value::string(state_name(i)));
    m.insert(
        "instance_type".to_string(),
        opt_str(i.instance_type().map(|t| t.as_str())),
    );
    let ipv6: Vec<Value> = primary
        .map(|n| {
            n.ipv6_addresses()
                .iter()
                .filter_map(|a| a.ipv6_address())
                .map(Value::string)
                .collect()
        })
        .unwrap_or_default();
    m.insert(
        "ipv6_address_count".to_string(),
        Value::int(ipv6.len() as i64),
    );
    m.insert("ipv6_addresses".to_string(), Value::List(ipv6));
    m.insert("key_name".to_string(), opt_str(i.key_name()));
    let monitoring = i
        .monitoring()
        .and_then(|mo| mo.state())
        .is_some_and(|s| matches!(s.as_str(), "enabled" | "pending"));
    m.insert("monitoring".to_string(), Value::Bool(monitoring));
    m.insert("outpost_arn".to_string(), opt_str(i.outpost_arn()));
    m.insert("password_data".to_string(), Value::string(""));
    m.insert(
        "placement_group".to_string(),
        opt_str(placement.and_then(|p| p.group_name())),
    );
    m.insert(
        "placement_partition_number".to_string(),
        Value::int(i64::from(
            placement.and_then(|p| p.partition_number()).unwrap_or(0),
        )),
    );
    m.insert(
        "primary_network_interface_id".to_string(),
        opt_str(primary.and_then(|n| n.network_interface_id())),
    );
    m.insert("private_dns".to_string(), opt_str(i.private_dns_name()));
    m.insert("private_ip".to_string(), opt_str(i.private_ip_address()));
    m.insert("public_dns".to_string(), opt_str(i.public_dns_name()));
    m.insert("public_ip".to_string(), Value::string(public_ip));
    let secondary: Vec<Value> = primary
        .map(|n| {
            n.private_ip_addresses()
                .iter()
                .filter(|a| a.primary() != Some(true))
                .filter_map(|a| a.private_ip_address())
                .map(Value::string)
                .collect()
        })
        .unwrap_or_default();
    m.insert("secondary_private_ips".to_string(), Value::set(secondary));
    let groups = i.security_groups();
    let by_name = prior
        .get_attr("security_groups")
        .and_then(Value::as_elements)
        .is_some_and(|e| !e.is_empty());
    let names: Vec<Value> = if by_name {
        groups
            .iter()
            .filter_map(|g| g.group_name())
            .map(Value::string)
            .collect()
    } else {
        Vec::new()
    };
    m.insert("security_groups".to_string(), Value::set(names));
    m.insert(
        "vpc_security_group_ids".to_string(),
        Value::set(
            groups
                .iter()
                .filter_map(|g| g.group_id())
                .map(Value::string)
                .collect(),
        ),
    );
    m.insert(
        "source_dest_check".to_string(),
        Value::Bool(i.source_dest_check().unwrap_or(true)),
    );
    m.insert(
        "spot_instance_request_id".to_string(),
        opt_str(i.spot_instance_request_id()),
    );
    m.insert("subnet_id".to_string(), opt_str(i.subnet_id()));
    m.insert(
        "tenancy".to_string(),
        opt_str(placement.and_then(|p| p.tenancy()).map(|t| t.as_str())),
    );
    // DescribeInstances does not return user data: the recorded hash stays.
    let user_data = match str_attr(prior, "user_data") {
        Some(u) if is_hash(u) || u.is_empty() => Value::string(u),
        Some(u) => Value::string(user_data_hash(u)),
        None => Value::Null,
    };
    m.insert("user_data".to_string(), user_data);
    for name in [
        "user_data_base64",
        "user_data_replace_on_change",
        "volume_tags",
    ] {
        m.insert(name.to_string(), keep(prior, name));
    }
    if m.get("user_data_replace_on_change")
        .is_none_or(Value::is_null)
    {
        m.insert(
            "user_data_replace_on_change".to_string(),
            Value::Bool(false),
        );
    }

    // Blocks: filled from AWS when configured (or recorded), empty when not,
    // so that an unconfigured optional block plans no change.
    let configured = |name: &str| !blocks(prior, name).is_empty();
    let root_name = i.root_device_name().unwrap_or_default();
    let mappings = i.block_device_mappings();
    let vol_of = |dev: &str| {
        mappings
            .iter()
            .find(|b| b.device_name() == Some(dev))
            .and_then(|b| b.ebs())
    };
    let root = if configured("root_block_device") {
        let ebs = vol_of(root_name);
        let vol = ebs.and_then(|e| e.volume_id()).and_then(|v| volumes.get(v));
        vec![device_value(
            root_name,
            ebs.and_then(|e| e.delete_on_termination()).unwrap_or(true),
            vol,
            blocks(prior, "root_block_device").first(),
            true,
        )]
    } else {
        Vec::new()
    };
    m.insert("root_block_device".to_string(), Value::List(root));
    let ebs_devices: Vec<Value> = blocks(prior, "ebs_block_device")
        .iter()
        .filter_map(|p| {
            let dev = str_attr(p, "device_name")?;
            let ebs = vol_of(dev)?;
            let vol = ebs.volume_id().and_then(|v| volumes.get(v));
            Some(device_value(
                dev,
                ebs.delete_on_termination().unwrap_or(true),
                vol,
                Some(p),
                false,
            ))
        })
        .collect();
    m.insert("ebs_block_device".to_string(), Value::set(ebs_devices));
    let metadata = match (configured("metadata_options"), i.metadata_options()) {
        (true, Some(o)) => vec![Value::object([
            (
                "http_endpoint",
                opt_str(o.http_endpoint().map(|x| x.as_str())),
            ),
            (
                "http_protocol_ipv6",
                opt_str(o.http_protocol_ipv6().map(|x| x.as_str())),
            ),
            (
                "http_put_response_hop_limit",
                Value::int(i64::from(o.http_put_response_hop_limit().unwrap_or(1))),
            ),
            ("http_tokens", opt_str(o.http_tokens().map(|x| x.as_str()))),
            (
                "instance_metadata_tags",
                opt_str(o.instance_metadata_tags().map(|x| x.as_str())),
            ),
        ])],
        _ => Vec::new(),
    };
    m.insert("metadata_options".to_string(), Value::List(metadata));
    let cpu_block = if configured("cpu_options") {
        vec![Value::object([
            (
                "amd_sev_snp",
                opt_str(cpu.and_then(|c| c.amd_sev_snp()).map(|x| x.as_str())),
            ),
            ("core_count", Value::int(i64::from(cores.unwrap_or(0)))),
            (
                "threads_per_core",
                Value::int(i64::from(threads.unwrap_or(0))),
            ),
        ])]
    } else {
        Vec::new()
    };
    m.insert("cpu_options".to_string(), Value::List(cpu_block));
    let enclave = if configured("enclave_options") {
        vec![Value::object([(
            "enabled",
            Value::Bool(
                i.enclave_options()
                    .and_then(|e| e.enabled())
                    .unwrap_or(false),
            ),
        )])]
    } else {
        Vec::new()
    };
    m.insert("enclave_options".to_string(), Value::List(enclave));
    // Not described by DescribeInstances, or launch-time only: as recorded.
    // (`credit_specification` is read by `read_details`.)
    for name in [
        "capacity_reservation_specification",
        "credit_specification",
        "ephemeral_block_device",
        "instance_market_options",
        "launch_template",
        "maintenance_options",
        "network_interface",
        "private_dns_name_options",
    ] {
        let v = match prior.get_attr(name) {
            Some(v) if v.is_wholly_known() => v.clone(),
            _ => Value::List(Vec::new()),
        };
        m.insert(name.to_string(), v);
    }
    // Described by DescribeInstances when EC2 reports them (moto does not):
    // taken from AWS when configured, so that drift shows.
    if let (true, Some(a)) = (
        configured("maintenance_options"),
        i.maintenance_options().and_then(|o| o.auto_recovery()),
    ) {
        m.insert(
            "maintenance_options".to_string(),
            Value::List(vec![Value::object([(
                "auto_recovery",
                Value::string(a.as_str()),
            )])]),
        );
    }
    if let (true, Some(o)) = (
        configured("private_dns_name_options"),
        i.private_dns_name_options(),
    ) {
        m.insert(
            "private_dns_name_options".to_string(),
            Value::List(vec![Value::object([
                (
                    "enable_resource_name_dns_a_record",
                    Value::Bool(o.enable_resource_name_dns_a_record().unwrap_or(false)),
                ),
                (
                    "enable_resource_name_dns_aaaa_record",
                    Value::Bool(o.enable_resource_name_dns_aaaa_record().unwrap_or(false)),
                ),
                (
                    "hostname_type",
                    opt_str(o.hostname_type().map(|h| h.as_str())),
                ),
            ])]),
        );
    }
    if let Some(Value::List(v)) = m.get("ephemeral_block_device").cloned() {
        m.insert("ephemeral_block_device".to_string(), Value::set(v));
    }
    if let Some(Value::List(v)) = m.get("network_interface").cloned() {
        m.insert("network_interface".to_string(), Value::set(v));
    }
    tags::set_state(cx.tags(), i.tags(), prior, &mut m);
    Value::Object(m)
}

/// Waits until the instance is in `want` (`running`, `stopped`,
/// `terminated`).
async fn wait_for(cx: &Ctx<'_>, id: &str, want: &'static str) -> Result<(), Error> {
    wait::until(cx.target(format!("EC2 instance {id}"), want), || async {
        let found = describe(cx, &[id]).await?;
        let state = found.get(id).map(|(i, _)| state_name(i).to_string());
        Ok(match state.as_deref() {
            Some(s) if s == want => Poll::Done(()),
            None if want == "terminated" => Poll::Done(()),
            Some("terminated") => {
                return Err(Error::Api {
                    operation: "DescribeInstances",
                    code: "InstanceTerminated".to_string(),
                    message: format!("instance {id} terminated while waiting for {want}"),
                })
            }
            Some(s) => Poll::Pending(s.to_string()),
            None => Poll::Pending("not found".to_string()),
        })
    })
    .await
}

/// Stops an instance and waits until it is stopped.
pub(crate) async fn stop(cx: &Ctx<'_>, id: &str) -> Result<(), Error> {
    cx.ec2()
        .stop_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(api("StopInstances"))?;
    wait_for(cx, id, "stopped").await
}

async fn start(cx: &Ctx<'_>, id: &str) -> Result<(), Error> {
    cx.ec2()
        .start_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(api("StartInstances"))?;
    wait_for(cx, id, "running").await
}

fn i32_of(v: &Value, name: &str) -> Option<i32> {
    int_attr(v, name).and_then(|n| i32::try_from(n).ok())
}

fn ebs_spec(d: &Value, snapshot: bool) -> EbsBlockDevice {
    let vtype = non_empty(d, "volume_type");
    let takes_iops = vtype.is_some_and(|t| matches!(t, "io1" | "io2" | "gp3"));
    EbsBlockDevice::builder()
        .set_delete_on_termination(bool_attr(d, "delete_on_termination"))
        .set_encrypted(bool_attr(d, "encrypted").filter(|e| *e))
        .set_kms_key_id(non_empty(d, "kms_key_id").map(str::to_string))
        .set_iops(i32_of(d, "iops").filter(|n| takes_iops && *n > 0))
        .set_throughput(i32_of(d, "throughput").filter(|n| vtype == Some("gp3") && *n > 0))
        .set_volume_size(i32_of(d, "volume_size").filter(|n| *n > 0))
        .set_volume_type(vtype.map(VolumeType::from))
        .set_snapshot_id(
            non_empty(d, "snapshot_id")
                .filter(|_| snapshot)
                .map(str::to_string),
        )
        .build()
}

/// The root device name of an AMI (for `root_block_device`).
async fn root_device_of(cx: &Ctx<'_>, ami: &str) -> Result<Option<String>, Error> {
    let resp = cx
        .ec2()
        .describe_images()
        .image_ids(ami)
        .send()
        .await
        .map_err(api("DescribeImages"))?;
    Ok(resp
        .images()
        .first()
        .and_then(|i| i.root_device_name())
        .map(str::to_string))
}

fn profile_spec(profile: &str) -> IamInstanceProfileSpecification {
    if profile.starts_with("arn:") {
        IamInstanceProfileSpecification::builder()
            .arn(profile)
            .build()
    } else {
        IamInstanceProfileSpecification::builder()
            .name(profile)
            .build()
    }
}

/// Associates, replaces or removes the instance profile of an instance.
async fn set_instance_profile(cx: &Ctx<'_>, id: &str, profile: Option<&str>) -> Result<(), Error> {
    let found = cx
        .ec2()
        .describe_iam_instance_profile_associations()
        .filters(filters::ids("instance-id", &[id]))
        .send()
        .await
        .map_err(api("DescribeIamInstanceProfileAssociations"))?;
    let current = found
        .iam_instance_profile_associations()
        .iter()
        .filter(|a| {
            a.state()
                .is_some_and(|s| matches!(s.as_str(), "associated" | "associating"))
        })
        .find_map(|a| a.association_id())
        .map(str::to_string);
    match (current, profile) {
        (Some(assoc), Some(p)) => cx
            .ec2()
            .replace_iam_instance_profile_association()
            .association_id(assoc)
            .iam_instance_profile(profile_spec(p))
            .send()
            .await
            .map(|_| ())
            .map_err(api("ReplaceIamInstanceProfileAssociation")),
        (Some(assoc), None) => cx
            .ec2()
            .disassociate_iam_instance_profile()
            .association_id(assoc)
            .send()
            .await
            .map(|_| ())
            .map_err(api("DisassociateIamInstanceProfile")),
        (None, Some(p)) => cx
            .ec2()
            .associate_iam_instance_profile()
            .instance_id(id)
            .iam_instance_profile(profile_spec(p))
            .send()
            .await
            .map(|_| ())
            .map_err(api("AssociateIamInstanceProfile")),
        (None, None) => Ok(()),
    }
}

/// `secondary_private_ips`: as hashicorp/aws, the addresses that went
/// away are unassigned from the primary network interface, then the new
/// ones are assigned to it.
async fn set_secondary_ips(cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
    let eni = non_empty(prior, "primary_network_interface_id").ok_or_else(|| Error::Invalid {
        summary: "Cannot change secondary_private_ips".to_string(),
        detail: format!(
            "Instance {} has no primary network interface recorded, so its secondary private IPs cannot be changed in place.",
            str_attr(prior, "id").unwrap_or_default()
        ),
        path: Some(gitform_value::AttrPath::attr("secondary_private_ips")),
    })?;
    let (old, new) = (
        strings(prior, "secondary_private_ips"),
        strings(planned, "secondary_private_ips"),
    );
    let gone: Vec<String> = old.iter().filter(|a| !new.contains(a)).cloned().collect();
    let added: Vec<String> = new.iter().filter(|a| !old.contains(a)).cloned().collect();
    crate::network::network_interface::reassign_private_ips(cx, eni, gone, added).await
}

/// `credit_specification`: ModifyInstanceCreditSpecification, when a block
/// with `cpu_credits` is configured (removing the block changes nothing,
/// as in hashicorp/aws).
async fn set_credit_specification(cx: &Ctx<'_>, id: &str, planned: &Value) -> Result<(), Error> {
    let Some(credits) = blocks(planned, "credit_specification")
        .first()
        .and_then(|c| non_empty(c, "cpu_credits"))
    else {
        return Ok(());
    };
    cx.ec2()
        .modify_instance_credit_specification()
        .client_token(crate::resource::client_token())
        .instance_credit_specifications(
            InstanceCreditSpecificationRequest::builder()
                .instance_id(id)
                .cpu_credits(credits)
                .build(),
        )
        .send()
        .await
        .map_err(api("ModifyInstanceCreditSpecification"))?;
    Ok(())
}

/// `maintenance_options`: ModifyInstanceMaintenanceOptions, then waits
/// (update timeout) until DescribeInstances shows the new auto-recovery
/// setting, as hashicorp/aws does.
async fn set_maintenance_options(cx: &Ctx<'_>, id: &str, planned: &Value) -> Result<(), Error> {
    let Some(recovery) = blocks(planned, "maintenance_options")
        .first()
        .and_then(|m| non_empty(m, "auto_recovery"))
    else {
        return Ok(());
    };
    cx.ec2()
        .modify_instance_maintenance_options()
        .instance_id(id)
        .auto_recovery(InstanceAutoRecoveryState::from(recovery))
        .send()
        .await
        .map_err(api("ModifyInstanceMaintenanceOptions"))?;
    let target = cx.target(
        format!("EC2 instance {id} maintenance options"),
        "auto_recovery updated",
    );
    wait::until(target, || async {
        let found = describe(cx, &[id]).await?;
        let now = found
            .get(id)
            .and_then(|(i, _)| i.maintenance_options())
            .and_then(|m| m.auto_recovery())
            .map(|a| a.as_str().to_string());
        Ok(match now {
            Some(a) if a == recovery => Poll::Done(()),
            Some(a) => Poll::Pending(a),
            None => Poll::Pending("not reported".to_string()),
        })
    })
    .await
}

/// `private_dns_name_options`: ModifyPrivateDnsNameOptions with only the
/// fields that changed, as hashicorp/aws sends it.
async fn set_private_dns_name_options(
    cx: &Ctx<'_>,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), Error> {
    let Some(new) = blocks(planned, "private_dns_name_options").first() else {
        return Ok(());
    };
    let empty = Value::Null;
    let old = blocks(prior, "private_dns_name_options")
        .first()
        .unwrap_or(&empty);
    let differs = |n: &str| old.get_attr(n) != new.get_attr(n);
    let flag = |n: &str| bool_attr(new, n).filter(|_| differs(n));
    cx.ec2()
        .modify_private_dns_name_options()
        .instance_id(id)
        .set_enable_resource_name_dns_a_record(flag("enable_resource_name_dns_a_record"))
        .set_enable_resource_name_dns_aaaa_record(flag("enable_resource_name_dns_aaaa_record"))
        .set_private_dns_hostname_type(
            non_empty(new, "hostname_type")
                .filter(|_| differs("hostname_type"))
                .map(HostnameType::from),
        )
        .send()
        .await
        .map_err(api("ModifyPrivateDnsNameOptions"))?;
    Ok(())
}

fn bool_value(b: bool) -> AttributeBooleanValue {
    AttributeBooleanValue::builder().value(b).build()
}

#[async_trait]
impl Resource for Ec2Instance {
    fn type_name(&self) -> &'static str {
        "aws_instance"
    }

    /// As hashicorp/aws 5.100 declares it.
    fn schema(&self) -> Schema {
        Schema::new(full_schema_block()).with_version(1)
    }

    fn timeouts(&self) -> Option<Timeouts> {
        Some(TIMEOUTS)
    }

    fn validate(&self, config: &Value) -> Vec<gitform_value::Diagnostic> {
        let mut out = Vec::new();
        let set = |n: &str| config.get_attr(n).is_some_and(|v| !v.is_null());
        if set("user_data") && set("user_data_base64") {
            out.push(gitform_value::Diagnostic::error(
                "Conflicting configuration arguments",
                "\"user_data\": conflicts with user_data_base64. Set one of them.",
            ));
        }
        for b in [
            "instance_market_options",
            "capacity_reservation_specification",
        ] {
            if !blocks(config, b).is_empty() {
                out.push(
                    gitform_value::Diagnostic::error(
                        "Argument not supported yet",
                        format!("gitform's aws_instance does not handle \"{b}\" blocks yet; remove the block or launch this instance with another tool."),
                    )
                    .with_attr_path(gitform_value::AttrPath::attr(b)),
                );
            }
        }
        if !set("ami") && blocks(config, "launch_template").is_empty() {
            let known = config.get_attr("ami").is_none_or(Value::is_known);
            if known {
                out.push(gitform_value::Diagnostic::error(
                    "Missing required argument",
                    "\"ami\": one of `ami,launch_template` must be specified.",
                ));
            }
        }
        out
    }

    /// Unconfigured blocks that EC2 fills in are planned unknown for a new
    /// object ([`plan_filled_blocks`]).
    ///
    /// `user_data` is planned as the SHA-1 of the configured script, as
    /// hashicorp/aws's StateFunc records it (`create`/`update` send the
    /// script from the configuration); `user_data_base64` as written. A
    /// change replaces the instance only with `user_data_replace_on_change`.
    fn plan(&self, p: &mut Planning<'_>) {
        if let Some(script) = non_empty(p.config, "user_data") {
            let hash = Value::string(user_data_hash(script));
            p.set("user_data", hash);
        }
        let Some(prior) = p.prior else {
            plan_filled_blocks(p);
            return;
        };
        // States written before `get_password_data` had its default hold
        // null for it, which means the same as the default: no change.
        if prior
            .get_attr("get_password_data")
            .is_none_or(Value::is_null)
            && p.config
                .get_attr("get_password_data")
                .is_none_or(Value::is_null)
        {
            p.set("get_password_data", Value::Null);
        }
        if let (Some(new), Some(old)) = (
            str_attr(&p.planned, "user_data"),
            str_attr(prior, "user_data"),
        ) {
            // An empty script and the SHA-1 of one are the same (EC2 may
            // answer either), as hashicorp/aws's DiffSuppressFunc has it.
            const EMPTY: &str = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
            let same =
                new == old || (new.is_empty() && old == EMPTY) || (new == EMPTY && old.is_empty());
            if same {
                let old = Value::string(old);
                p.set("user_data", old);
            } else if bool_attr(&p.planned, "user_data_replace_on_change") == Some(true) {
                p.replace("user_data");
            }
        }
        if p.changes("user_data_base64")
            && bool_attr(&p.planned, "user_data_replace_on_change") == Some(true)
        {
            p.replace("user_data_base64");
        }
        // A stop and start gives a new public address (without an EIP).
        if p.changes("instance_type") && p.requires_replace.is_empty() {
            for name in ["public_ip", "public_dns", "instance_state"] {
                p.set_unknown(name);
            }
        }
        if !p.requires_replace.is_empty() {
            plan_filled_blocks(p);
        }
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let mut req = cx
            .ec2()
            .run_instances()
            .min_count(1)
            .max_count(1)
            .set_image_id(non_empty(planned, "ami").map(str::to_string))
            .set_instance_type(non_empty(planned, "instance_type").map(InstanceType::from))
            .set_key_name(non_empty(planned, "key_name").map(str::to_string))
            .set_user_data(user_data_b64(cx.config))
            .set_ebs_optimized(bool_attr(planned, "ebs_optimized").filter(|b| *b))
            .set_disable_api_termination(
                bool_attr(planned, "disable_api_termination").filter(|b| *b),
            )
            .set_disable_api_stop(bool_attr(planned, "disable_api_stop").filter(|b| *b))
            .set_instance_initiated_shutdown_behavior(
                non_empty(planned, "instance_initiated_shutdown_behavior")
                    .map(ShutdownBehavior::from),
            );
        if let Some(m) = bool_attr(planned, "monitoring").filter(|m| *m) {
            req = req.monitoring(RunInstancesMonitoringEnabled::builder().enabled(m).build());
        }
        if let Some(p) = non_empty(planned, "iam_instance_profile") {
            req = req.iam_instance_profile(profile_spec(p));
        }
        let az = non_empty(planned, "availability_zone");
        let tenancy = non_empty(planned, "tenancy");
        let group = non_empty(planned, "placement_group");
        let host = non_empty(planned, "host_id");
        let host_group = non_empty(planned, "host_resource_group_arn");
        let partition = i32_of(planned, "placement_partition_number").filter(|n| *n > 0);
        if az.is_some()
            || tenancy.is_some()
            || group.is_some()
            || host.is_some()
            || host_group.is_some()
        {
            req = req.placement(
                Placement::builder()
                    .set_availability_zone(az.map(str::to_string))
                    .set_tenancy(tenancy.map(Tenancy::from))
                    .set_group_name(group.map(str::to_string))
                    .set_host_id(host.map(str::to_string))
                    .set_host_resource_group_arn(host_group.map(str::to_string))
                    .set_partition_number(partition)
                    .build(),
            );
        }
        let subnet = non_empty(planned, "subnet_id").map(str::to_string);
        let group_ids = strings(planned, "vpc_security_group_ids");
        let private_ip = non_empty(planned, "private_ip").map(str::to_string);
        let secondary = strings(planned, "secondary_private_ips");
        let public = bool_attr(planned, "associate_public_ip_address");
        match (public, secondary.is_empty()) {
            (Some(_), _) | (None, false) => {
                // Only a network interface specification can say these (as
                // hashicorp/aws: the secondary addresses as non-primary
                // private addresses of the primary interface).
                let mut ni = InstanceNetworkInterfaceSpecification::builder()
                    .device_index(0)
                    .set_associate_public_ip_address(public)
                    .delete_on_termination(true)
                    .set_subnet_id(subnet)
                    .set_private_ip_address(private_ip);
                if !group_ids.is_empty() {
                    ni = ni.set_groups(Some(group_ids));
                }
                for ip in secondary {
                    ni = ni.private_ip_addresses(
                        PrivateIpAddressSpecification::builder()
                            .private_ip_address(ip)
                            .primary(false)
                            .build(),
                    );
                }
                req = req.network_interfaces(ni.build());
            }
            (None, true) => {
                req = req.set_subnet_id(subnet).set_private_ip_address(private_ip);
                if !group_ids.is_empty() {
                    req = req.set_security_group_ids(Some(group_ids));
                }
            }
        }
        let names = strings(planned, "security_groups");
        if !names.is_empty() {
            req = req.set_security_groups(Some(names));
        }
        if let Some(lt) = blocks(planned, "launch_template").first() {
            req = req.launch_template(
                LaunchTemplateSpecification::builder()
                    .set_launch_template_id(non_empty(lt, "id").map(str::to_string))
                    .set_launch_template_name(non_empty(lt, "name").map(str::to_string))
                    .set_version(non_empty(lt, "version").map(str::to_string))
                    .build(),
            );
        }
        if let Some(o) = blocks(planned, "metadata_options").first() {
            req = req.metadata_options(
                InstanceMetadataOptionsRequest::builder()
                    .set_http_endpoint(
                        non_empty(o, "http_endpoint").map(InstanceMetadataEndpointState::from),
                    )
                    .set_http_tokens(non_empty(o, "http_tokens").map(HttpTokensState::from))
                    .set_http_put_response_hop_limit(i32_of(o, "http_put_response_hop_limit"))
                    .set_instance_metadata_tags(
                        non_empty(o, "instance_metadata_tags").map(InstanceMetadataTagsState::from),
                    )
                    .build(),
            );
        }
        if let Some(c) = blocks(planned, "cpu_options").first() {
            req = req.cpu_options(
                CpuOptionsRequest::builder()
                    .set_core_count(i32_of(c, "core_count").filter(|n| *n > 0))
                    .set_threads_per_core(i32_of(c, "threads_per_core").filter(|n| *n > 0))
                    .set_amd_sev_snp(non_empty(c, "amd_sev_snp").map(AmdSevSnpSpecification::from))
                    .build(),
            );
        }
        if let Some(c) = blocks(planned, "credit_specification").first() {
            if let Some(credits) = non_empty(c, "cpu_credits") {
                req = req.credit_specification(
                    CreditSpecificationRequest::builder()
                        .cpu_credits(credits)
                        .build(),
                );
            }
        }
        if let Some(h) = bool_attr(planned, "hibernation") {
            req =
                req.hibernation_options(HibernationOptionsRequest::builder().configured(h).build());
        }
        if let Some(e) = blocks(planned, "enclave_options").first() {
            if let Some(enabled) = bool_attr(e, "enabled") {
                req =
                    req.enclave_options(EnclaveOptionsRequest::builder().enabled(enabled).build());
            }
        }
        if let Some(m) = blocks(planned, "maintenance_options").first() {
            if let Some(a) = non_empty(m, "auto_recovery") {
                req = req.maintenance_options(
                    InstanceMaintenanceOptionsRequest::builder()
                        .auto_recovery(InstanceAutoRecoveryState::from(a))
                        .build(),
                );
            }
        }
        if let Some(o) = blocks(planned, "private_dns_name_options").first() {
            req = req.private_dns_name_options(
                PrivateDnsNameOptionsRequest::builder()
                    .set_hostname_type(non_empty(o, "hostname_type").map(HostnameType::from))
                    .set_enable_resource_name_dns_a_record(bool_attr(
                        o,
                        "enable_resource_name_dns_a_record",
                    ))
                    .set_enable_resource_name_dns_aaaa_record(bool_attr(
                        o,
                        "enable_resource_name_dns_aaaa_record",
                    ))
                    .build(),
            );
        }
        if let Some(n) = i32_of(planned, "ipv6_address_count").filter(|n| *n > 0) {
            req = req.ipv6_address_count(n);
        }
        // Existing network interfaces attached at launch (they replace the
        // subnet, groups and address arguments).
        for ni in blocks(planned, "network_interface") {
            req = req.network_interfaces(
                InstanceNetworkInterfaceSpecification::builder()
                    .set_network_interface_id(
                        non_empty(ni, "network_interface_id").map(str::to_string),
                    )
                    .set_device_index(i32_of(ni, "device_index"))
                    .set_network_card_index(i32_of(ni, "network_card_index"))
                    .set_delete_on_termination(bool_attr(ni, "delete_on_termination"))
                    .build(),
            );
        }
        let mut mappings = Vec::new();
        // A root block that asks for nothing but the defaults is not sent.
        let root_block = blocks(planned, "root_block_device").first().filter(|r| {
            [
                "encrypted",
                "iops",
                "kms_key_id",
                "throughput",
                "volume_size",
                "volume_type",
            ]
            .iter()
            .any(|a| r.get_attr(a).is_some_and(|v| v.is_known() && !v.is_null()))
                || bool_attr(r, "delete_on_termination") == Some(false)
        });
        if let Some(root) = root_block {
            let ami = non_empty(planned, "ami").unwrap_or_default();
            if let Some(dev) = root_device_of(cx, ami).await? {
                mappings.push(
                    BlockDeviceMapping::builder()
                        .device_name(dev)
                        .ebs(ebs_spec(root, false))
                        .build(),
                );
            }
        }
        for d in blocks(planned, "ebs_block_device") {
            mappings.push(
                BlockDeviceMapping::builder()
                    .set_device_name(non_empty(d, "device_name").map(str::to_string))
                    .ebs(ebs_spec(d, true))
                    .build(),
            );
        }
        for d in blocks(planned, "ephemeral_block_device") {
            let mut b = BlockDeviceMapping::builder()
                .set_device_name(non_empty(d, "device_name").map(str::to_string));
            if bool_attr(d, "no_device") == Some(true) {
                b = b.no_device("");
            } else {
                b = b.set_virtual_name(non_empty(d, "virtual_name").map(str::to_string));
            }
            mappings.push(b.build());
        }
        if !mappings.is_empty() {
            req = req.set_block_device_mappings(Some(mappings));
        }
        let mut specs = Vec::new();
        specs.extend(tags::specification(ResourceType::Instance, planned));
        if let Some(vt) = planned.get_attr("volume_tags").filter(|v| !v.is_null()) {
            let as_tags = Value::object([("tags_all", vt.clone())]);
            specs.extend(tags::specification(ResourceType::Volume, &as_tags));
        }
        if !specs.is_empty() {
            req = req.set_tag_specifications(Some(specs));
        }
        let resp = req.send().await.map_err(api("RunInstances"))?;
        let id = resp
            .instances()
            .first()
            .and_then(|i| i.instance_id())
            .ok_or_else(|| Error::NotFound {
                what: "the id of the new instance".to_string(),
            })?
            .to_string();
        wait_for(cx, &id, "running")
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
        // The volumes of configured block devices, in one batched call.
        let wants_volumes = priors.iter().any(|p| {
            !blocks(p, "root_block_device").is_empty() || !blocks(p, "ebs_block_device").is_empty()
        });
        let volumes = if wants_volumes {
            let vol_ids: Vec<String> = found
                .values()
                .flat_map(|(i, _)| i.block_device_mappings())
                .filter_map(|b| b.ebs().and_then(|e| e.volume_id()))
                .map(str::to_string)
                .collect();
            volume::describe(cx, &vol_ids).await?
        } else {
            HashMap::new()
        };
        Ok(priors
            .iter()
            .map(|prior| {
                let (i, owner) = found.get(non_empty(prior, "id")?)?;
                // Terminated instances stay listed for a while: they are gone.
                if matches!(state_name(i), "terminated" | "shutting-down") {
                    return None;
                }
                Some(state_from(cx, i, owner, &volumes, prior))
            })
            .collect())
    }

    /// `credit_specification` of a burstable (T family) instance, when
    /// configured: one DescribeInstanceCreditSpecifications call, as
    /// hashicorp/aws reads it.
    async fn read_details(&self, cx: &Ctx<'_>, state: Value) -> Result<Value, Error> {
        let burstable = str_attr(&state, "instance_type").is_some_and(|t| t.starts_with('t'));
        if !burstable || blocks(&state, "credit_specification").is_empty() {
            return Ok(state);
        }
        let id = crate::attrs::id(&state)?.to_string();
        let resp = cx
            .ec2()
            .describe_instance_credit_specifications()
            .instance_ids(&id)
            .send()
            .await
            .map_err(api("DescribeInstanceCreditSpecifications"))?;
        let credits = resp
            .instance_credit_specifications()
            .iter()
            .find(|c| c.instance_id() == Some(id.as_str()))
            .and_then(|c| c.cpu_credits());
        let mut state = state;
        if let Some(c) = credits {
            crate::attrs::set_attr(
                &mut state,
                "credit_specification",
                Value::List(vec![Value::object([("cpu_credits", Value::string(c))])]),
            );
        }
        Ok(state)
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        let id = crate::attrs::id(prior)?.to_string();
        let modify = || cx.ec2().modify_instance_attribute().instance_id(&id);
        tags::update(cx.session, &id, prior, planned).await?;
        if changed(prior, planned, "vpc_security_group_ids") {
            let groups = strings(planned, "vpc_security_group_ids");
            modify()
                .set_groups(Some(groups))
                .send()
                .await
                .map_err(api("ModifyInstanceAttribute"))?;
        }
        for (name, which) in [
            ("source_dest_check", 0),
            ("disable_api_termination", 1),
            ("disable_api_stop", 2),
        ] {
            if !changed(prior, planned, name) {
                continue;
            }
            let Some(b) = bool_attr(planned, name) else {
                continue;
            };
            let req = match which {
                0 => modify().source_dest_check(bool_value(b)),
                1 => modify().disable_api_termination(bool_value(b)),
                _ => modify().disable_api_stop(bool_value(b)),
            };
            req.send().await.map_err(api("ModifyInstanceAttribute"))?;
        }
        if changed(prior, planned, "instance_initiated_shutdown_behavior") {
            if let Some(v) = non_empty(planned, "instance_initiated_shutdown_behavior") {
                modify()
                    .instance_initiated_shutdown_behavior(
                        AttributeValue::builder().value(v).build(),
                    )
                    .send()
                    .await
                    .map_err(api("ModifyInstanceAttribute"))?;
            }
        }
        if changed(prior, planned, "monitoring") {
            if bool_attr(planned, "monitoring") == Some(true) {
                cx.ec2()
                    .monitor_instances()
                    .instance_ids(&id)
                    .send()
                    .await
                    .map_err(api("MonitorInstances"))?;
            } else {
                cx.ec2()
                    .unmonitor_instances()
                    .instance_ids(&id)
                    .send()
                    .await
                    .map_err(api("UnmonitorInstances"))?;
            }
        }
        if changed(prior, planned, "metadata_options") {
            if let Some(o) = blocks(planned, "metadata_options").first() {
                cx.ec2()
                    .modify_instance_metadata_options()
                    .instance_id(&id)
                    .set_http_endpoint(
                        non_empty(o, "http_endpoint").map(InstanceMetadataEndpointState::from),
                    )
                    .set_http_tokens(non_empty(o, "http_tokens").map(HttpTokensState::from))
                    .set_http_put_response_hop_limit(i32_of(o, "http_put_response_hop_limit"))
                    .set_instance_metadata_tags(
                        non_empty(o, "instance_metadata_tags").map(InstanceMetadataTagsState::from),
                    )
                    .send()
                    .await
                    .map_err(api("ModifyInstanceMetadataOptions"))?;
            }
        }
        if changed(prior, planned, "root_block_device") {
            let (old, new) = (
                blocks(prior, "root_block_device").first(),
                blocks(planned, "root_block_device").first(),
            );
            if let (Some(old), Some(new)) = (old, new) {
                let vol = non_empty(old, "volume_id").map(str::to_string);
                let differs = |n: &str| changed(old, new, n);
                if let Some(vol) = vol.filter(|_| {
                    ["volume_size", "volume_type", "iops", "throughput"]
                        .iter()
                        .any(|n| differs(n))
                }) {
                    let vtype = non_empty(new, "volume_type");
                    cx.ec2()
                        .modify_volume()
                        .volume_id(&vol)
                        .set_size(i32_of(new, "volume_size").filter(|_| differs("volume_size")))
                        .set_volume_type(
                            vtype
                                .filter(|_| differs("volume_type"))
                                .map(VolumeType::from),
                        )
                        .set_iops(i32_of(new, "iops").filter(|n| differs("iops") && *n > 0))
                        .set_throughput(
                            i32_of(new, "throughput").filter(|n| differs("throughput") && *n > 0),
                        )
                        .send()
                        .await
                        .map_err(api("ModifyVolume"))?;
                }
                if differs("delete_on_termination") {
                    let dev = non_empty(old, "device_name").unwrap_or_default();
                    modify()
                        .block_device_mappings(
                            InstanceBlockDeviceMappingSpecification::builder()
                                .device_name(dev)
                                .ebs(
                                    EbsInstanceBlockDeviceSpecification::builder()
                                        .set_delete_on_termination(bool_attr(
                                            new,
                                            "delete_on_termination",
                                        ))
                                        .build(),
                                )
                                .build(),
                        )
                        .send()
                        .await
                        .map_err(api("ModifyInstanceAttribute"))?;
                }
            }
        }
        if changed(prior, planned, "volume_tags") {
            let found = describe(cx, &[id.as_str()]).await?;
            let volumes: Vec<String> = found
                .get(&id)
                .map(|(i, _)| {
                    i.block_device_mappings()
                        .iter()
                        .filter_map(|b| b.ebs().and_then(|e| e.volume_id()))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let as_tags = |v: &Value| {
                let t = v
                    .get_attr("volume_tags")
                    .filter(|t| !t.is_null())
                    .cloned()
                    .unwrap_or_else(|| Value::Map(BTreeMap::new()));
                Value::object([("tags_all", t)])
            };
            let (old, new) = (as_tags(prior), as_tags(planned));
            for v in &volumes {
                tags::update(cx.session, v, &old, &new).await?;
            }
        }
        if changed(prior, planned, "iam_instance_profile") {
            set_instance_profile(cx, &id, non_empty(planned, "iam_instance_profile")).await?;
        }
        if changed(prior, planned, "secondary_private_ips") {
            set_secondary_ips(cx, prior, planned).await?;
        }
        if changed(prior, planned, "credit_specification") {
            set_credit_specification(cx, &id, planned).await?;
        }
        if changed(prior, planned, "maintenance_options") {
            set_maintenance_options(cx, &id, planned).await?;
        }
        if changed(prior, planned, "private_dns_name_options") {
            set_private_dns_name_options(cx, &id, prior, planned).await?;
        }
        // What needs the instance stopped: type, user data, EBS optimization.
        let new_type = changed(prior, planned, "instance_type");
        let new_data = (changed(prior, planned, "user_data")
            || changed(prior, planned, "user_data_base64"))
            && user_data_b64(cx.config).is_some();
        let new_ebs = changed(prior, planned, "ebs_optimized");
        if new_type || new_data || new_ebs {
            let was_running = str_attr(prior, "instance_state") != Some("stopped");
            stop(cx, &id).await?;
            if new_type {
                let t = crate::attrs::required_str(planned, "instance_type")?;
                modify()
                    .instance_type(AttributeValue::builder().value(t).build())
                    .send()
                    .await
                    .map_err(api("ModifyInstanceAttribute"))?;
            }
            if new_data {
                if let Some(b64) = user_data_b64(cx.config) {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(b64.as_bytes())
                        .unwrap_or_default();
                    modify()
                        .user_data(
                            SecureBlobAttributeValue::builder()
                                .value(aws_sdk_ec2::primitives::Blob::new(bytes))
                                .build(),
                        )
                        .send()
                        .await
                        .map_err(api("ModifyInstanceAttribute"))?;
                }
            }
            if new_ebs {
                let b = bool_attr(planned, "ebs_optimized").unwrap_or(false);
                modify()
                    .ebs_optimized(bool_value(b))
                    .send()
                    .await
                    .map_err(api("ModifyInstanceAttribute"))?;
            }
            if was_running {
                start(cx, &id).await?;
            }
        }
        Ok(())
    }

    /// Lifts termination protection if set, terminates, and waits until
    /// terminated.
    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let id = crate::attrs::id(prior)?.to_string();
        if bool_attr(prior, "disable_api_termination") == Some(true) {
            cx.ec2()
                .modify_instance_attribute()
                .instance_id(&id)
                .disable_api_termination(bool_value(false))
                .send()
                .await
                .map_err(api("ModifyInstanceAttribute"))?;
        }
        match cx
            .ec2()
            .terminate_instances()
            .instance_ids(&id)
            .send()
            .await
            .map_err(api("TerminateInstances"))
        {
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        wait_for(cx, &id, "terminated").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_data_is_recorded_as_its_sha1() {
        // sha1("hello") and the same bytes given base64-encoded.
        let want = "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d";
        assert_eq!(user_data_hash("hello"), want);
        assert_eq!(user_data_hash("aGVsbG8="), want);
        // What Terraform 1.11 with hashicorp/aws 5.100 recorded for this script.
        assert_eq!(
            user_data_hash("#!/bin/sh\necho hello\n"),
            "9db6f074fca0a903137b91c7c866b21d4e7205a7"
        );
        assert!(is_hash(want));
        assert!(!is_hash("hello"));
    }

    #[test]
    fn user_data_is_sent_base64() {
        let v = Value::object([
            ("user_data", Value::string("#!/bin/sh\necho hi\n")),
            ("user_data_base64", Value::Null),
        ]);
        assert_eq!(
            user_data_b64(&v).as_deref(),
            Some("IyEvYmluL3NoCmVjaG8gaGkK")
        );
        // Already base64: sent as written, from either attribute.
        let encoded = Value::object([
            ("user_data", Value::string("aGVsbG8=")),
            ("user_data_base64", Value::Null),
        ]);
        assert_eq!(user_data_b64(&encoded).as_deref(), Some("aGVsbG8="));
        let b64 = Value::object([
            ("user_data", Value::Null),
            ("user_data_base64", Value::string("aGVsbG8=")),
        ]);
        assert_eq!(user_data_b64(&b64).as_deref(), Some("aGVsbG8="));
        // No configuration (delete, refresh): nothing to send.
        assert_eq!(user_data_b64(&Value::Null), None);
    }
}
