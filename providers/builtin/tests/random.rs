mod harness;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use gitform_value::{Type, Value};
use harness::{s, Harness};
use std::collections::BTreeMap;

/// Arguments of a configuration, as (name, value) pairs.
type Args = Vec<(&'static str, Value)>;

fn keepers(v: &str) -> Value {
    Value::Map(BTreeMap::from([("k".to_string(), Value::from(v))]))
}

#[tokio::test]
async fn random_id_encodings_agree() {
    let h = Harness::new("random_id");
    for (byte_length, prefix) in [(1, None), (8, Some("p-")), (32, None)] {
        let mut pairs = vec![("byte_length", Value::int(byte_length))];
        if let Some(p) = prefix {
            pairs.push(("prefix", Value::from(p)));
        }
        let state = h.create(&h.config(&pairs)).await;
        let prefix = prefix.unwrap_or("");
        let bytes = URL_SAFE_NO_PAD.decode(s(&state, "id")).expect("b64url id");
        assert_eq!(bytes.len() as i64, byte_length);
        assert_eq!(s(&state, "b64_url"), format!("{prefix}{}", s(&state, "id")));
        assert_eq!(
            s(&state, "b64_std"),
            format!("{prefix}{}", STANDARD.encode(&bytes))
        );
        assert_eq!(s(&state, "hex"), format!("{prefix}{}", hex::encode(&bytes)));
        let dec = s(&state, "dec").strip_prefix(prefix).expect("prefix");
        if byte_length <= 8 {
            let mut n: u64 = 0;
            for b in &bytes {
                n = n * 256 + u64::from(*b);
            }
            assert_eq!(dec, n.to_string());
        }
    }
}

#[tokio::test]
async fn random_id_import() {
    let h = Harness::new("random_id");
    let resp = h.import("my-,AQID").await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let state = &resp.imported[0].state;
    assert_eq!(s(state, "id"), "AQID");
    assert_eq!(s(state, "hex"), "my-010203");
    assert_eq!(s(state, "dec"), "my-66051");
    assert_eq!(s(state, "prefix"), "my-");
    assert_eq!(state.get_attr("byte_length"), Some(&Value::int(3)));
    assert!(!h.import("not base64!").await.diagnostics.is_empty());
}

#[tokio::test]
async fn validation_errors() {
    let cases: Vec<(&str, Args, &str)> = vec![
        (
            "random_id",
            vec![("byte_length", Value::int(0))],
            "Attribute byte_length value must be at least 1, got: 0",
        ),
        (
            "random_string",
            vec![("length", Value::int(0))],
            "Attribute length value must be at least 1, got: 0",
        ),
        (
            "random_string",
            vec![
                ("length", Value::int(3)),
                ("min_upper", Value::int(2)),
                ("min_numeric", Value::int(2)),
            ],
            "at least sum of min_upper + min_lower + min_numeric + min_special (4), got: 3",
        ),
        (
            "random_password",
            vec![("length", Value::int(4)), ("min_lower", Value::int(-1))],
            "value must be at least 0",
        ),
        (
            "random_integer",
            vec![("min", Value::int(5)), ("max", Value::int(1))],
            "smaller than or equal to maximum",
        ),
        (
            "random_pet",
            vec![("length", Value::int(0))],
            "Attribute length value must be at least 1",
        ),
        (
            "random_string",
            vec![],
            "The argument \"length\" is required",
        ),
    ];
    for (type_name, pairs, want) in cases {
        let h = Harness::new(type_name);
        let errors = h.validate(&h.config(&pairs)).await;
        assert!(
            errors.iter().any(|e| e.contains(want)),
            "{type_name} {pairs:?}: {errors:?}"
        );
    }
    // Unknown values pass validation.
    let h = Harness::new("random_string");
    let errors = h
        .validate(&h.config(&[
            ("length", Value::Unknown(Type::Number)),
            ("min_upper", Value::int(9)),
        ]))
        .await;
    assert_eq!(errors, Vec::<String>::new());
}

const SPECIAL: &str = "!@#$%&*()-_=+[]{}<>:?";

fn count(s: &str, f: impl Fn(char) -> bool) -> usize {
    s.chars().filter(|c| f(*c)).count()
}

#[tokio::test]
async fn random_string_shapes() {
    struct Case {
        args: Vec<(&'static str, Value)>,
        length: usize,
        check: fn(&str) -> bool,
    }
    let cases = vec![
        Case {
            args: vec![("length", Value::int(16))],
            length: 16,
            check: |r| {
                r.chars()
                    .all(|c| c.is_ascii_alphanumeric() || SPECIAL.contains(c))
            },
        },
        Case {
            args: vec![("length", Value::int(40)), ("special", Value::Bool(false))],
            length: 40,
            check: |r| r.chars().all(|c| c.is_ascii_alphanumeric()),
        },
        Case {
            args: vec![
                ("length", Value::int(30)),
                ("upper", Value::Bool(false)),
                ("special", Value::Bool(false)),
                ("numeric", Value::Bool(false)),
            ],
            length: 30,
            check: |r| r.chars().all(|c| c.is_ascii_lowercase()),
        },
        Case {
            args: vec![
                ("length", Value::int(30)),
                ("number", Value::Bool(false)),
                ("special", Value::Bool(false)),
            ],
            length: 30,
            check: |r| r.chars().all(|c| c.is_ascii_alphabetic()),
        },
        Case {
            args: vec![
                ("length", Value::int(12)),
                ("min_upper", Value::int(3)),
                ("min_lower", Value::int(3)),
                ("min_numeric", Value::int(3)),
                ("min_special", Value::int(3)),
            ],
            length: 12,
            check: |r| {
                count(r, |c| c.is_ascii_uppercase()) >= 3
                    && count(r, |c| c.is_ascii_lowercase()) >= 3
                    && count(r, |c| c.is_ascii_digit()) >= 3
                    && count(r, |c| SPECIAL.contains(c)) >= 3
            },
        },
        Case {
            args: vec![
                ("length", Value::int(20)),
                ("upper", Value::Bool(false)),
                ("lower", Value::Bool(false)),
                ("numeric", Value::Bool(false)),
                ("override_special", Value::from("é_")),
            ],
            length: 20,
            check: |r| r.chars().all(|c| c == 'é' || c == '_'),
        },
        Case {
            // A minimum applies even when its class is otherwise disabled.
            args: vec![
                ("length", Value::int(10)),
                ("numeric", Value::Bool(false)),
                ("min_numeric", Value::int(4)),
            ],
            length: 10,
            check: |r| count(r, |c| c.is_ascii_digit()) == 4,
        },
    ];
    let h = Harness::new("random_string");
    for case in cases {
        for _ in 0..5 {
            let state = h.create(&h.config(&case.args)).await;
            let result = s(&state, "result");
            assert_eq!(result.chars().count(), case.length, "{:?}", case.args);
            assert!((case.check)(result), "{:?}: {result}", case.args);
            assert_eq!(s(&state, "id"), result);
        }
    }
}

#[tokio::test]
async fn random_string_defaults_in_plan_and_numeric_sync() {
    let h = Harness::new("random_string");
    let plan = h
        .plan(
            None,
            &h.config(&[("length", Value::int(8)), ("number", Value::Bool(false))]),
        )
        .await;
    let planned = plan.planned_state.expect("planned");
    for (name, want) in [
        ("special", Value::Bool(true)),
        ("upper", Value::Bool(true)),
        ("numeric", Value::Bool(false)),
        ("number", Value::Bool(false)),
        ("min_special", Value::int(0)),
        ("result", Value::Unknown(Type::String)),
    ] {
        assert_eq!(planned.get_attr(name), Some(&want), "{name}");
    }
}

#[tokio::test]
async fn random_string_keepers_force_replacement() {
    let h = Harness::new("random_string");
    let config = h.config(&[("length", Value::int(12)), ("keepers", keepers("a"))]);
    let state = h.create(&config).await;
    let same = h.plan(Some(&state), &config).await;
    assert!(same.requires_replace.is_empty());
    assert_eq!(same.planned_state, Some(state.clone()));
    let (new, plan) = h
        .update(
            &state,
            &h.config(&[("length", Value::int(12)), ("keepers", keepers("b"))]),
        )
        .await;
    assert_eq!(
        plan.requires_replace
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>(),
        ["keepers"]
    );
    assert_ne!(s(&new, "result"), s(&state, "result"));
    let (_, plan) = h
        .update(
            &new,
            &h.config(&[("length", Value::int(13)), ("keepers", keepers("b"))]),
        )
        .await;
    assert_eq!(
        plan.requires_replace
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>(),
        ["length"]
    );
}

#[tokio::test]
async fn random_password_is_sensitive_and_hashed() {
    let h = Harness::new("random_password");
    assert!(h.schema.block.attributes["result"].sensitive);
    assert!(h.schema.block.attributes["bcrypt_hash"].sensitive);
    let state = h.create(&h.config(&[("length", Value::int(20))])).await;
    assert_eq!(s(&state, "id"), "none");
    let result = s(&state, "result");
    assert_eq!(result.len(), 20);
    let hash = s(&state, "bcrypt_hash");
    assert!(hash.starts_with("$2a$10$"), "{hash}");
    assert!(bcrypt::verify(result, hash).expect("verify"));
    let imported = h.import("hunter2").await;
    let st = &imported.imported[0].state;
    assert_eq!((s(st, "result"), s(st, "id")), ("hunter2", "none"));
    assert_eq!(st.get_attr("length"), Some(&Value::int(7)));
}

#[tokio::test]
async fn random_string_import() {
    let h = Harness::new("random_string");
    let resp = h.import("abc-123").await;
    let st = &resp.imported[0].state;
    assert_eq!((s(st, "result"), s(st, "id")), ("abc-123", "abc-123"));
    assert_eq!(st.get_attr("length"), Some(&Value::int(7)));
    assert_eq!(st.get_attr("special"), Some(&Value::Bool(true)));
    // An imported string plans as no change against a matching configuration.
    let plan = h
        .plan(Some(st), &h.config(&[("length", Value::int(7))]))
        .await;
    assert!(
        plan.requires_replace.is_empty(),
        "{:?}",
        plan.requires_replace
    );
}

#[tokio::test]
async fn random_integer_range_seed_and_import() {
    let h = Harness::new("random_integer");
    for _ in 0..20 {
        let state = h
            .create(&h.config(&[("min", Value::int(-3)), ("max", Value::int(3))]))
            .await;
        let n = state
            .get_attr("result")
            .and_then(Value::as_number)
            .and_then(|n| n.to_i64())
            .expect("integer");
        assert!((-3..=3).contains(&n));
        assert_eq!(s(&state, "id"), n.to_string());
    }
    let seeded = h.config(&[
        ("min", Value::int(1)),
        ("max", Value::int(1_000_000)),
        ("seed", Value::from("abc")),
    ]);
    let a = h.create(&seeded).await;
    let b = h.create(&seeded).await;
    assert_eq!(a.get_attr("result"), b.get_attr("result"));
    let single = h
        .create(&h.config(&[("min", Value::int(7)), ("max", Value::int(7))]))
        .await;
    assert_eq!(single.get_attr("result"), Some(&Value::int(7)));

    let resp = h.import("15390,1,50000").await;
    let st = &resp.imported[0].state;
    assert_eq!(st.get_attr("result"), Some(&Value::int(15390)));
    assert_eq!(st.get_attr("max"), Some(&Value::int(50000)));
    assert_eq!(s(st, "id"), "15390");
    let resp = h.import("5,1,9,myseed").await;
    assert_eq!(s(&resp.imported[0].state, "seed"), "myseed");
    assert!(!h.import("1,2").await.diagnostics.is_empty());
}

#[tokio::test]
async fn random_pet_shapes() {
    let h = Harness::new("random_pet");
    let plan = h
        .plan(None, &h.config(&[]))
        .await
        .planned_state
        .expect("planned");
    assert_eq!(plan.get_attr("length"), Some(&Value::int(2)));
    assert_eq!(plan.get_attr("separator"), Some(&Value::from("-")));
    let cases: Vec<(Args, &str, usize, &str)> = vec![
        (vec![], "-", 2, ""),
        (vec![("length", Value::int(1))], "-", 1, ""),
        (
            vec![("length", Value::int(4)), ("separator", Value::from("_"))],
            "_",
            4,
            "",
        ),
        (
            vec![
                ("prefix", Value::from("dev")),
                ("separator", Value::from(".")),
            ],
            ".",
            3,
            "dev.",
        ),
    ];
    for (args, sep, words, prefix) in cases {
        let state = h.create(&h.config(&args)).await;
        let id = s(&state, "id");
        assert!(id.starts_with(prefix), "{id}");
        assert_eq!(id.split(sep).count(), words, "{id}");
        assert!(id.split(sep).all(|w| !w.is_empty()));
    }
    assert!(!h.import("x").await.diagnostics.is_empty());
}

#[tokio::test]
async fn random_uuid_and_read_returns_state() {
    let h = Harness::new("random_uuid");
    let state = h.create(&h.config(&[])).await;
    let parsed = uuid::Uuid::parse_str(s(&state, "result")).expect("uuid");
    assert_eq!(parsed.get_version_num(), 4);
    assert_eq!(h.read(&state).await.new_state, Some(state.clone()));
    assert_eq!(h.delete(&state).await.new_state, None);
}
