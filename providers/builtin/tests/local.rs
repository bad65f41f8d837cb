mod harness;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gitform_provider::{ConfigKind, Provider, ReadDataRequest, ValidateConfigRequest};
use gitform_value::{Type, Value};
use harness::{errors, s, Harness};
use sha1::Digest;

fn path_value(p: &std::path::Path) -> Value {
    Value::from(p.to_string_lossy().into_owned())
}

#[tokio::test]
async fn create_writes_file_with_checksums() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a/b/out.txt");
    let h = Harness::new("local_file");
    let config = h.config(&[
        ("filename", path_value(&file)),
        ("content", Value::from("hello\n")),
    ]);
    let plan = h.plan(None, &config).await.planned_state.expect("planned");
    assert_eq!(plan.get_attr("id"), Some(&Value::Unknown(Type::String)));
    assert_eq!(plan.get_attr("file_permission"), Some(&Value::from("0777")));
    let state = h.create(&config).await;
    assert_eq!(std::fs::read_to_string(&file).expect("file"), "hello\n");
    let content = b"hello\n";
    let want = [
        ("id", hex::encode(sha1::Sha1::digest(content))),
        ("content_sha1", hex::encode(sha1::Sha1::digest(content))),
        ("content_md5", hex::encode(md5::Md5::digest(content))),
        ("content_sha256", hex::encode(sha2::Sha256::digest(content))),
        (
            "content_base64sha256",
            STANDARD.encode(sha2::Sha256::digest(content)),
        ),
        ("content_sha512", hex::encode(sha2::Sha512::digest(content))),
        (
            "content_base64sha512",
            STANDARD.encode(sha2::Sha512::digest(content)),
        ),
    ];
    for (name, value) in want {
        assert_eq!(s(&state, name), value, "{name}");
    }
    assert_eq!(s(&state, "content_md5"), "b1946ac92492d2347c6235b4d2611184");
    assert_eq!(h.read(&state).await.new_state, Some(state.clone()));
}

#[tokio::test]
async fn content_sources() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = dir.path().join("src.bin");
    std::fs::write(&source, [0u8, 159, 146, 150]).expect("write source");
    let cases: Vec<(&str, Value, Vec<u8>)> = vec![
        ("content", Value::from("text"), b"text".to_vec()),
        (
            "sensitive_content",
            Value::from("secret"),
            b"secret".to_vec(),
        ),
        (
            "content_base64",
            Value::from(STANDARD.encode([1u8, 2, 255])),
            vec![1, 2, 255],
        ),
        ("source", path_value(&source), vec![0, 159, 146, 150]),
    ];
    let h = Harness::new("local_file");
    for (i, (arg, value, want)) in cases.into_iter().enumerate() {
        let file = dir.path().join(format!("out{i}"));
        let state = h
            .create(&h.config(&[("filename", path_value(&file)), (arg, value)]))
            .await;
        assert_eq!(std::fs::read(&file).expect("file"), want, "{arg}");
        assert_eq!(
            s(&state, "id"),
            hex::encode(sha1::Sha1::digest(&want)),
            "{arg}"
        );
    }
}

#[tokio::test]
async fn exactly_one_content_source() {
    let h = Harness::new("local_file");
    let cases: Vec<(Vec<(&str, Value)>, bool)> = vec![
        (vec![("content", Value::from("a"))], true),
        (vec![], false),
        (
            vec![("content", Value::from("a")), ("source", Value::from("x"))],
            false,
        ),
        (vec![("content", Value::Unknown(Type::String))], true),
        (
            vec![
                ("content", Value::from("a")),
                ("file_permission", Value::from("0644")),
            ],
            true,
        ),
        (
            vec![
                ("content", Value::from("a")),
                ("file_permission", Value::from("rw-")),
            ],
            false,
        ),
        (
            vec![
                ("content", Value::from("a")),
                ("directory_permission", Value::from("0999")),
            ],
            false,
        ),
    ];
    for (args, ok) in cases {
        let mut pairs = vec![("filename", Value::from("f"))];
        pairs.extend(args.iter().cloned());
        let errors = h.validate(&h.config(&pairs)).await;
        assert_eq!(errors.is_empty(), ok, "{args:?}: {errors:?}");
    }
    let errs = h
        .validate(&h.config(&[("filename", Value::from("f"))]))
        .await;
    assert!(
        errs[0].contains("Exactly one of these attributes must be configured"),
        "{errs:?}"
    );
}

