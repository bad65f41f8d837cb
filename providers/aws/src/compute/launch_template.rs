//! `aws_launch_template`: a launch template and its versions.
//!
//! As hashicorp/aws: the name forces a replacement; any change to the
//! template data creates a new version (`latest_version`), which becomes
//! the default only with `update_default_version` (or when
//! `default_version` says so). A refresh is one DescribeLaunchTemplates
//! call per 200 templates and one paginated DescribeLaunchTemplateVersions
//! call for the latest version of every template.
//!
//! The template data arguments handled are the common ones: `image_id`,
//! `instance_type`, `key_name`, `vpc_security_group_ids`,
//! `security_group_names`, `user_data`, `ebs_optimized`, the API
//! stop/termination protection, shutdown behaviour, `kernel_id`,
//! `ram_disk_id`, `tag_specifications`, `block_device_mappings`,
//! `network_interfaces`, `iam_instance_profile`, `monitoring`,
//! `metadata_options`, `placement` and `credit_specification`. The other
//! blocks are refused with a diagnostic rather than ignored.

use crate::attrs::{blocks, bool_attr, int_attr, non_empty, set_attr, str_attr, strings};
use crate::error::{api, Error};
use crate::resource::{Ctx, Planning, Resource, ID_CHUNK};
use crate::security::names;
use crate::tags;
use async_trait::async_trait;
use aws_sdk_ec2::types::{
    CreditSpecificationRequest, InstanceType, LaunchTemplate,
    LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest,
    LaunchTemplateHttpTokensState, LaunchTemplateIamInstanceProfileSpecificationRequest,
    LaunchTemplateInstanceMetadataEndpointState, LaunchTemplateInstanceMetadataOptionsRequest,
    LaunchTemplateInstanceMetadataTagsState,
    LaunchTemplateInstanceNetworkInterfaceSpecificationRequest, LaunchTemplatePlacementRequest,
    LaunchTemplateTagSpecificationRequest, LaunchTemplateVersion, LaunchTemplatesMonitoringRequest,
    RequestLaunchTemplateData, ResourceType, ResponseLaunchTemplateData, ShutdownBehavior, Tag,
    Tenancy, VolumeType,
};
use gitform_provider::{Attribute, Block, NestedBlock, Schema};
use gitform_value::{Type, Value};
use std::collections::{BTreeMap, HashMap};

/// The resource type.
pub struct LaunchTemplateResource;

/// Blocks of the schema this provider does not send yet.
const UNHANDLED_BLOCKS: &[&str] = &[
    "capacity_reservation_specification",
    "cpu_options",
    "elastic_gpu_specifications",
    "elastic_inference_accelerator",
    "enclave_options",
    "hibernation_options",
    "instance_market_options",
    "instance_requirements",
    "license_specification",
    "maintenance_options",
    "private_dns_name_options",
];

/// The template data arguments (a change to any makes a new version).
const DATA_ATTRS: &[&str] = &[
    "image_id",
    "instance_type",
    "key_name",
    "vpc_security_group_ids",
    "security_group_names",
    "user_data",
    "ebs_optimized",
    "disable_api_stop",
    "disable_api_termination",
    "instance_initiated_shutdown_behavior",
    "kernel_id",
    "ram_disk_id",
    "tag_specifications",
    "block_device_mappings",
    "network_interfaces",
    "iam_instance_profile",
    "monitoring",
    "metadata_options",
    "placement",
    "credit_specification",
];

/// An `instance_requirements` range (`{ min, max }`, at most one block;
/// exactly one when `min` is required, as hashicorp/aws declares
/// `memory_mib` and `vcpu_count`).
fn range_block(min: Attribute) -> NestedBlock {
    let required = min.required;
    let block = NestedBlock::list(
        Block::new()
            .attr("max", Attribute::optional(Type::Number))
            .attr("min", min),
    );
    let block = if required { block.min_items(1) } else { block };
    block.max_items(1)
}

