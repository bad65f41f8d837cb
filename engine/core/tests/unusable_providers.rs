//! A provider that exists (or is required) but cannot be used is reported
//! once, where the configuration asks for it, by `validate_schemas` and by
//! `plan`; its provider block and resources are never checked against the
//! empty schema of a provider that did not start. A name no provider has
//! stays "Provider not available".

use gitform_engine::operations::validate_schemas;
use gitform_engine::providers::Found;
use gitform_engine::{load, plan, PlanOptions, ProviderRegistry, Silent};
use gitform_state::{SqliteStore, StateStore};
use gitform_value::{Diagnostic, Diagnostics};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Builtins, plus a plugin finder that knows `broken` (it fails to start,
/// without saying where) and nothing else.
fn registry() -> ProviderRegistry {
    let mut r = ProviderRegistry::new();
    for (name, f) in gitform_builtin::builtin_providers() {
        r.register(name, f);
    }
    r.set_plugins(Arc::new(|name: &str| match name {
        "broken" => Found::Failed(Diagnostic::error(
            "Failed to start the plugin",
            "gitform-provider-broken exited during the handshake.",
        )),
        _ => Found::NotFound,
    }));
    r
}

/// `(summary, line)` of each diagnostic, in order.
fn summary(diags: &Diagnostics) -> Vec<(String, Option<usize>)> {
    diags
        .iter()
        .map(|d| (d.summary.clone(), d.range.as_ref().map(|r| r.start.line)))
        .collect()
}

struct Case {
    name: &'static str,
    config: &'static str,
    /// What `validate_schemas` and `plan` report.
    validate: &'static [(&'static str, usize)],
    plan: &'static [(&'static str, usize)],
}

const CASES: &[Case] = &[
    Case {
        name: "at the provider block",
        config: r#"resource "terraform_data" "ok" {}

provider "broken" {
  path = "/srv"
}

resource "broken_thing" "a" {
  name = "a"
}

resource "broken_thing" "b" {
  size = broken_thing.a.id
}
"#,
        validate: &[("Failed to start the plugin", 3)],
        plan: &[("Failed to start the plugin", 3)],
    },
    Case {
        name: "at the first resource when there is no provider block",
        config: r#"resource "terraform_data" "ok" {}

resource "broken_thing" "a" {
  name = "a"
}

resource "broken_thing" "b" {
  name = "b"
}
"#,
        validate: &[("Failed to start the plugin", 3)],
        plan: &[("Failed to start the plugin", 3)],
    },
    Case {
        name: "a provider nobody has",
        config: r#"resource "nothing_thing" "a" {}

resource "nothing_thing" "b" {}
"#,
        validate: &[("Provider not available", 1), ("Provider not available", 3)],
        plan: &[("Provider not available", 1)],
    },
];

#[tokio::test]
async fn unusable_providers_are_reported_once_where_they_are_asked_for() {
    for case in CASES {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("main.tf"), case.config).unwrap();
        let (ws, diags) = load(tmp.path(), registry());
        assert!(!diags.has_errors(), "{}: {diags}", case.name);
        let want = |table: &[(&str, usize)]| -> Vec<(String, Option<usize>)> {
            table
                .iter()
                .map(|(s, l)| (s.to_string(), Some(*l)))
                .collect()
        };
        assert_eq!(
            summary(&validate_schemas(&ws)),
            want(case.validate),
            "{}: validate",
            case.name
        );
        let state: Arc<dyn StateStore> = Arc::new(SqliteStore::open_in_memory().unwrap());
        let (p, diags) = plan(
            &ws,
            state,
            BTreeMap::new(),
            PlanOptions::default(),
            Arc::new(Silent),
        )
        .await;
        assert!(p.is_none(), "{}: no plan", case.name);
        assert_eq!(summary(&diags), want(case.plan), "{}: plan", case.name);
    }
}
