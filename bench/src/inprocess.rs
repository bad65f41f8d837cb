//! Engine scenarios measured in process, through the engine's library API
//! (`gitform_engine::{load, plan, apply}` with the builtin providers and a
//! SQLite state), for what the command line cannot show: the throttle
//! events the `test` provider counted with adaptive concurrency on and
//! off, the most calls in flight under a provider's own concurrency limit,
//! and the refresh calls of a plan.
//!
//! Every run of an apply scenario works in a fresh directory with an empty
//! state; a plan scenario applies once, untimed, then times its plans.
//! The time is that of `load` + `plan` (+ `apply`), on a multi-threaded
//! tokio runtime like the CLI's (no process start, no state lock, no
//! terminal output).

use crate::generate::{write_config, Form, Kind, Shape, Spec};
use crate::timing::Samples;
use gitform_builtin::TestProvider;
use gitform_engine::changes::Plan;
use gitform_engine::{apply, load, plan, PlanOptions, ProviderRegistry, Silent};
use gitform_state::{SqliteStore, StateStore, VersionMeta};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// An in-process scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Apply 300 `test_resource` (20 ms each) against a provider that
    /// throttles above 100 calls/s, `-parallelism 50`, adaptive concurrency on.
    ThrottleAdaptive,
    /// The same with adaptive concurrency off (a fixed limit of 50).
    ThrottleFixed,
    /// Apply 200 `test_resource` (50 ms each) with the provider's own
    /// `max_concurrency = 5`, `-parallelism 50`.
    MaxConcurrency,
    /// No-op plan (with refresh) of 1,000 `test_resource` blocks whose
    /// reads take 50 ms each.
    RefreshBatch,
    /// No-op plan (with refresh) of a chain of 10,000 `terraform_data`.
    ChainNoopPlan,
    /// No-op plan (with refresh) of 10,000 independent `terraform_data`.
    IndependentNoopPlan,
}

impl Scenario {
    pub const ALL: [Scenario; 6] = [
        Scenario::ThrottleAdaptive,
        Scenario::ThrottleFixed,
        Scenario::MaxConcurrency,
        Scenario::RefreshBatch,
        Scenario::ChainNoopPlan,
        Scenario::IndependentNoopPlan,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::ThrottleAdaptive => "throttle-300-adaptive",
            Scenario::ThrottleFixed => "throttle-300-fixed",
            Scenario::MaxConcurrency => "max-concurrency-200-5",
            Scenario::RefreshBatch => "refresh-1000-50ms",
            Scenario::ChainNoopPlan => "chain-10000-noop-plan",
            Scenario::IndependentNoopPlan => "independent-10000-noop-plan",
        }
    }

    pub fn resources(self) -> usize {
        match self {
            Scenario::ThrottleAdaptive | Scenario::ThrottleFixed => 300,
            Scenario::MaxConcurrency => 200,
            Scenario::RefreshBatch => 1000,
            Scenario::ChainNoopPlan | Scenario::IndependentNoopPlan => 10_000,
        }
    }

    /// What the configuration and the command are, in words.
    pub fn setting(self) -> &'static str {
        match self {
            Scenario::ThrottleAdaptive => "apply; `delay_ms = 20`, `throttle_per_second = 100`, `throttle_backoff_ms = 100`; `-parallelism 50`; adaptive on",
            Scenario::ThrottleFixed => "the same, adaptive off",
            Scenario::MaxConcurrency => "apply; `delay_ms = 50`, `max_concurrency = 5`; `-parallelism 50`",
            Scenario::RefreshBatch => "no-op plan; `read_delay_ms = 50` on each resource; `-parallelism 10`",
            Scenario::ChainNoopPlan => "no-op plan; `terraform_data` chain, named",
            Scenario::IndependentNoopPlan => "no-op plan; independent `terraform_data`, named",
        }
    }

    /// The least time the scenario can take, when there is one.
    pub fn floor(self) -> Option<Duration> {
        match self {
            // Bound by the rate: 300 calls at 100/s (less the first burst of 20).
            Scenario::ThrottleAdaptive | Scenario::ThrottleFixed => {
                Some(Duration::from_millis(2800))
            }
            // 200 / 5 rounds of 50 ms.
            Scenario::MaxConcurrency => Some(Duration::from_secs(2)),
            // One read of 50 ms, when batched.
            Scenario::RefreshBatch => Some(Duration::from_millis(50)),
            Scenario::ChainNoopPlan | Scenario::IndependentNoopPlan => None,
        }
    }

    fn parallelism(self) -> usize {
        match self {
            Scenario::RefreshBatch | Scenario::ChainNoopPlan | Scenario::IndependentNoopPlan => 10,
            _ => 50,
        }
    }

    fn adaptive(self) -> bool {
        self != Scenario::ThrottleFixed
    }

    fn is_apply(self) -> bool {
        matches!(
            self,
            Scenario::ThrottleAdaptive | Scenario::ThrottleFixed | Scenario::MaxConcurrency
        )
    }

    /// Writes the scenario's configuration into `dir`.
    fn write(self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let test_blocks = |provider: &str, extra: &str| {
            let mut text = format!("provider \"test\" {{\n{provider}}}\n");
            for i in 0..self.resources() {
                let _ = write!(
                    text,
                    "resource \"test_resource\" \"r{i}\" {{\n  value = \"v{i}\"\n{extra}}}\n"
                );
            }
            text
        };
        let text = match self {
            Scenario::ThrottleAdaptive | Scenario::ThrottleFixed => test_blocks(
                "  delay_ms            = 20\n  throttle_per_second = 100\n  throttle_backoff_ms = 100\n",
                "",
            ),
            Scenario::MaxConcurrency => {
                test_blocks("  delay_ms        = 50\n  max_concurrency = 5\n", "")
            }
            Scenario::RefreshBatch => test_blocks("", "  read_delay_ms = 50\n"),
            Scenario::ChainNoopPlan | Scenario::IndependentNoopPlan => {
                let spec = Spec {
                    shape: if self == Scenario::ChainNoopPlan {
                        Shape::Chain
                    } else {
                        Shape::Independent
                    },
                    form: Form::Named,
                    kind: Kind::TerraformData,
                    resources: self.resources(),
                    ..Spec::default()
                };
                write_config(&spec, dir)?;
                return Ok(());
            }
        };
        std::fs::write(dir.join("main.tf"), text)
    }
}