fn schema_block() -> Block {
    let block = Block::new()
        .attr("arn", Attribute::computed(Type::String))
        .attr(
            "default_version",
            Attribute::optional_computed(Type::Number),
        )
        .attr("description", Attribute::optional(Type::String))
        .attr("disable_api_stop", Attribute::optional(Type::Bool))
        .attr("disable_api_termination", Attribute::optional(Type::Bool))
        .attr("ebs_optimized", Attribute::optional(Type::String))
        .attr("id", Attribute::optional_computed(Type::String))
        .attr("image_id", Attribute::optional(Type::String))
        .attr(
            "instance_initiated_shutdown_behavior",
            Attribute::optional(Type::String),
        )
        .attr("instance_type", Attribute::optional(Type::String))
        .attr("kernel_id", Attribute::optional(Type::String))
        .attr("key_name", Attribute::optional(Type::String))
        .attr("latest_version", Attribute::computed(Type::Number))
        .attr(
            "name",
            Attribute::optional_computed(Type::String).force_new(),
        )
        .attr(
            "name_prefix",
            Attribute::optional_computed(Type::String).force_new(),
        )
        .attr("ram_disk_id", Attribute::optional(Type::String))
        .attr(
            "security_group_names",
            Attribute::optional(Type::set(Type::String)),
        )
        .attr("update_default_version", Attribute::optional(Type::Bool))
        .attr("user_data", Attribute::optional(Type::String))
        .attr(
            "vpc_security_group_ids",
            Attribute::optional(Type::set(Type::String)),
        )
        .block(
            "block_device_mappings",
            NestedBlock::list(
                Block::new()
                    .attr("device_name", Attribute::optional(Type::String))
                    .attr("no_device", Attribute::optional(Type::String))
                    .attr("virtual_name", Attribute::optional(Type::String))
                    .block(
                        "ebs",
                        NestedBlock::list(
                            Block::new()
                                .attr("delete_on_termination", Attribute::optional(Type::String))
                                .attr("encrypted", Attribute::optional(Type::String))
                                .attr("iops", Attribute::optional_computed(Type::Number))
                                .attr("kms_key_id", Attribute::optional(Type::String))
                                .attr("snapshot_id", Attribute::optional(Type::String))
                                .attr("throughput", Attribute::optional_computed(Type::Number))
                                .attr(
                                    "volume_initialization_rate",
                                    Attribute::optional_computed(Type::Number),
                                )
                                .attr("volume_size", Attribute::optional_computed(Type::Number))
                                .attr("volume_type", Attribute::optional_computed(Type::String)),
                        )
                        .max_items(1),
                    ),
            ),
        )
        .block(
            "capacity_reservation_specification",
            NestedBlock::list(
                Block::new()
                    .attr(
                        "capacity_reservation_preference",
                        Attribute::optional(Type::String),
                    )
                    .block(
                        "capacity_reservation_target",
                        NestedBlock::list(
                            Block::new()
                                .attr("capacity_reservation_id", Attribute::optional(Type::String))
                                .attr(
                                    "capacity_reservation_resource_group_arn",
                                    Attribute::optional(Type::String),
                                ),
                        )
                        .max_items(1),
                    ),
            )
            .max_items(1),
        )
        .block(
            "cpu_options",
            NestedBlock::list(
                Block::new()
                    .attr("amd_sev_snp", Attribute::optional(Type::String))
                    .attr("core_count", Attribute::optional(Type::Number))
                    .attr("threads_per_core", Attribute::optional(Type::Number)),
            )
            .max_items(1),
        )
        .block(
            "credit_specification",
            NestedBlock::list(Block::new().attr("cpu_credits", Attribute::optional(Type::String)))
                .max_items(1),
        )
        .block(
            "elastic_gpu_specifications",
            NestedBlock::list(Block::new().attr("type", Attribute::required(Type::String))),
        )
        .block(
            "elastic_inference_accelerator",
            NestedBlock::list(Block::new().attr("type", Attribute::required(Type::String)))
                .max_items(1),
        )
        .block(
            "enclave_options",
            NestedBlock::list(Block::new().attr("enabled", Attribute::optional(Type::Bool)))
                .max_items(1),
        )
        .block(
            "hibernation_options",
            NestedBlock::list(Block::new().attr("configured", Attribute::required(Type::Bool)))
                .max_items(1),
        )
        .block(
            "iam_instance_profile",
            NestedBlock::list(
                Block::new()
                    .attr("arn", Attribute::optional(Type::String))
                    .attr("name", Attribute::optional(Type::String)),
            )
            .max_items(1),
        )
        .block(
            "instance_market_options",
            NestedBlock::list(
                Block::new()
                    .attr("market_type", Attribute::optional(Type::String))
                    .block(
                        "spot_options",
                        NestedBlock::list(
                            Block::new()
                                .attr("block_duration_minutes", Attribute::optional(Type::Number))
                                .attr(
                                    "instance_interruption_behavior",
                                    Attribute::optional(Type::String),
                                )
                                .attr("max_price", Attribute::optional(Type::String))
                                .attr("spot_instance_type", Attribute::optional(Type::String))
                                .attr("valid_until", Attribute::optional_computed(Type::String)),
                        )
                        .max_items(1),
                    ),
            )
            .max_items(1),
        )
        .block(
            "instance_requirements",
            NestedBlock::list(
                Block::new()
                    .attr(
                        "accelerator_manufacturers",
                        Attribute::optional(Type::set(Type::String)),
                    )
                    .attr(
                        "accelerator_names",
                        Attribute::optional(Type::set(Type::String)),
                    )
                    .attr(
                        "accelerator_types",
                        Attribute::optional(Type::set(Type::String)),
                    )
                    .attr(
                        "allowed_instance_types",
                        Attribute::optional(Type::set(Type::String)),
                    )
                    .attr("bare_metal", Attribute::optional(Type::String))
                    .attr("burstable_performance", Attribute::optional(Type::String))
                    .attr(
                        "cpu_manufacturers",
                        Attribute::optional(Type::set(Type::String)),
                    )
                    .attr(
                        "excluded_instance_types",
                        Attribute::optional(Type::set(Type::String)),
                    )
                    .attr(
                        "instance_generations",
                        Attribute::optional(Type::set(Type::String)),
                    )
                    .attr("local_storage", Attribute::optional(Type::String))
                    .attr(
                        "local_storage_types",
                        Attribute::optional(Type::set(Type::String)),
                    )
                    .attr(
                        "max_spot_price_as_percentage_of_optimal_on_demand_price",
                        Attribute::optional(Type::Number),
                    )
                    .attr(
                        "on_demand_max_price_percentage_over_lowest_price",
                        Attribute::optional(Type::Number),
                    )
                    .attr("require_hibernate_support", Attribute::optional(Type::Bool))
                    .attr(
                        "spot_max_price_percentage_over_lowest_price",
                        Attribute::optional(Type::Number),
                    )
                    .block(
                        "accelerator_count",
                        range_block(Attribute::optional(Type::Number)),
                    )
                    .block(
                        "accelerator_total_memory_mib",
                        range_block(Attribute::optional(Type::Number)),
                    )
                    .block(
                        "baseline_ebs_bandwidth_mbps",
                        range_block(Attribute::optional(Type::Number)),
                    )
                    .block(
                        "memory_gib_per_vcpu",
                        range_block(Attribute::optional(Type::Number)),
                    )
                    .block("memory_mib", range_block(Attribute::required(Type::Number)))
                    .block(
                        "network_bandwidth_gbps",
                        range_block(Attribute::optional(Type::Number)),
                    )
                    .block(
                        "network_interface_count",
                        range_block(Attribute::optional(Type::Number)),
                    )
                    .block(
                        "total_local_storage_gb",
                        range_block(Attribute::optional(Type::Number)),
                    )
                    .block("vcpu_count", range_block(Attribute::required(Type::Number))),
            )
            .max_items(1),
        )
        .block(
            "license_specification",
            NestedBlock::set(Block::new().attr(
                "license_configuration_arn",
                Attribute::required(Type::String),
            )),
        )
        .block(
            "maintenance_options",
            NestedBlock::list(
                Block::new().attr("auto_recovery", Attribute::optional(Type::String)),
            )
            .max_items(1),
        )
        .block(
            "metadata_options",
            NestedBlock::list(
                Block::new()
                    .attr("http_endpoint", Attribute::optional_computed(Type::String))
                    .attr(
                        "http_protocol_ipv6",
                        Attribute::optional_computed(Type::String),
                    )
                    .attr(
                        "http_put_response_hop_limit",
                        Attribute::optional_computed(Type::Number),
                    )
                    .attr("http_tokens", Attribute::optional_computed(Type::String))
                    .attr(
                        "instance_metadata_tags",
                        Attribute::optional_computed(Type::String),
                    ),
            )
            .max_items(1),
        )
        .block(
            "monitoring",
            NestedBlock::list(Block::new().attr("enabled", Attribute::optional(Type::Bool)))
                .max_items(1),
        )
        .block(
            "network_interfaces",
            NestedBlock::list(
                Block::new()
                    .attr(
                        "associate_carrier_ip_address",
                        Attribute::optional(Type::String),
                    )
                    .attr(
                        "associate_public_ip_address",
                        Attribute::optional(Type::String),
                    )
                    .attr("delete_on_termination", Attribute::optional(Type::String))
                    .attr("description", Attribute::optional(Type::String))
                    .attr("device_index", Attribute::optional(Type::Number))
                    .attr("interface_type", Attribute::optional(Type::String))
                    .attr("ipv4_address_count", Attribute::optional(Type::Number))
                    .attr(
                        "ipv4_addresses",
                        Attribute::optional(Type::set(Type::String)),
                    )
                    .attr("ipv4_prefix_count", Attribute::optional(Type::Number))
                    .attr(
                        "ipv4_prefixes",
                        Attribute::optional(Type::set(Type::String)),
                    )
                    .attr("ipv6_address_count", Attribute::optional(Type::Number))
                    .attr(
                        "ipv6_addresses",
                        Attribute::optional(Type::set(Type::String)),
                    )
                    .attr("ipv6_prefix_count", Attribute::optional(Type::Number))
                    .attr(
                        "ipv6_prefixes",
                        Attribute::optional(Type::set(Type::String)),
                    )
                    .attr("network_card_index", Attribute::optional(Type::Number))
                    .attr("network_interface_id", Attribute::optional(Type::String))
                    .attr("primary_ipv6", Attribute::optional(Type::String))
                    .attr("private_ip_address", Attribute::optional(Type::String))
                    .attr(
                        "security_groups",
                        Attribute::optional(Type::set(Type::String)),
                    )
                    .attr("subnet_id", Attribute::optional(Type::String))
                    .block(
                        "connection_tracking_specification",
                        NestedBlock::list(
                            Block::new()
                                .attr("tcp_established_timeout", Attribute::optional(Type::Number))
                                .attr("udp_stream_timeout", Attribute::optional(Type::Number))
                                .attr("udp_timeout", Attribute::optional(Type::Number)),
                        )
                        .max_items(1),
                    )
                    .block(
                        "ena_srd_specification",
                        NestedBlock::list(
                            Block::new()
                                .attr("ena_srd_enabled", Attribute::optional(Type::Bool))
                                .block(
                                    "ena_srd_udp_specification",
                                    NestedBlock::list(Block::new().attr(
                                        "ena_srd_udp_enabled",
                                        Attribute::optional(Type::Bool),
                                    ))
                                    .max_items(1),
                                ),
                        )
                        .max_items(1),
                    ),
            ),
        )
        .block(
            "placement",
            NestedBlock::list(
                Block::new()
                    .attr("affinity", Attribute::optional(Type::String))
                    .attr("availability_zone", Attribute::optional(Type::String))
                    .attr("group_name", Attribute::optional(Type::String))
                    .attr("host_id", Attribute::optional(Type::String))
                    .attr("host_resource_group_arn", Attribute::optional(Type::String))
                    .attr("partition_number", Attribute::optional(Type::Number))
                    .attr("spread_domain", Attribute::optional(Type::String))
                    .attr("tenancy", Attribute::optional(Type::String)),
            )
            .max_items(1),
        )
        .block(
            "private_dns_name_options",
            NestedBlock::list(
                Block::new()
                    .attr(
                        "enable_resource_name_dns_a_record",
                        Attribute::optional(Type::Bool),
                    )
                    .attr(
                        "enable_resource_name_dns_aaaa_record",
                        Attribute::optional(Type::Bool),
                    )
                    .attr("hostname_type", Attribute::optional(Type::String)),
            )
            .max_items(1),
        )
        .block(
            "tag_specifications",
            NestedBlock::list(
                Block::new()
                    .attr("resource_type", Attribute::optional(Type::String))
                    .attr("tags", Attribute::optional(Type::map(Type::String))),
            ),
        );
    tags::with_tags(block)
}

