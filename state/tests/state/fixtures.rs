//! Builders shared by the tests.

use gitform_state::{
    ResourceMode, ResourceRecord, SqliteStore, StateStore, VersionMeta, VersionStatus,
};
use serde_json::json;

pub fn memory_store() -> SqliteStore {
    SqliteStore::open_in_memory().expect("in-memory store")
}

/// A managed (or, for `data.` addresses, data) record with `attrs` as attributes.
pub fn record(address: &str, attrs: serde_json::Value) -> ResourceRecord {
    let (mode, rest) = match address.strip_prefix("data.") {
        Some(rest) => (ResourceMode::Data, rest),
        None => (ResourceMode::Managed, address),
    };
    let resource_type = rest.split('.').next().unwrap_or_default().to_owned();
    ResourceRecord {
        address: address.to_owned(),
        mode,
        provider: format!(
            "provider[\"registry.terraform.io/hashicorp/{}\"]",
            resource_type.split('_').next().unwrap_or_default()
        ),
        resource_type,
        schema_version: 0,
        attributes: attrs,
        sensitive_paths: json!([]),
        dependencies: Vec::new(),
        tainted: false,
        create_before_destroy: false,
        updated_serial: 0,
    }
}

pub fn meta(operation: &str) -> VersionMeta {
    VersionMeta {
        author: "alice@host".to_owned(),
        operation: operation.to_owned(),
        git: None,
    }
}

/// Runs `body` inside a new version that is then completed; returns its serial.
pub fn in_version(store: &dyn StateStore, body: impl FnOnce(u64)) -> u64 {
    let serial = store.begin_version(meta("apply")).expect("begin").serial;
    body(serial);
    store
        .finish_version(serial, VersionStatus::Complete, Some("ok"))
        .expect("finish");
    serial
}

/// Addresses of `records`, in order.
pub fn addresses(records: &[ResourceRecord]) -> Vec<&str> {
    records.iter().map(|r| r.address.as_str()).collect()
}