impl FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Scenario::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Scenario::ALL.iter().map(|c| c.name()).collect();
                format!("unknown scenario {s:?} (one of {})", names.join(", "))
            })
    }
}

/// Why a scenario could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum InProcessError {
    #[error("{scenario}: {what}: {detail}")]
    Failed {
        scenario: &'static str,
        what: &'static str,
        detail: String,
    },
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}

/// What the test provider counted during one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub throttle_events: u64,
    pub peak_in_flight: u64,
    pub read_batch_calls: u64,
    pub objects_read: u64,
}

/// The measured runs of one scenario.
#[derive(Clone, Debug)]
pub struct InProcessResult {
    pub scenario: Scenario,
    pub samples: Samples,
    /// Per run, what the provider counted.
    pub counts: Vec<Counts>,
}

fn registry(adaptive: bool) -> ProviderRegistry {
    let mut r = ProviderRegistry::new();
    for (name, f) in gitform_builtin::builtin_providers() {
        r.register(name, f);
    }
    r.set_adaptive(adaptive);
    r
}

fn open_state(dir: &Path) -> Result<Arc<dyn StateStore>, String> {
    let store = SqliteStore::open(&dir.join(".gitform/state.db")).map_err(|e| e.to_string())?;
    Ok(Arc::new(store))
}

/// Loads `dir`, plans it and, when `and_apply`, applies the plan.
async fn plan_apply(
    dir: &Path,
    adaptive: bool,
    parallelism: usize,
    and_apply: bool,
) -> Result<Plan, String> {
    let state = open_state(dir)?;
    let (ws, diags) = load(dir, registry(adaptive));
    if diags.has_errors() {
        return Err(diags.to_string());
    }
    let opts = PlanOptions {
        parallelism,
        ..PlanOptions::default()
    };
    let (p, diags) = plan(&ws, state.clone(), BTreeMap::new(), opts, Arc::new(Silent)).await;
    let p = p.ok_or_else(|| diags.to_string())?;
    if !and_apply {
        return Ok(p);
    }
    let out = apply(
        &ws,
        state,
        p.clone(),
        parallelism,
        Arc::new(Silent),
        VersionMeta::default(),
    )
    .await;
    if out.diagnostics.has_errors() {
        return Err(out.diagnostics.to_string());
    }
    Ok(p)
}

fn counters() -> Counts {
    Counts {
        throttle_events: gitform_builtin::throttle_events_total(),
        peak_in_flight: gitform_builtin::peak_in_flight(),
        read_batch_calls: TestProvider::read_batch_calls(),
        objects_read: TestProvider::objects_read(),
    }
}