/// `"true"`/`"false"` arguments (hashicorp/aws keeps some as strings).
fn str_bool(v: &Value, name: &str) -> Option<bool> {
    match non_empty(v, name) {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    }
}

fn i32_of(v: &Value, name: &str) -> Option<i32> {
    int_attr(v, name)
        .and_then(|n| i32::try_from(n).ok())
        .filter(|n| *n > 0)
}

fn owned(v: &Value, name: &str) -> Option<String> {
    non_empty(v, name).map(str::to_string)
}

/// The template data of a configuration, as the API takes it.
fn request_data(v: &Value) -> RequestLaunchTemplateData {
    let mut d = RequestLaunchTemplateData::builder()
        .set_image_id(owned(v, "image_id"))
        .set_instance_type(non_empty(v, "instance_type").map(InstanceType::from))
        .set_key_name(owned(v, "key_name"))
        .set_user_data(owned(v, "user_data"))
        .set_ebs_optimized(str_bool(v, "ebs_optimized"))
        .set_disable_api_stop(bool_attr(v, "disable_api_stop"))
        .set_disable_api_termination(bool_attr(v, "disable_api_termination"))
        .set_instance_initiated_shutdown_behavior(
            non_empty(v, "instance_initiated_shutdown_behavior").map(ShutdownBehavior::from),
        )
        .set_kernel_id(owned(v, "kernel_id"))
        .set_ram_disk_id(owned(v, "ram_disk_id"));
    let ids = strings(v, "vpc_security_group_ids");
    if !ids.is_empty() {
        d = d.set_security_group_ids(Some(ids));
    }
    let names = strings(v, "security_group_names");
    if !names.is_empty() {
        d = d.set_security_groups(Some(names));
    }
    for t in blocks(v, "tag_specifications") {
        let tags: Vec<Tag> = crate::attrs::string_map(t, "tags")
            .into_iter()
            .map(|(k, x)| Tag::builder().key(k).value(x).build())
            .collect();
        d = d.tag_specifications(
            LaunchTemplateTagSpecificationRequest::builder()
                .set_resource_type(non_empty(t, "resource_type").map(ResourceType::from))
                .set_tags((!tags.is_empty()).then_some(tags))
                .build(),
        );
    }
    for b in blocks(v, "block_device_mappings") {
        let mut m = LaunchTemplateBlockDeviceMappingRequest::builder()
            .set_device_name(owned(b, "device_name"))
            .set_no_device(owned(b, "no_device"))
            .set_virtual_name(owned(b, "virtual_name"));
        if let Some(e) = blocks(b, "ebs").first() {
            m = m.ebs(
                LaunchTemplateEbsBlockDeviceRequest::builder()
                    .set_delete_on_termination(str_bool(e, "delete_on_termination"))
                    .set_encrypted(str_bool(e, "encrypted"))
                    .set_iops(i32_of(e, "iops"))
                    .set_kms_key_id(owned(e, "kms_key_id"))
                    .set_snapshot_id(owned(e, "snapshot_id"))
                    .set_throughput(i32_of(e, "throughput"))
                    .set_volume_size(i32_of(e, "volume_size"))
                    .set_volume_type(non_empty(e, "volume_type").map(VolumeType::from))
                    .build(),
            );
        }
        d = d.block_device_mappings(m.build());
    }
    for n in blocks(v, "network_interfaces") {
        let groups = strings(n, "security_groups");
        d = d.network_interfaces(
            LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
                .set_associate_public_ip_address(str_bool(n, "associate_public_ip_address"))
                .set_delete_on_termination(str_bool(n, "delete_on_termination"))
                .set_description(owned(n, "description"))
                .set_device_index(int_attr(n, "device_index").and_then(|x| i32::try_from(x).ok()))
                .set_network_interface_id(owned(n, "network_interface_id"))
                .set_private_ip_address(owned(n, "private_ip_address"))
                .set_subnet_id(owned(n, "subnet_id"))
                .set_groups((!groups.is_empty()).then_some(groups))
                .build(),
        );
    }
    if let Some(p) = blocks(v, "iam_instance_profile").first() {
        d = d.iam_instance_profile(
            LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                .set_arn(owned(p, "arn"))
                .set_name(owned(p, "name"))
                .build(),
        );
    }
    if let Some(m) = blocks(v, "monitoring").first() {
        d = d.monitoring(
            LaunchTemplatesMonitoringRequest::builder()
                .set_enabled(bool_attr(m, "enabled"))
                .build(),
        );
    }
    if let Some(o) = blocks(v, "metadata_options").first() {
        d = d.metadata_options(
            LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .set_http_endpoint(
                    non_empty(o, "http_endpoint")
                        .map(LaunchTemplateInstanceMetadataEndpointState::from),
                )
                .set_http_tokens(
                    non_empty(o, "http_tokens").map(LaunchTemplateHttpTokensState::from),
                )
                .set_http_put_response_hop_limit(i32_of(o, "http_put_response_hop_limit"))
                .set_instance_metadata_tags(
                    non_empty(o, "instance_metadata_tags")
                        .map(LaunchTemplateInstanceMetadataTagsState::from),
                )
                .build(),
        );
    }
    if let Some(p) = blocks(v, "placement").first() {
        d = d.placement(
            LaunchTemplatePlacementRequest::builder()
                .set_availability_zone(owned(p, "availability_zone"))
                .set_group_name(owned(p, "group_name"))
                .set_tenancy(non_empty(p, "tenancy").map(Tenancy::from))
                .set_host_id(owned(p, "host_id"))
                .set_affinity(owned(p, "affinity"))
                .set_partition_number(i32_of(p, "partition_number"))
                .build(),
        );
    }
    if let Some(c) = blocks(v, "credit_specification").first() {
        d = d.credit_specification(
            CreditSpecificationRequest::builder()
                .set_cpu_credits(owned(c, "cpu_credits"))
                .build(),
        );
    }
    d.build()
}