#[tokio::test]
async fn drift_when_deleted_or_changed_by_hand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("drift.txt");
    let h = Harness::new("local_file");
    let config = h.config(&[
        ("filename", path_value(&file)),
        ("content", Value::from("v1")),
    ]);
    let state = h.create(&config).await;

    std::fs::write(&file, "edited").expect("edit");
    assert_eq!(
        h.read(&state).await.new_state,
        None,
        "changed content is drift"
    );

    std::fs::remove_file(&file).expect("remove");
    let read = h.read(&state).await;
    assert_eq!(read.new_state, None, "missing file is gone");
    assert!(read.diagnostics.is_empty());

    // The next plan creates it again.
    let again = h.create(&config).await;
    assert_eq!(std::fs::read_to_string(&file).expect("file"), "v1");
    assert_eq!(s(&again, "id"), s(&state, "id"));
}

#[tokio::test]
async fn changing_content_replaces_and_delete_removes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("f.txt");
    let h = Harness::new("local_file");
    let state = h
        .create(&h.config(&[
            ("filename", path_value(&file)),
            ("content", Value::from("v1")),
        ]))
        .await;
    let (new, plan) = h
        .update(
            &state,
            &h.config(&[
                ("filename", path_value(&file)),
                ("content", Value::from("v2")),
            ]),
        )
        .await;
    assert_eq!(
        plan.requires_replace
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>(),
        ["content"]
    );
    assert_eq!(std::fs::read_to_string(&file).expect("file"), "v2");
    let resp = h.delete(&new).await;
    assert!(resp.diagnostics.is_empty() && resp.new_state.is_none());
    assert!(!file.exists());
    // Deleting again (file already gone) is fine.
    let resp = h.delete(&new).await;
    assert!(resp.diagnostics.is_empty());
}

#[cfg(unix)]
#[tokio::test]
async fn permissions_before_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sub/secret.txt");
    let h = Harness::new("local_sensitive_file");
    assert!(h.schema.block.attributes["content"].sensitive);
    let config = h.config(&[
        ("filename", path_value(&file)),
        ("content", Value::from("pw")),
        ("file_permission", Value::from("0600")),
        ("directory_permission", Value::from("0700")),
    ]);
    h.create(&config).await;
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&dir.path().join("sub")), 0o700);

    // The default for local_sensitive_file is 0700 (owner bits survive any usual umask).
    let other = dir.path().join("default.txt");
    let state = h
        .create(&h.config(&[
            ("filename", path_value(&other)),
            ("content", Value::from("x")),
        ]))
        .await;
    assert_eq!(s(&state, "file_permission"), "0700");
    assert_eq!(mode(&other) & 0o700, 0o700);
    assert_eq!(mode(&other) & 0o077, 0);
}

#[tokio::test]
async fn data_source_reads_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("in.txt");
    std::fs::write(&file, "data!").expect("write");
    let provider = gitform_builtin::LocalProvider;
    let schema = provider
        .schema()
        .data_source("local_file")
        .expect("schema")
        .clone();
    let Value::Object(mut config) = schema.block.null_object() else {
        unreachable!()
    };
    config.insert("filename".into(), path_value(&file));
    let config = Value::Object(config);
    let valid = provider
        .validate_config(ValidateConfigRequest {
            kind: ConfigKind::DataSource,
            type_name: "local_file".into(),
            config: config.clone(),
        })
        .await;
    assert!(valid.diagnostics.is_empty());
    let resp = provider
        .read_data(ReadDataRequest {
            type_name: "local_file".into(),
            config: config.clone(),
        })
        .await;
    assert_eq!(errors(&resp.diagnostics), Vec::<String>::new());
    assert_eq!(s(&resp.state, "content"), "data!");
    assert_eq!(s(&resp.state, "content_base64"), STANDARD.encode("data!"));
    assert_eq!(
        s(&resp.state, "id"),
        hex::encode(sha1::Sha1::digest(b"data!"))
    );

    let missing = dir.path().join("nope.txt");
    let Value::Object(mut config) = config else {
        unreachable!()
    };
    config.insert("filename".into(), path_value(&missing));
    let resp = provider
        .read_data(ReadDataRequest {
            type_name: "local_sensitive_file".into(),
            config: Value::Object(config),
        })
        .await;
    assert_eq!(resp.state, Value::Null);
    let errs = errors(&resp.diagnostics);
    assert!(
        errs.len() == 1 && errs[0].contains(&missing.to_string_lossy().into_owned()),
        "{errs:?}"
    );
}