/// Runs `scenarios`, `runs` times each, in directories under `root`.
pub fn run(
    scenarios: &[Scenario],
    runs: usize,
    root: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<InProcessResult>, InProcessError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| InProcessError::Io("starting a tokio runtime".into(), e))?;
    let mut out = Vec::new();
    for &sc in scenarios {
        let fail = |what, detail| InProcessError::Failed {
            scenario: sc.name(),
            what,
            detail,
        };
        let base = root.join(format!("inprocess-{}", sc.name()));
        let dir_of = |i: usize| -> PathBuf { base.join(format!("run{i}")) };
        // Plan scenarios apply once, untimed, and plan in that directory.
        if !sc.is_apply() {
            let dir = dir_of(0);
            sc.write(&dir)
                .map_err(|e| InProcessError::Io(dir.display().to_string(), e))?;
            progress(&format!(
                "{}: applying {} resources (untimed)",
                sc.name(),
                sc.resources()
            ));
            rt.block_on(plan_apply(&dir, true, 50, true))
                .map_err(|d| fail("setup apply", d))?;
        }
        let mut times = Vec::new();
        let mut counts = Vec::new();
        for i in 0..runs.max(1) {
            let dir = if sc.is_apply() { dir_of(i) } else { dir_of(0) };
            if sc.is_apply() {
                sc.write(&dir)
                    .map_err(|e| InProcessError::Io(dir.display().to_string(), e))?;
            }
            gitform_builtin::reset_peak_in_flight();
            let before = counters();
            let (samples, result) = Samples::measure(1, || {
                rt.block_on(plan_apply(
                    &dir,
                    sc.adaptive(),
                    sc.parallelism(),
                    sc.is_apply(),
                ))
            });
            let p = result.map_err(|d| fail("run", d))?;
            if !sc.is_apply() && p.has_changes() {
                return Err(fail("run", "the no-op plan planned changes".to_string()));
            }
            let after = counters();
            let c = Counts {
                throttle_events: after.throttle_events - before.throttle_events,
                peak_in_flight: after.peak_in_flight,
                read_batch_calls: after.read_batch_calls - before.read_batch_calls,
                objects_read: after.objects_read - before.objects_read,
            };
            progress(&format!(
                "{} run {}: {:.3} s, {} throttle events, peak {} in flight, {} read_batch calls",
                sc.name(),
                i + 1,
                samples.best().as_secs_f64(),
                c.throttle_events,
                c.peak_in_flight,
                c.read_batch_calls
            ));
            times.extend(samples.0);
            counts.push(c);
        }
        let _ = std::fs::remove_dir_all(&base);
        out.push(InProcessResult {
            scenario: sc,
            samples: Samples(times),
            counts,
        });
    }
    Ok(out)
}

fn range(values: impl Iterator<Item = u64>) -> String {
    let v: Vec<u64> = values.collect();
    match (v.iter().min(), v.iter().max()) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a}–{b}"),
        _ => "–".to_string(),
    }
}

pub fn table_header() -> String {
    "| scenario | N | setting | best / median (s) | floor | throttle events | peak in flight | read_batch calls (objects) |\n|---|---:|---|---:|---:|---:|---:|---:|".to_string()
}

impl InProcessResult {
    pub fn table_row(&self) -> String {
        let sc = self.scenario;
        let floor = sc
            .floor()
            .map(|f| format!("{:.2} s", f.as_secs_f64()))
            .unwrap_or_else(|| "–".into());
        let reads = if self.counts.iter().all(|c| c.read_batch_calls == 0) {
            "0".to_string()
        } else {
            format!(
                "{} ({})",
                range(self.counts.iter().map(|c| c.read_batch_calls)),
                range(self.counts.iter().map(|c| c.objects_read))
            )
        };
        let in_flight = if sc.is_apply() {
            range(self.counts.iter().map(|c| c.peak_in_flight))
        } else {
            "–".into()
        };
        format!(
            "| {} | {} | {} | {:.3} / {:.3} | {floor} | {} | {in_flight} | {reads} |",
            sc.name(),
            sc.resources(),
            sc.setting(),
            self.samples.best().as_secs_f64(),
            self.samples.median().as_secs_f64(),
            range(self.counts.iter().map(|c| c.throttle_events)),
        )
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "scenario": self.scenario.name(),
            "resources": self.scenario.resources(),
            "setting": self.scenario.setting(),
            "floor_s": self.scenario.floor().map(|f| f.as_secs_f64()),
            "runs": self.samples.0.iter().zip(&self.counts).map(|(t, c)| serde_json::json!({
                "wall_s": t.as_secs_f64(),
                "throttle_events": c.throttle_events,
                "peak_in_flight": c.peak_in_flight,
                "read_batch_calls": c.read_batch_calls,
                "objects_read": c.objects_read,
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for sc in Scenario::ALL {
            assert_eq!(sc.name().parse::<Scenario>(), Ok(sc));
        }
        assert!("nope".parse::<Scenario>().is_err());
    }

    /// Every scenario's configuration loads without errors.
    #[test]
    fn configurations_load() {
        let tmp = tempfile::tempdir().unwrap();
        for sc in Scenario::ALL {
            let dir = tmp.path().join(sc.name());
            sc.write(&dir).unwrap();
            let (_, diags) = load(&dir, registry(true));
            assert!(!diags.has_errors(), "{}: {diags}", sc.name());
        }
    }
}
