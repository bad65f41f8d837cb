//! Refresh is batched per provider configuration and resource type across
//! the whole configuration: a plan of many resource blocks of one type
//! makes one `read_batch` call, counted by the builtin `test` provider.
//!
//! Every case applies a configuration, optionally edits it, plans, and
//! checks the `read_batch` calls and the objects read, the changes planned
//! and, for a failing read, that the error names the resource it belongs
//! to. The cases run one after the other in one test, because the test
//! provider's counters are process-wide.

use gitform_engine::address::parse_target;
use gitform_engine::changes::{Action, PlanMode};
use gitform_engine::{apply, load, plan, PlanOptions, ProviderRegistry, Silent};
use gitform_state::{SqliteStore, StateStore, VersionMeta};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;
use std::sync::Arc;

fn registry() -> ProviderRegistry {
    let mut r = ProviderRegistry::new();
    for (name, f) in gitform_builtin::builtin_providers() {
        r.register(name, f);
    }
    r
}

/// `n` blocks `test_resource.{prefix}{i}`, with `extra` lines in each
/// (`{i}` in `extra` is replaced by the index).
fn blocks(prefix: &str, range: std::ops::Range<usize>, extra: &str) -> String {
    let mut out = String::new();
    for i in range {
        let extra = extra.replace("{i}", &i.to_string());
        writeln!(
            out,
            "resource \"test_resource\" \"{prefix}{i}\" {{\n  value = \"v{i}\"\n{extra}}}"
        )
        .unwrap();
    }
    out
}

const PROVIDERS: &str = "provider \"test\" {}\nprovider \"test\" {\n  alias = \"other\"\n}\n";