fn s(x: Option<&str>) -> Value {
    x.filter(|v| !v.is_empty())
        .map_or(Value::Null, Value::string)
}

fn sb(x: Option<bool>) -> Value {
    x.map_or(Value::Null, |b| {
        Value::string(if b { "true" } else { "false" })
    })
}

fn n(x: Option<i32>) -> Value {
    x.map_or(Value::Null, |v| Value::int(i64::from(v)))
}

/// The data arguments of the state, from the latest version. `prior`
/// gives the shape of values AWS leaves out (a computed attribute the
/// configuration did not set).
fn data_state(d: &ResponseLaunchTemplateData, prior: &Value, m: &mut BTreeMap<String, Value>) {
    m.insert("image_id".into(), s(d.image_id()));
    m.insert(
        "instance_type".into(),
        s(d.instance_type().map(|t| t.as_str())),
    );
    m.insert("key_name".into(), s(d.key_name()));
    m.insert("user_data".into(), s(d.user_data()));
    m.insert("ebs_optimized".into(), sb(d.ebs_optimized()));
    m.insert(
        "disable_api_stop".into(),
        d.disable_api_stop().map_or(Value::Null, Value::Bool),
    );
    m.insert(
        "disable_api_termination".into(),
        d.disable_api_termination().map_or(Value::Null, Value::Bool),
    );
    m.insert(
        "instance_initiated_shutdown_behavior".into(),
        s(d.instance_initiated_shutdown_behavior().map(|t| t.as_str())),
    );
    m.insert("kernel_id".into(), s(d.kernel_id()));
    m.insert("ram_disk_id".into(), s(d.ram_disk_id()));
    let set_of = |items: &[String]| {
        if items.is_empty() {
            Value::Null
        } else {
            Value::set(items.iter().map(Value::string).collect())
        }
    };
    m.insert(
        "vpc_security_group_ids".into(),
        set_of(d.security_group_ids()),
    );
    m.insert("security_group_names".into(), set_of(d.security_groups()));
    // A launch template's data tags instances, volumes, network interfaces
    // and spot requests only; moto also lists the template's own tags
    // (resource type `launch-template`) here, which AWS never does.
    let tag_specs: Vec<Value> = d
        .tag_specifications()
        .iter()
        .filter(|t| t.resource_type().map(|r| r.as_str()) != Some("launch-template"))
        .map(|t| {
            let tags: BTreeMap<String, Value> = t
                .tags()
                .iter()
                .filter_map(|x| {
                    Some((x.key()?.to_string(), Value::string(x.value().unwrap_or(""))))
                })
                .collect();
            Value::object([
                ("resource_type", s(t.resource_type().map(|r| r.as_str()))),
                (
                    "tags",
                    if tags.is_empty() {
                        Value::Null
                    } else {
                        Value::Map(tags)
                    },
                ),
            ])
        })
        .collect();
    m.insert("tag_specifications".into(), Value::List(tag_specs));
    let prior_bdm = blocks(prior, "block_device_mappings");
    let bdm: Vec<Value> = d
        .block_device_mappings()
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let prior_ebs = prior_bdm
                .get(i)
                .and_then(|p| blocks(p, "ebs").first().cloned());
            let computed = |name: &str, v: Value| match (&v, &prior_ebs) {
                (Value::Null, Some(p)) => crate::attrs::keep(p, name),
                _ => v,
            };
            let ebs: Vec<Value> = b
                .ebs()
                .map(|e| {
                    Value::object([
                        ("delete_on_termination", sb(e.delete_on_termination())),
                        ("encrypted", sb(e.encrypted())),
                        ("iops", computed("iops", n(e.iops()))),
                        ("kms_key_id", s(e.kms_key_id())),
                        ("snapshot_id", s(e.snapshot_id())),
                        ("throughput", computed("throughput", n(e.throughput()))),
                        (
                            "volume_initialization_rate",
                            computed(
                                "volume_initialization_rate",
                                n(e.volume_initialization_rate()),
                            ),
                        ),
                        ("volume_size", computed("volume_size", n(e.volume_size()))),
                        (
                            "volume_type",
                            computed("volume_type", s(e.volume_type().map(|t| t.as_str()))),
                        ),
                    ])
                })
                .into_iter()
                .collect();
            Value::object([
                ("device_name", s(b.device_name())),
                ("no_device", s(b.no_device())),
                ("virtual_name", s(b.virtual_name())),
                ("ebs", Value::List(ebs)),
            ])
        })
        .collect();
    m.insert("block_device_mappings".into(), Value::List(bdm));
    let nis: Vec<Value> = d
        .network_interfaces()
        .iter()
        .map(|x| {
            let groups = x.groups();
            let mut o = BTreeMap::new();
            for name in [
                "associate_carrier_ip_address",
                "interface_type",
                "ipv4_address_count",
                "ipv4_addresses",
                "ipv4_prefix_count",
                "ipv4_prefixes",
                "ipv6_address_count",
                "ipv6_addresses",
                "ipv6_prefix_count",
                "ipv6_prefixes",
                "network_card_index",
                "primary_ipv6",
            ] {
                o.insert(name.to_string(), Value::Null);
            }
            o.insert(
                "associate_public_ip_address".into(),
                sb(x.associate_public_ip_address()),
            );
            o.insert(
                "delete_on_termination".into(),
                sb(x.delete_on_termination()),
            );
            o.insert("description".into(), s(x.description()));
            o.insert("device_index".into(), n(x.device_index()));
            o.insert("network_interface_id".into(), s(x.network_interface_id()));
            o.insert("private_ip_address".into(), s(x.private_ip_address()));
            o.insert("subnet_id".into(), s(x.subnet_id()));
            o.insert(
                "security_groups".into(),
                if groups.is_empty() {
                    Value::Null
                } else {
                    Value::set(groups.iter().map(Value::string).collect())
                },
            );
            o.insert(
                "connection_tracking_specification".into(),
                Value::List(Vec::new()),
            );
            o.insert("ena_srd_specification".into(), Value::List(Vec::new()));
            Value::Object(o)
        })
        .collect();
    m.insert("network_interfaces".into(), Value::List(nis));
    let one = |v: Option<Value>| Value::List(v.into_iter().collect());
    m.insert(
        "iam_instance_profile".into(),
        one(d
            .iam_instance_profile()
            .map(|p| Value::object([("arn", s(p.arn())), ("name", s(p.name()))]))),
    );
    m.insert(
        "monitoring".into(),
        one(d
            .monitoring()
            .map(|x| Value::object([("enabled", x.enabled().map_or(Value::Null, Value::Bool))]))),
    );
    let prior_md = blocks(prior, "metadata_options").first().cloned();
    m.insert(
        "metadata_options".into(),
        one(d
            .metadata_options()
            .filter(|_| prior_md.is_some())
            .map(|o| {
                Value::object([
                    ("http_endpoint", s(o.http_endpoint().map(|x| x.as_str()))),
                    (
                        "http_protocol_ipv6",
                        s(o.http_protocol_ipv6().map(|x| x.as_str())),
                    ),
                    (
                        "http_put_response_hop_limit",
                        n(o.http_put_response_hop_limit()),
                    ),
                    ("http_tokens", s(o.http_tokens().map(|x| x.as_str()))),
                    (
                        "instance_metadata_tags",
                        s(o.instance_metadata_tags().map(|x| x.as_str())),
                    ),
                ])
            })),
    );
    m.insert(
        "placement".into(),
        one(d.placement().map(|p| {
            Value::object([
                ("affinity", s(p.affinity())),
                ("availability_zone", s(p.availability_zone())),
                ("group_name", s(p.group_name())),
                ("host_id", s(p.host_id())),
                ("host_resource_group_arn", s(p.host_resource_group_arn())),
                ("partition_number", n(p.partition_number())),
                ("spread_domain", s(p.spread_domain())),
                ("tenancy", s(p.tenancy().map(|t| t.as_str()))),
            ])
        })),
    );
    m.insert(
        "credit_specification".into(),
        one(d
            .credit_specification()
            .map(|c| Value::object([("cpu_credits", s(c.cpu_credits()))]))),
    );
}

