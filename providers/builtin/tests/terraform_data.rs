mod harness;

use gitform_value::{Type, Value};
use harness::{s, Harness};

#[tokio::test]
async fn create_mirrors_input_and_sets_uuid() {
    let h = Harness::new("terraform_data");
    let config = h.config(&[("input", Value::from("x"))]);
    let plan = h.plan(None, &config).await;
    let planned = plan.planned_state.expect("planned");
    assert_eq!(
        planned.get_attr("output"),
        Some(&Value::Unknown(Type::String))
    );
    assert_eq!(planned.get_attr("id"), Some(&Value::Unknown(Type::String)));
    let state = h.create(&config).await;
    assert_eq!(state.get_attr("output"), Some(&Value::from("x")));
    assert!(uuid::Uuid::parse_str(s(&state, "id")).is_ok());
}

#[tokio::test]
async fn null_input_plans_null_output() {
    let h = Harness::new("terraform_data");
    let plan = h.plan(None, &h.config(&[])).await;
    assert_eq!(
        plan.planned_state.expect("planned").get_attr("output"),
        Some(&Value::Null)
    );
}

#[tokio::test]
async fn changes() {
    struct Case {
        name: &'static str,
        input: Value,
        triggers: Value,
        replace: bool,
        output_unknown: bool,
    }
    let cases = [
        Case {
            name: "no change",
            input: Value::from("x"),
            triggers: Value::from("t1"),
            replace: false,
            output_unknown: false,
        },
        Case {
            name: "sensitive input, same value",
            input: Value::from("x").sensitive(),
            triggers: Value::from("t1"),
            replace: false,
            output_unknown: false,
        },
        Case {
            name: "input change updates in place",
            input: Value::from("y"),
            triggers: Value::from("t1"),
            replace: false,
            output_unknown: true,
        },
        Case {
            name: "trigger change replaces",
            input: Value::from("x"),
            triggers: Value::from("t2"),
            replace: true,
            output_unknown: true,
        },
        Case {
            name: "unknown trigger replaces",
            input: Value::from("x"),
            triggers: Value::unknown(),
            replace: true,
            output_unknown: true,
        },
        Case {
            name: "trigger removed replaces",
            input: Value::from("x"),
            triggers: Value::Null,
            replace: true,
            output_unknown: true,
        },
    ];
    let h = Harness::new("terraform_data");
    let state = h
        .create(&h.config(&[
            ("input", Value::from("x")),
            ("triggers_replace", Value::from("t1")),
        ]))
        .await;
    for case in cases {
        let config = h.config(&[
            ("input", case.input.clone()),
            ("triggers_replace", case.triggers.clone()),
        ]);
        let plan = h.plan(Some(&state), &config).await;
        let planned = plan.planned_state.expect("planned");
        let replace: Vec<String> = plan
            .requires_replace
            .iter()
            .map(|p| p.to_string())
            .collect();
        let want: Vec<String> = if case.replace {
            vec!["triggers_replace".into()]
        } else {
            vec![]
        };
        assert_eq!(replace, want, "{}", case.name);
        assert_eq!(
            !planned.get_attr("output").is_some_and(Value::is_known),
            case.output_unknown,
            "{}",
            case.name
        );
        assert_eq!(
            !planned.get_attr("id").is_some_and(Value::is_known),
            case.replace,
            "{}",
            case.name
        );
    }
}

#[tokio::test]
async fn replacement_gets_new_id_and_update_keeps_it() {
    let h = Harness::new("terraform_data");
    let state = h
        .create(&h.config(&[
            ("input", Value::from("x")),
            ("triggers_replace", Value::from("t1")),
        ]))
        .await;
    let (updated, plan) = h
        .update(
            &state,
            &h.config(&[
                ("input", Value::from("y")),
                ("triggers_replace", Value::from("t1")),
            ]),
        )
        .await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(s(&updated, "id"), s(&state, "id"));
    assert_eq!(s(&updated, "output"), "y");
    let (replaced, plan) = h
        .update(
            &updated,
            &h.config(&[
                ("input", Value::from("y")),
                ("triggers_replace", Value::from("t2")),
            ]),
        )
        .await;
    assert_eq!(plan.requires_replace.len(), 1);
    assert_ne!(s(&replaced, "id"), s(&state, "id"));
    assert_eq!(s(&replaced, "output"), "y");
    let read = h.read(&replaced).await;
    assert_eq!(read.new_state, Some(replaced.clone()));
    assert_eq!(h.delete(&replaced).await.new_state, None);
}

#[tokio::test]
async fn import_sets_id() {
    let h = Harness::new("terraform_data");
    let resp = h.import("abc").await;
    assert!(resp.diagnostics.is_empty());
    assert_eq!(s(&resp.imported[0].state, "id"), "abc");
}