struct Case {
    name: &'static str,
    /// Files applied first: (path, text).
    applied: Vec<(&'static str, String)>,
    /// Files for the plan; None: the same.
    planned: Option<Vec<(&'static str, String)>>,
    refresh: bool,
    mode: PlanMode,
    targets: &'static [&'static str],
    /// Expected: read_batch calls, objects read.
    calls: u64,
    objects: u64,
    /// Expected number of changes by action (NoOp included).
    actions: &'static [(Action, usize)],
    /// Expected error: (address, line of its block in main.tf).
    error: Option<(&'static str, usize)>,
}

fn write(dir: &Path, files: &[(&'static str, String)]) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "tf") {
            std::fs::remove_file(p).unwrap();
        }
    }
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn cases() -> Vec<Case> {
    let forty = || vec![("main.tf", format!("{PROVIDERS}{}", blocks("r", 0..40, "")))];
    vec![
        Case {
            name: "forty blocks of one type: one call",
            applied: forty(),
            planned: None,
            refresh: true,
            mode: PlanMode::Normal,
            targets: &[],
            calls: 1,
            objects: 40,
            actions: &[(Action::NoOp, 40)],
            error: None,
        },
        Case {
            name: "named, count and module instances of one type: one call",
            applied: vec![
                (
                    "main.tf",
                    format!(
                        "{PROVIDERS}{}resource \"test_resource\" \"c\" {{\n  count = 10\n  value = \"c${{count.index}}\"\n}}\nmodule \"m\" {{\n  source   = \"./m\"\n  for_each = toset([\"a\", \"b\"])\n}}\n",
                        blocks("r", 0..10, "")
                    ),
                ),
                ("m/main.tf", blocks("m", 0..5, "")),
            ],
            planned: None,
            refresh: true,
            mode: PlanMode::Normal,
            targets: &[],
            calls: 1,
            objects: 30,
            actions: &[(Action::NoOp, 30)],
            error: None,
        },
        Case {
            name: "two provider configurations: one call each",
            applied: vec![(
                "main.tf",
                format!(
                    "{PROVIDERS}{}{}",
                    blocks("a", 0..15, ""),
                    blocks("b", 0..15, "  provider = test.other\n")
                ),
            )],
            planned: None,
            refresh: true,
            mode: PlanMode::Normal,
            targets: &[],
            calls: 2,
            objects: 30,
            actions: &[(Action::NoOp, 30)],
            error: None,
        },
        Case {
            name: "-refresh=false reads nothing",
            applied: forty(),
            planned: None,
            refresh: false,
            mode: PlanMode::Normal,
            targets: &[],
            calls: 0,
            objects: 0,
            actions: &[(Action::NoOp, 40)],
            error: None,
        },
        Case {
            name: "a destroy plan reads nothing",
            applied: forty(),
            planned: None,
            refresh: true,
            mode: PlanMode::Destroy,
            targets: &[],
            calls: 0,
            objects: 0,
            actions: &[(Action::Delete, 40)],
            error: None,
        },
        Case {
            name: "-target reads the target and what it depends on",
            applied: vec![(
                "main.tf",
                format!(
                    "{PROVIDERS}{}resource \"test_resource\" \"dep\" {{\n  value = test_resource.r3.result\n}}\n",
                    blocks("r", 0..40, "")
                ),
            )],
            planned: None,
            refresh: true,
            mode: PlanMode::Normal,
            targets: &["test_resource.dep"],
            calls: 1,
            objects: 2,
            actions: &[(Action::NoOp, 2)],
            error: None,
        },
        Case {
            name: "removed blocks are read in the same call and deleted",
            applied: forty(),
            planned: Some(vec![(
                "main.tf",
                format!("{PROVIDERS}{}", blocks("r", 0..30, "")),
            )]),
            refresh: true,
            mode: PlanMode::Normal,
            targets: &[],
            calls: 1,
            objects: 40,
            actions: &[(Action::NoOp, 30), (Action::Delete, 10)],
            error: None,
        },
        Case {
            name: "-target of a removed block reads only that one",
            applied: forty(),
            planned: Some(vec![(
                "main.tf",
                format!("{PROVIDERS}{}", blocks("r", 0..30, "")),
            )]),
            refresh: true,
            mode: PlanMode::Normal,
            targets: &["test_resource.r35"],
            calls: 1,
            objects: 1,
            actions: &[(Action::Delete, 1)],
            error: None,
        },
        Case {
            name: "a failed read is reported on its own resource only",
            applied: vec![(
                "main.tf",
                format!(
                    "{PROVIDERS}{}",
                    blocks("r", 0..40, "  fail_on_read = {i} == 13\n")
                ),
            )],
            planned: None,
            refresh: true,
            mode: PlanMode::Normal,
            targets: &[],
            calls: 1,
            objects: 40,
            actions: &[],
            // 4 provider lines, then 4 lines per block: r13 starts on line 57.
            error: Some(("test_resource.r13", 4 + 13 * 4 + 1)),
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_reads_each_type_once_per_provider_configuration() {
    for case in cases() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let state: Arc<dyn StateStore> =
            Arc::new(SqliteStore::open(&dir.join(".gitform/state.db")).unwrap());

        write(dir, &case.applied);
        let (ws, diags) = load(dir, registry());
        assert!(!diags.has_errors(), "{}: {diags}", case.name);
        let (p, diags) = plan(
            &ws,
            state.clone(),
            BTreeMap::new(),
            PlanOptions::default(),
            Arc::new(Silent),
        )
        .await;
        assert!(!diags.has_errors(), "{}: {diags}", case.name);
        let out = apply(
            &ws,
            state.clone(),
            p.unwrap(),
            10,
            Arc::new(Silent),
            VersionMeta::default(),
        )
        .await;
        assert!(
            !out.diagnostics.has_errors(),
            "{}: {}",
            case.name,
            out.diagnostics
        );

        if let Some(files) = &case.planned {
            write(dir, files);
        }
        let (ws, diags) = load(dir, registry());
        assert!(!diags.has_errors(), "{}: {diags}", case.name);
        let opts = PlanOptions {
            refresh: case.refresh,
            mode: case.mode,
            targets: case
                .targets
                .iter()
                .map(|t| parse_target(t).unwrap())
                .collect(),
            ..PlanOptions::default()
        };
        let (calls0, objects0) = (
            gitform_builtin::TestProvider::read_batch_calls(),
            gitform_builtin::TestProvider::objects_read(),
        );
        let (p, diags) = plan(&ws, state.clone(), BTreeMap::new(), opts, Arc::new(Silent)).await;
        let calls = gitform_builtin::TestProvider::read_batch_calls() - calls0;
        let objects = gitform_builtin::TestProvider::objects_read() - objects0;
        assert_eq!(
            (calls, objects),
            (case.calls, case.objects),
            "{}: (read_batch calls, objects read)",
            case.name
        );

        match case.error {
            None => {
                assert!(!diags.has_errors(), "{}: {diags}", case.name);
                let p = p.unwrap();
                let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                for c in &p.changes {
                    *counts.entry(format!("{:?}", c.action)).or_default() += 1;
                }
                let expected: BTreeMap<String, usize> = case
                    .actions
                    .iter()
                    .map(|(a, n)| (format!("{a:?}"), *n))
                    .collect();
                assert_eq!(counts, expected, "{}: planned actions", case.name);
            }
            Some((address, line)) => {
                assert!(p.is_none(), "{}: the plan fails", case.name);
                let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
                assert_eq!(errors.len(), 1, "{}: {diags}", case.name);
                let e = errors[0];
                assert_eq!(e.summary, "Test resource failure", "{}", case.name);
                assert_eq!(e.address.as_deref(), Some(address), "{}", case.name);
                let range = e.range.as_ref().expect("the error points at the block");
                assert_eq!(range.start.line, line, "{}: {diags}", case.name);
            }
        }
    }
}