fn state_from(
    cx: &Ctx<'_>,
    t: &LaunchTemplate,
    latest: Option<&LaunchTemplateVersion>,
    prior: &Value,
) -> Value {
    let id = t.launch_template_id().unwrap_or_default();
    let name = t.launch_template_name().unwrap_or_default();
    let mut m = BTreeMap::new();
    // The account is the one in CreatedBy (`arn:aws:iam::ACCOUNT:root`).
    let account = t
        .created_by()
        .and_then(|a| a.split(':').nth(4))
        .unwrap_or_default();
    m.insert(
        "arn".into(),
        Value::string(cx.arn(account, &format!("launch-template/{id}"))),
    );
    m.insert("id".into(), Value::string(id));
    m.insert("name".into(), Value::string(name));
    let prefix = match str_attr(prior, "name_prefix") {
        Some(p) if name.starts_with(p) => p.to_string(),
        _ => names::prefix_of(name).to_string(),
    };
    m.insert("name_prefix".into(), Value::string(prefix));
    m.insert(
        "default_version".into(),
        Value::int(t.default_version_number().unwrap_or(1)),
    );
    m.insert(
        "latest_version".into(),
        Value::int(t.latest_version_number().unwrap_or(1)),
    );
    m.insert(
        "description".into(),
        match latest.and_then(|v| v.version_description()) {
            Some(d) if !d.is_empty() => Value::string(d),
            _ => Value::Null,
        },
    );
    m.insert(
        "update_default_version".into(),
        crate::attrs::keep(prior, "update_default_version"),
    );
    if let Some(d) = latest.and_then(|v| v.launch_template_data()) {
        data_state(d, prior, &mut m);
    } else {
        for a in DATA_ATTRS {
            m.insert((*a).to_string(), crate::attrs::keep(prior, a));
        }
    }
    for b in UNHANDLED_BLOCKS {
        m.insert((*b).to_string(), Value::List(Vec::new()));
    }
    m.insert("license_specification".into(), Value::Set(Vec::new()));
    tags::set_state(cx.tags(), t.tags(), prior, &mut m);
    Value::Object(m)
}

