//! Helpers shared by the `cli_*` integration tests: running the real binary
//! and building state databases through gitform-state.
#![allow(dead_code)] // each test file uses a different subset

use assert_cmd::Command;
use gitform_state::{
    LockRequest, OutputRecord, ResourceMode, ResourceRecord, SqliteStore, StateStore, VersionMeta,
    VersionStatus,
};
use std::path::{Path, PathBuf};

/// The output of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `gitform args...` in `dir` with `stdin`, without colours and with a
/// fixed user and host for lock holders.
pub fn gitform(dir: &Path, args: &[&str], stdin: &str) -> Run {
    let out = Command::cargo_bin("gitform")
        .expect("binary")
        .current_dir(dir)
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("GITFORM_LOG")
        .env_remove("TF_LOG")
        .env("USER", "tester")
        .write_stdin(stdin.as_bytes().to_vec())
        .output()
        .expect("run gitform");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A fixture directory under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Copies a fixture directory into a fresh temporary directory.
pub fn fixture_copy(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture(name), tmp.path());
    tmp
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The state database of a working directory (created if needed).
pub fn open_state(dir: &Path) -> SqliteStore {
    SqliteStore::open(&dir.join(".gitform/state.db")).expect("open state")
}

/// A managed (or `data.`) resource record with tagged-JSON attributes.
pub fn record(address: &str, type_name: &str, attributes: serde_json::Value) -> ResourceRecord {
    ResourceRecord {
        address: address.to_string(),
        mode: if address.starts_with("data.") || address.contains(".data.") {
            ResourceMode::Data
        } else {
            ResourceMode::Managed
        },
        resource_type: type_name.to_string(),
        provider: "provider[\"registry.terraform.io/hashicorp/aws\"]".to_string(),
        schema_version: 0,
        attributes,
        sensitive_paths: serde_json::json!([]),
        dependencies: Vec::new(),
        tainted: false,
        create_before_destroy: false,
        updated_serial: 0,
    }
}

/// Writes one complete version with these resources and outputs.
pub fn write_version(
    store: &SqliteStore,
    operation: &str,
    resources: &[ResourceRecord],
    outputs: Option<Vec<OutputRecord>>,
) {
    let v = store
        .begin_version(VersionMeta {
            author: "alice@laptop".to_string(),
            operation: operation.to_string(),
            git: None,
        })
        .expect("begin");
    for r in resources {
        store.put_resource(v.serial, r).expect("put");
    }
    if let Some(outputs) = outputs {
        store.set_outputs(v.serial, outputs).expect("outputs");
    }
    store
        .finish_version(
            v.serial,
            VersionStatus::Complete,
            Some(&format!("{} resources", resources.len())),
        )
        .expect("finish");
}

/// A working directory whose state holds a small AWS-like network:
/// a VPC, two counted subnets, a for_each bucket, a data source, a
/// resource in a module, and outputs.
pub fn network_state() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open_state(tmp.path());
    let resources = vec![
        record(
            "aws_vpc.main",
            "aws_vpc",
            serde_json::json!({
                "id": "vpc-0abc",
                "cidr_block": "10.0.0.0/16",
                "enable_dns_support": true,
                "tags": {"$t": "map", "v": {"Name": "main", "Owner Team": "net"}},
                "ipv6_cidr_block": null,
                "policy": "{\"Version\":\"2012-10-17\",\"Statement\":[]}",
                "user_data": "#!/bin/sh\necho hi\n",
                "secret": {"$t": "sensitive", "v": "hunter2"},
                "ports": {"$t": "list", "v": [80, 443]},
                "empty": {"$t": "set", "v": []}
            }),
        ),
        record(
            "aws_subnet.private[0]",
            "aws_subnet",
            serde_json::json!({"id": "subnet-0", "vpc_id": "vpc-0abc"}),
        ),
        record(
            "aws_subnet.private[1]",
            "aws_subnet",
            serde_json::json!({"id": "subnet-1", "vpc_id": "vpc-0abc"}),
        ),
        record(
            "aws_subnet.private[10]",
            "aws_subnet",
            serde_json::json!({"id": "subnet-10", "vpc_id": "vpc-0abc"}),
        ),
        record(
            "aws_s3_bucket.logs[\"eu\"]",
            "aws_s3_bucket",
            serde_json::json!({"id": "logs-eu", "bucket": "logs-eu"}),
        ),
        record(
            "data.aws_region.current",
            "aws_region",
            serde_json::json!({"id": "eu-west-1", "name": "eu-west-1"}),
        ),
        record(
            "module.dns.aws_route53_zone.this",
            "aws_route53_zone",
            serde_json::json!({"id": "Z123", "name": "example.com"}),
        ),
    ];
    let outputs = vec![
        OutputRecord {
            name: "vpc_id".into(),
            value: serde_json::json!("vpc-0abc"),
            sensitive: false,
        },
        OutputRecord {
            name: "db_password".into(),
            value: serde_json::json!("s3cret"),
            sensitive: true,
        },
        OutputRecord {
            name: "subnets".into(),
            value: serde_json::json!({"$t": "list", "v": ["subnet-0", "subnet-1"]}),
            sensitive: false,
        },
        OutputRecord {
            name: "config".into(),
            value: serde_json::json!({"a": [1, "two"], "b": null, "c d": {"$t": "map", "v": {"x": "<1>"}}}),
            sensitive: false,
        },
        OutputRecord {
            name: "count".into(),
            value: serde_json::json!(3),
            sensitive: false,
        },
        OutputRecord {
            name: "enabled".into(),
            value: serde_json::json!(true),
            sensitive: false,
        },
        OutputRecord {
            name: "motd".into(),
            value: serde_json::json!("hello\nworld\n"),
            sensitive: false,
        },
    ];
    write_version(&store, "apply", &resources, Some(outputs));
    tmp
}

/// Takes the state lock as another user on another host would.
pub fn hold_lock(dir: &Path, operation: &str) -> String {
    let store = open_state(dir);
    store
        .acquire_lock(LockRequest {
            operation: operation.to_string(),
            holder: "bob@buildbox".to_string(),
            host: "buildbox".to_string(),
            pid: 4242,
            ttl_secs: 3600,
        })
        .expect("lock")
        .info
        .id
}

/// Replaces what varies between runs (times, lock ids) for snapshots.
pub fn scrub(text: &str) -> String {
    let time = regex::Regex::new(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?").expect("regex");
    let uuid = regex::Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
        .expect("regex");
    let text = time.replace_all(text, "[TIME]");
    uuid.replace_all(&text, "[LOCK_ID]").into_owned()
}