/// Describes templates by id. DescribeLaunchTemplates has no id filter, and
/// a missing id fails the whole call: then the account's templates are
/// listed instead (still one paginated call).
async fn describe(cx: &Ctx<'_>, ids: &[String]) -> Result<HashMap<String, LaunchTemplate>, Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let mut by_id = true;
        let mut token = None;
        loop {
            let mut req = cx.ec2().describe_launch_templates().set_next_token(token);
            if by_id {
                req = req.set_launch_template_ids(Some(chunk.to_vec()));
            }
            let resp = match req.send().await.map_err(api("DescribeLaunchTemplates")) {
                Ok(r) => r,
                Err(e) if by_id && e.is_not_found() => {
                    by_id = false;
                    token = None;
                    continue;
                }
                Err(e) => return Err(e),
            };
            for t in resp.launch_templates() {
                if let Some(id) = t
                    .launch_template_id()
                    .filter(|id| chunk.iter().any(|c| c == id))
                {
                    out.insert(id.to_string(), t.clone());
                }
            }
            token = resp
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                break;
            }
        }
    }
    Ok(out)
}

/// The latest version of every template of the account: one paginated
/// DescribeLaunchTemplateVersions call (`$Latest`, no template named).
async fn latest_versions(cx: &Ctx<'_>) -> Result<HashMap<String, LaunchTemplateVersion>, Error> {
    let mut out = HashMap::new();
    let mut pages = cx
        .ec2()
        .describe_launch_template_versions()
        .versions("$Latest")
        .into_paginator()
        .page_size(200)
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("DescribeLaunchTemplateVersions"))?;
        for v in page.launch_template_versions() {
            if let Some(id) = v.launch_template_id() {
                out.insert(id.to_string(), v.clone());
            }
        }
    }
    Ok(out)
}

fn data_changed(prior: &Value, planned: &Value) -> bool {
    DATA_ATTRS
        .iter()
        .chain(["description"].iter())
        .any(|a| crate::attrs::changed(prior, planned, a))
}

#[async_trait]
impl Resource for LaunchTemplateResource {
    fn type_name(&self) -> &'static str {
        "aws_launch_template"
    }

    /// As hashicorp/aws 5.100 declares it.
    fn schema(&self) -> Schema {
        Schema::new(schema_block())
    }

    fn validate(&self, config: &Value) -> Vec<gitform_value::Diagnostic> {
        UNHANDLED_BLOCKS
            .iter()
            .chain(["license_specification"].iter())
            .filter(|b| !blocks(config, b).is_empty())
            .map(|b| {
                gitform_value::Diagnostic::error(
                    "Argument not supported yet",
                    format!("gitform's aws_launch_template does not handle \"{b}\" blocks yet; remove the block or manage this template with another tool."),
                )
                .with_attr_path(gitform_value::AttrPath::attr(*b))
            })
            .collect()
    }

    /// A data change makes a new version: `latest_version` (and with
    /// `update_default_version`, `default_version`) are known after apply.
    fn plan(&self, p: &mut Planning<'_>) {
        let Some(prior) = p.prior else {
            return;
        };
        if data_changed(prior, &p.planned) {
            p.set_unknown("latest_version");
            if bool_attr(&p.planned, "update_default_version") == Some(true) {
                p.set_unknown("default_version");
            }
        }
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let name = names::choose(
            non_empty(planned, "name"),
            non_empty(planned, "name_prefix"),
        );
        let resp = cx
            .ec2()
            .create_launch_template()
            .launch_template_name(&name)
            .set_version_description(owned(planned, "description"))
            .launch_template_data(request_data(planned))
            .set_tag_specifications(
                tags::specification(ResourceType::LaunchTemplate, planned).map(|t| vec![t]),
            )
            .send()
            .await
            .map_err(api("CreateLaunchTemplate"))?;
        resp.launch_template()
            .and_then(|t| t.launch_template_id())
            .map(str::to_string)
            .ok_or_else(|| Error::NotFound {
                what: "the id of the new launch template".to_string(),
            })
    }

    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        let ids = crate::resource::ids(priors);
        if ids.is_empty() {
            return Ok(priors.iter().map(|_| None).collect());
        }
        let found = describe(cx, &ids).await?;
        let versions = if found.is_empty() {
            HashMap::new()
        } else {
            latest_versions(cx).await?
        };
        Ok(crate::resource::by_id(priors, &found, |t, prior| {
            let latest = t.launch_template_id().and_then(|id| versions.get(id));
            state_from(cx, t, latest, prior)
        }))
    }

    /// A data change creates a version; the default moves to it with
    /// `update_default_version`, or to `default_version` when that changes.
    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        let id = crate::attrs::id(prior)?.to_string();
        let mut new_default = None;
        if data_changed(prior, planned) {
            let resp = cx
                .ec2()
                .create_launch_template_version()
                .launch_template_id(&id)
                .set_version_description(owned(planned, "description"))
                .launch_template_data(request_data(planned))
                .send()
                .await
                .map_err(api("CreateLaunchTemplateVersion"))?;
            let version = resp
                .launch_template_version()
                .and_then(|v| v.version_number());
            if bool_attr(planned, "update_default_version") == Some(true) {
                new_default = version;
            }
        }
        if new_default.is_none() && crate::attrs::changed(prior, planned, "default_version") {
            new_default = int_attr(planned, "default_version");
        }
        if let Some(v) = new_default {
            cx.ec2()
                .modify_launch_template()
                .launch_template_id(&id)
                .default_version(v.to_string())
                .send()
                .await
                .map_err(api("ModifyLaunchTemplate"))?;
        }
        tags::update(cx.session, &id, prior, planned).await
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let id = crate::attrs::id(prior)?;
        cx.ec2()
            .delete_launch_template()
            .launch_template_id(id)
            .send()
            .await
            .map_err(api("DeleteLaunchTemplate"))?;
        Ok(())
    }

    async fn import(&self, _cx: &Ctx<'_>, id: &str) -> Result<Value, Error> {
        if !id.starts_with("lt-") {
            return Err(Error::invalid(
                "",
                "Invalid import id",
                format!("\"{id}\" is not a launch template id: import aws_launch_template by its id (lt-0123456789abcdef0)."),
            ));
        }
        let mut v = crate::resource::full_schema(self).block.null_object();
        set_attr(&mut v, "id", Value::string(id));
        Ok(v)
    }
}
