//! The engine benchmarks: wall time and peak RSS of the `gitform` binary
//! running `apply` / `plan` / `destroy` on generated configurations, side by
//! side with Terraform.
//!
//! Every scenario runs in fresh directories under a root directory (one per
//! tool, size and run), so every measured command starts from a fresh state.
//! Each measured command is a child process timed with [`Instant`]; its peak
//! RSS comes from `/usr/bin/time -f %M` when that exists. A run counts only
//! if the command succeeded and printed the expected summary line
//! (`Apply complete! Resources: N added, …`, `No changes.`, …), so a broken
//! run is never reported as a fast one.

use crate::generate::{write_config, Change, Kind, Shape, Spec};
use crate::timing::Samples;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Where `/usr/bin/time` is expected (GNU time, for `-f %M`).
const GNU_TIME: &str = "/usr/bin/time";

/// What can go wrong while benchmarking.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{command}` in {dir} {problem}\n--- last output ---\n{tail}")]
    Failed {
        command: String,
        dir: PathBuf,
        problem: String,
        tail: String,
    },
    #[error("`{command}` in {dir} did not finish within {} s (killed)", timeout.as_secs())]
    Timeout {
        command: String,
        dir: PathBuf,
        timeout: Duration,
    },
}

fn io_err(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> EngineError {
    let what = what.into();
    move |source| EngineError::Io { what, source }
}

/// The engine being measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Gitform,
    Terraform,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Gitform => "gitform",
            Tool::Terraform => "terraform",
        }
    }
}

/// The scenarios, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// `apply` of a chain of 200 `test_resource`, 50 ms provider latency.
    Chain200,
    /// `apply -parallelism=50` of 1,000 independent `test_resource`, 50 ms latency.
    Independent1000,
    /// First `apply` of 5,000 independent `terraform_data`.
    DataApply,
    /// `plan` (with refresh) after that apply: no changes.
    DataNoopPlan,
    /// `plan -refresh=false` after that apply: no changes.
    DataPlanRefreshFalse,
    /// Changing the input of 1% of the resources, then `apply`.
    DataChange1pct,
    /// `destroy` of the 5,000.
    DataDestroy,
}

/// A scenario's target (seconds, for the median run) and the floor set by
/// the provider latency, if any.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    pub max_s: f64,
    pub floor_s: Option<f64>,
}

/// The provider latency of the latency scenarios.
pub const LATENCY_MS: u64 = 50;

impl Scenario {
    pub const ALL: [Scenario; 7] = [
        Scenario::Chain200,
        Scenario::Independent1000,
        Scenario::DataApply,
        Scenario::DataNoopPlan,
        Scenario::DataPlanRefreshFalse,
        Scenario::DataChange1pct,
        Scenario::DataDestroy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Chain200 => "chain-200-50ms",
            Scenario::Independent1000 => "independent-1000-50ms-p50",
            Scenario::DataApply => "data-5000-apply",
            Scenario::DataNoopPlan => "data-5000-noop-plan",
            Scenario::DataPlanRefreshFalse => "data-5000-plan-refresh-false",
            Scenario::DataChange1pct => "data-5000-change-1pct",
            Scenario::DataDestroy => "data-5000-destroy",
        }
    }

    /// Resources of the full-size scenario.
    pub fn resources(self) -> usize {
        match self {
            Scenario::Chain200 => 200,
            Scenario::Independent1000 => 1000,
            _ => 5000,
        }
    }

    pub fn target(self) -> Option<Target> {
        match self {
            // 1.05 × the floor of 200 × 50 ms.
            Scenario::Chain200 => Some(Target {
                max_s: 10.5,
                floor_s: Some(10.0),
            }),
            // 1.15 × the floor of 1000 / 50 × 50 ms.
            Scenario::Independent1000 => Some(Target {
                max_s: 1.15,
                floor_s: Some(1.0),
            }),
            Scenario::DataApply => Some(Target {
                max_s: 5.0,
                floor_s: None,
            }),
            Scenario::DataNoopPlan => Some(Target {
                max_s: 1.0,
                floor_s: None,
            }),
            _ => None,
        }
    }

    /// The latency scenarios (their own directories; `test_resource` for
    /// gitform, `local-exec` sleeps for Terraform).
    pub fn is_latency(self) -> bool {
        matches!(self, Scenario::Chain200 | Scenario::Independent1000)
    }

    /// The measured command, without the common `-input=false -no-color`.
    pub fn command(self) -> &'static [&'static str] {
        match (self, self.op()) {
            (Scenario::Independent1000, _) => &["apply", "-auto-approve", "-parallelism=50"],
            (_, Some(op)) => op.command(),
            (_, None) => Op::Apply.command(),
        }
    }

    /// The operation of a `data-5000-*` scenario.
    pub fn op(self) -> Option<Op> {
        match self {
            Scenario::Chain200 | Scenario::Independent1000 => None,
            Scenario::DataApply => Some(Op::Apply),
            Scenario::DataNoopPlan => Some(Op::NoopPlan),
            Scenario::DataPlanRefreshFalse => Some(Op::PlanRefreshFalse),
            Scenario::DataChange1pct => Some(Op::Change1pct),
            Scenario::DataDestroy => Some(Op::Destroy),
        }
    }

    /// The configuration of the scenario at `n` resources, for `tool`.
    pub fn spec(self, tool: Tool, n: usize) -> Spec {
        let shape = match self {
            Scenario::Chain200 => Shape::Chain,
            _ => Shape::Independent,
        };
        let base = Spec {
            shape,
            resources: n,
            ..Spec::default()
        };
        match (self.is_latency(), tool) {
            (false, _) => base,
            (true, Tool::Gitform) => Spec {
                kind: Kind::TestResource,
                provider_delay_ms: LATENCY_MS,
                ..base
            },
            (true, Tool::Terraform) => Spec {
                provisioner_sleep_ms: Some(LATENCY_MS),
                ..base
            },
        }
    }
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(s: &str) -> Result<Scenario, String> {
        Scenario::ALL
            .into_iter()
            .find(|sc| sc.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Scenario::ALL.iter().map(|s| s.name()).collect();
                format!(
                    "unknown scenario `{s}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// The operations measured on one configuration, in the order they run:
/// apply from empty, no-op plans, the 1% change, destroy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    /// `apply -auto-approve` from an empty state: "N added".
    Apply,
    /// `plan` (with refresh) after the apply: "No changes.".
    NoopPlan,
    /// `plan -refresh=false` after the apply: "No changes.".
    PlanRefreshFalse,
    /// `apply -auto-approve` after changing 1% of the inputs: "K changed".
    Change1pct,
    /// `destroy -auto-approve`: "N destroyed".
    Destroy,
}

impl Op {
    pub const ALL: [Op; 5] = [
        Op::Apply,
        Op::NoopPlan,
        Op::PlanRefreshFalse,
        Op::Change1pct,
        Op::Destroy,
    ];

    /// The name in JSON and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Op::Apply => "apply",
            Op::NoopPlan => "noop-plan",
            Op::PlanRefreshFalse => "plan-refresh-false",
            Op::Change1pct => "change-1pct",
            Op::Destroy => "destroy",
        }
    }

    /// The name in tables and plots.
    pub fn label(self) -> &'static str {
        match self {
            Op::Apply => "apply",
            Op::NoopPlan => "no-op plan",
            Op::PlanRefreshFalse => "plan -refresh=false",
            Op::Change1pct => "1% change",
            Op::Destroy => "destroy",
        }
    }

    /// The measured command, without the common `-input=false -no-color`.
    pub fn command(self) -> &'static [&'static str] {
        match self {
            Op::Apply | Op::Change1pct => &["apply", "-auto-approve"],
            Op::NoopPlan => &["plan"],
            Op::PlanRefreshFalse => &["plan", "-refresh=false"],
            Op::Destroy => &["destroy", "-auto-approve"],
        }
    }
}

/// Instances changed by the 1% change of `n` instances (at least one).
pub fn one_percent(n: usize) -> usize {
    (n / 100).max(1)
}

/// How to run the benchmarks.
#[derive(Clone, Debug)]
pub struct EngineBench {
    pub gitform: PathBuf,
    /// `None`: no Terraform comparison.
    pub terraform: Option<PathBuf>,
    /// Measured runs per scenario for gitform (at least 1).
    pub runs: usize,
    /// Measured runs per scenario for Terraform (at least 1).
    pub terraform_runs: usize,
    /// Terraform runs scenarios larger than this at this size (and gitform
    /// too, for the ratio).
    pub terraform_max_resources: usize,
    /// A measured command still running after this long is killed (with
    /// its process group) and the benchmark reports it.
    pub command_timeout: Duration,
    /// The same for Terraform's commands, when shorter (its apply and
    /// destroy of a 1,000-resource chain take minutes).
    pub terraform_timeout: Option<Duration>,
}

impl EngineBench {
    /// The timeout of `tool`'s commands.
    pub fn timeout(&self, tool: Tool) -> Duration {
        match (tool, self.terraform_timeout) {
            (Tool::Terraform, Some(t)) => t.min(self.command_timeout),
            _ => self.command_timeout,
        }
    }
}

/// One measured command.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Run {
    pub wall: Duration,
    /// Peak resident set of the child, in KiB (`None` without GNU time).
    pub rss_kb: Option<u64>,
}

/// The runs of one scenario by one tool at one size.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    pub tool: Tool,
    pub resources: usize,
    pub runs: Vec<Run>,
}

impl Measurement {
    pub fn samples(&self) -> Samples {
        Samples(self.runs.iter().map(|r| r.wall).collect())
    }

    /// The largest peak RSS over the runs, in KiB.
    pub fn peak_rss_kb(&self) -> Option<u64> {
        self.runs.iter().filter_map(|r| r.rss_kb).max()
    }

    pub(crate) fn to_json(&self) -> serde_json::Value {
        let s = self.samples();
        serde_json::json!({
            "tool": self.tool.name(),
            "resources": self.resources,
            "runs_s": self.runs.iter().map(|r| r.wall.as_secs_f64()).collect::<Vec<_>>(),
            "best_s": s.best().as_secs_f64(),
            "median_s": s.median().as_secs_f64(),
            "peak_rss_kb": self.peak_rss_kb(),
        })
    }
}

/// The results of one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioResult {
    pub scenario: Scenario,
    pub gitform: Measurement,
    /// gitform at Terraform's size, when that is smaller.
    pub gitform_at_terraform_n: Option<Measurement>,
    pub terraform: Option<Measurement>,
}

impl ScenarioResult {
    /// Terraform's best over gitform's best, at equal size.
    pub fn ratio(&self) -> Option<f64> {
        let tf = self.terraform.as_ref()?;
        let gf = self
            .gitform_at_terraform_n
            .as_ref()
            .unwrap_or(&self.gitform);
        let g = gf.samples().best().as_secs_f64();
        (g > 0.0).then(|| tf.samples().best().as_secs_f64() / g)
    }

    pub fn to_json(&self) -> serde_json::Value {
        let target = self.scenario.target();
        serde_json::json!({
            "scenario": self.scenario.name(),
            "command": self.scenario.command().join(" "),
            "target_s": target.map(|t| t.max_s),
            "floor_s": target.and_then(|t| t.floor_s),
            "gitform": self.gitform.to_json(),
            "gitform_at_terraform_n": self.gitform_at_terraform_n.as_ref().map(Measurement::to_json),
            "terraform": self.terraform.as_ref().map(Measurement::to_json),
            "terraform_emulation": self.scenario.is_latency().then_some(
                "terraform_data with provisioner \"local-exec\" { command = \"sleep 0.050\" }"),
            "ratio_terraform_over_gitform_best": self.ratio(),
        })
    }
}

/// Runs `scenarios` (in [`Scenario::ALL`] order) under `root`, reporting
/// progress lines to `progress`.
pub fn run(
    bench: &EngineBench,
    scenarios: &[Scenario],
    root: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<ScenarioResult>, EngineError> {
    let runner = Runner::new(bench, root, progress);
    let selected: Vec<Scenario> = Scenario::ALL
        .into_iter()
        .filter(|s| scenarios.contains(s))
        .collect();
    let mut results = Vec::new();
    for &sc in selected.iter().filter(|s| s.is_latency()) {
        let n = sc.resources();
        let gitform = runner.latency(Tool::Gitform, sc, n)?;
        let (at_tf, terraform) = match &bench.terraform {
            Some(_) => {
                let m = n.min(bench.terraform_max_resources);
                let at = if m < n {
                    Some(runner.latency(Tool::Gitform, sc, m)?)
                } else {
                    None
                };
                (at, Some(runner.latency(Tool::Terraform, sc, m)?))
            }
            None => (None, None),
        };
        results.push(ScenarioResult {
            scenario: sc,
            gitform,
            gitform_at_terraform_n: at_tf,
            terraform,
        });
    }
    let data: Vec<Scenario> = selected.into_iter().filter(|s| !s.is_latency()).collect();
    if !data.is_empty() {
        let n = Scenario::DataApply.resources();
        let ops: Vec<Op> = data.iter().filter_map(|s| s.op()).collect();
        let family = |tool, n| -> Result<Vec<(Scenario, Measurement)>, EngineError> {
            let spec = Scenario::DataApply.spec(tool, n);
            let measured = runner.family(tool, "data", &spec, runner.runs(tool), &ops)?;
            Ok(measured
                .into_iter()
                .filter_map(|(op, m)| Some((data.iter().copied().find(|s| s.op() == Some(op))?, m)))
                .collect())
        };
        let gitform = family(Tool::Gitform, n)?;
        let mut at_tf = Vec::new();
        let mut terraform = Vec::new();
        if bench.terraform.is_some() {
            let m = n.min(bench.terraform_max_resources);
            if m < n {
                at_tf = family(Tool::Gitform, m)?;
            }
            terraform = family(Tool::Terraform, m)?;
        }
        let take = |v: &mut Vec<(Scenario, Measurement)>, sc: Scenario| {
            v.iter()
                .position(|(s, _)| *s == sc)
                .map(|i| v.swap_remove(i).1)
        };
        let mut gitform = gitform;
        for sc in data.iter().copied() {
            if let Some(g) = take(&mut gitform, sc) {
                results.push(ScenarioResult {
                    scenario: sc,
                    gitform: g,
                    gitform_at_terraform_n: take(&mut at_tf, sc),
                    terraform: take(&mut terraform, sc),
                });
            }
        }
    }
    Ok(results)
}

/// Runs the commands of a benchmark in directories under `root`.
pub(crate) struct Runner<'a> {
    bench: &'a EngineBench,
    root: &'a Path,
    gnu_time: bool,
    progress: RefCell<&'a mut dyn FnMut(&str)>,
}

impl<'a> Runner<'a> {
    pub(crate) fn new(
        bench: &'a EngineBench,
        root: &'a Path,
        progress: &'a mut dyn FnMut(&str),
    ) -> Runner<'a> {
        Runner {
            bench,
            root,
            gnu_time: Path::new(GNU_TIME).exists(),
            progress: RefCell::new(progress),
        }
    }

    /// Reports a progress line.
    pub(crate) fn say(&self, line: &str) {
        (self.progress.borrow_mut())(line);
    }

    fn program(&self, tool: Tool) -> &Path {
        match (tool, &self.bench.terraform) {
            (Tool::Terraform, Some(t)) => t,
            _ => &self.bench.gitform,
        }
    }

    /// A fresh directory holding the configuration `spec` (initialized for Terraform).
    pub(crate) fn fresh_dir(
        &self,
        tool: Tool,
        label: &str,
        spec: &Spec,
        run: usize,
    ) -> Result<PathBuf, EngineError> {
        let dir = self.root.join(format!(
            "{label}-{}-n{}-run{run}",
            tool.name(),
            spec.resources
        ));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io_err(format!("removing {}", dir.display())))?;
        }
        write_config(spec, &dir).map_err(io_err(format!("writing {}", dir.display())))?;
        if tool == Tool::Terraform {
            self.exec(tool, &dir, &["init"], "initialized", false)?;
        }
        Ok(dir)
    }

    /// Runs `args` (plus `-input=false -no-color`) in `dir`; fails unless it
    /// succeeds and its standard output contains `expect`.
    fn exec(
        &self,
        tool: Tool,
        dir: &Path,
        args: &[&str],
        expect: &str,
        timed: bool,
    ) -> Result<Run, EngineError> {
        let program = self.program(tool);
        let rss_file = self.root.join("peak-rss.txt");
        let mut cmd = if self.gnu_time && timed {
            let mut c = Command::new(GNU_TIME);
            c.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(program);
            c
        } else {
            Command::new(program)
        };
        cmd.args(args)
            .args(["-input=false", "-no-color"])
            .current_dir(dir)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so that a timeout kills GNU time, the
            // tool and the tool's children (Terraform's provider plugins).
            .process_group(0);
        let command = format!("{} {}", program.display(), args.join(" "));
        let start = Instant::now();
        let child = cmd.spawn().map_err(io_err(format!("running {command}")))?;
        let timeout = self.bench.timeout(tool);
        let watchdog = watchdog(child.id(), timeout);
        let out = child.wait_with_output();
        let wall = start.elapsed();
        if watchdog.finish() {
            return Err(EngineError::Timeout {
                command,
                dir: dir.to_path_buf(),
                timeout,
            });
        }
        let out = out.map_err(io_err(format!("running {command}")))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let problem = if !out.status.success() {
            Some(format!("failed ({})", out.status))
        } else if !stdout.contains(expect) {
            Some(format!("did not print {expect:?}"))
        } else {
            None
        };
        if let Some(problem) = problem {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(EngineError::Failed {
                command,
                dir: dir.to_path_buf(),
                problem,
                tail: last_lines(&format!("{stdout}\n{stderr}"), 20),
            });
        }
        let rss_kb = if self.gnu_time && timed {
            std::fs::read_to_string(&rss_file)
                .ok()
                .and_then(|t| parse_rss(&t))
        } else {
            None
        };
        Ok(Run { wall, rss_kb })
    }

    /// One measured run: `exec`, with a progress line.
    #[allow(clippy::too_many_arguments)]
    fn measured(
        &self,
        tool: Tool,
        what: &str,
        args: &[&str],
        n: usize,
        dir: &Path,
        expect: &str,
        (run, runs): (usize, usize),
    ) -> Result<Run, EngineError> {
        let r = self.exec(tool, dir, args, expect, true)?;
        self.say(&format!(
            "{what} {} n={n} run {}/{runs}: {:.3} s{}",
            tool.name(),
            run + 1,
            r.wall.as_secs_f64(),
            r.rss_kb
                .map(|k| format!(", {}", mib(k)))
                .unwrap_or_default()
        ));
        Ok(r)
    }

    /// Measured runs per scenario of `tool`.
    fn runs(&self, tool: Tool) -> usize {
        match tool {
            Tool::Gitform => self.bench.runs,
            Tool::Terraform => self.bench.terraform_runs,
        }
        .max(1)
    }

    /// A latency scenario: every run in a fresh directory.
    fn latency(&self, tool: Tool, sc: Scenario, n: usize) -> Result<Measurement, EngineError> {
        let spec = sc.spec(tool, n);
        let mut runs = Vec::new();
        let total = self.runs(tool);
        for run in 0..total {
            let dir = self.fresh_dir(tool, sc.name(), &spec, run)?;
            runs.push(self.measured(
                tool,
                sc.name(),
                sc.command(),
                n,
                &dir,
                &applied(n),
                (run, total),
            )?);
        }
        Ok(Measurement {
            tool,
            resources: n,
            runs,
        })
    }

    /// The operations `ops` on the configuration `spec`, sharing
    /// directories: `runs` fresh applies (each in its own directory, named
    /// after `label`), the plans on the first directory, the 1% changes on
    /// it (run `i` appends `-v{i}` to the same 1% of the inputs), then a
    /// destroy of each directory. Steps not in `ops` run untimed only when a
    /// later step needs them. Returns the measured operations in [`Op::ALL`]
    /// order.
    pub(crate) fn family(
        &self,
        tool: Tool,
        label: &str,
        spec: &Spec,
        runs: usize,
        ops: &[Op],
    ) -> Result<Vec<(Op, Measurement)>, EngineError> {
        let mut out = Vec::new();
        self.family_into(tool, label, spec, (runs, ops), &mut out)?;
        Ok(out)
    }

    /// [`Runner::family`], pushing each operation's measurement onto `out`
    /// as soon as it is complete, so that a failure keeps the ones before.
    pub(crate) fn family_into(
        &self,
        tool: Tool,
        label: &str,
        spec: &Spec,
        (runs, ops): (usize, &[Op]),
        out: &mut Vec<(Op, Measurement)>,
    ) -> Result<(), EngineError> {
        let runs = runs.max(1);
        let n = spec.resources;
        let wants = |op| ops.contains(&op);
        let what = |op: Op| format!("{label} {}", op.name());
        let mut record = |op, measured: Vec<Run>| {
            if !measured.is_empty() {
                out.push((
                    op,
                    Measurement {
                        tool,
                        resources: n,
                        runs: measured,
                    },
                ));
            }
        };
        if ops.is_empty() {
            return Ok(());
        }

        // Applies: as many directories as the destroy step needs.
        let dirs = if wants(Op::Apply) || wants(Op::Destroy) {
            runs
        } else {
            1
        };
        let mut applied_dirs = Vec::new();
        let mut measured = Vec::new();
        for run in 0..dirs {
            let dir = self.fresh_dir(tool, label, spec, run)?;
            if wants(Op::Apply) {
                measured.push(self.measured(
                    tool,
                    &what(Op::Apply),
                    Op::Apply.command(),
                    n,
                    &dir,
                    &applied(n),
                    (run, dirs),
                )?);
            } else {
                self.exec(tool, &dir, Op::Apply.command(), &applied(n), false)?;
            }
            applied_dirs.push(dir);
        }
        record(Op::Apply, measured);
        let Some(first) = applied_dirs.first().cloned() else {
            return Ok(());
        };

        for op in [Op::NoopPlan, Op::PlanRefreshFalse] {
            if wants(op) {
                let mut measured = Vec::new();
                for run in 0..runs {
                    measured.push(self.measured(
                        tool,
                        &what(op),
                        op.command(),
                        n,
                        &first,
                        "No changes.",
                        (run, runs),
                    )?);
                }
                record(op, measured);
            }
        }

        if wants(Op::Change1pct) {
            let k = one_percent(n);
            let mut measured = Vec::new();
            for run in 0..runs {
                let changed = Spec {
                    change: Some(Change {
                        instances: k,
                        tag: format!("v{run}"),
                    }),
                    ..spec.clone()
                };
                write_config(&changed, &first)
                    .map_err(io_err(format!("writing {}", first.display())))?;
                let expect =
                    format!("Apply complete! Resources: 0 added, {k} changed, 0 destroyed.");
                measured.push(self.measured(
                    tool,
                    &what(Op::Change1pct),
                    Op::Change1pct.command(),
                    n,
                    &first,
                    &expect,
                    (run, runs),
                )?);
            }
            record(Op::Change1pct, measured);
        }

        if wants(Op::Destroy) {
            let expect = format!("Destroy complete! Resources: {n} destroyed.");
            let mut measured = Vec::new();
            for (run, dir) in applied_dirs.iter().enumerate() {
                measured.push(self.measured(
                    tool,
                    &what(Op::Destroy),
                    Op::Destroy.command(),
                    n,
                    dir,
                    &expect,
                    (run, applied_dirs.len()),
                )?);
            }
            record(Op::Destroy, measured);
        }
        Ok(())
    }
}

/// Kills a process group when a timeout passes first; see [`Watchdog::finish`].
struct Watchdog {
    done: mpsc::Sender<()>,
    thread: std::thread::JoinHandle<bool>,
}

/// Starts a watchdog over the process group `pgid`.
fn watchdog(pgid: u32, timeout: Duration) -> Watchdog {
    let (done, rx) = mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(timeout) {
            // The group of a child this process started (its own id).
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pgid}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            true
        } else {
            false
        }
    });
    Watchdog { done, thread }
}

impl Watchdog {
    /// Stops the watchdog; true if it had to kill the group.
    fn finish(self) -> bool {
        let _ = self.done.send(());
        self.thread.join().unwrap_or(false)
    }
}

/// The summary line of an apply creating `n` resources.
fn applied(n: usize) -> String {
    format!("Apply complete! Resources: {n} added, 0 changed, 0 destroyed.")
}

/// The peak RSS (KiB) written by `/usr/bin/time -f %M`: the last line
/// (GNU time writes a "Command exited with non-zero status" line first when
/// the command fails).
pub fn parse_rss(text: &str) -> Option<u64> {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())?
        .trim()
        .parse()
        .ok()
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// KiB as "123 MB" (MiB, rounded).
pub fn mib(kb: u64) -> String {
    format!("{} MB", (kb + 512) / 1024)
}

/// Seconds: two decimals, three under a second.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{s:.3}")
    } else {
        format!("{s:.2}")
    }
}

/// The Markdown table header matching [`ScenarioResult::table_row`].
pub fn table_header() -> String {
    [
        "| scenario | N | gitform best / median (s) | peak RSS | target (median) | terraform best / median (s), peak RSS | ratio (terraform / gitform, best, equal N) |",
        "|---|---:|---:|---:|---|---|---:|",
    ]
    .join("\n")
}

impl ScenarioResult {
    /// One Markdown table row (see [`table_header`]).
    pub fn table_row(&self) -> String {
        let g = self.gitform.samples();
        let target = match self.scenario.target() {
            None => "–".to_string(),
            Some(t) => {
                let median = g.median().as_secs_f64();
                let mut s = format!("< {} s", t.max_s);
                if let Some(floor) = t.floor_s {
                    let _ = write!(s, " (floor {floor} s, overhead {:.2} s)", median - floor);
                }
                s.push_str(if median < t.max_s { " ✓" } else { " ✗" });
                s
            }
        };
        let terraform = match &self.terraform {
            None => "not run".to_string(),
            Some(tf) => {
                let s = tf.samples();
                let mut cell = format!("{} / {}", secs(s.best()), secs(s.median()));
                if let Some(kb) = tf.peak_rss_kb() {
                    let _ = write!(cell, ", {}", mib(kb));
                }
                if tf.resources != self.gitform.resources {
                    let _ = write!(cell, " (terraform at N={})", tf.resources);
                }
                if self.scenario.is_latency() {
                    cell.push_str(" (local-exec `sleep 0.05`)");
                }
                cell
            }
        };
        let ratio = match (self.ratio(), &self.gitform_at_terraform_n) {
            (None, _) => "–".to_string(),
            (Some(r), None) => format!("{r:.1}×"),
            (Some(r), Some(at)) => format!(
                "{r:.1}× (gitform {} s at N={})",
                secs(at.samples().best()),
                at.resources
            ),
        };
        format!(
            "| {} | {} | {} / {} | {} | {} | {} | {} |",
            self.scenario.name(),
            self.gitform.resources,
            secs(g.best()),
            secs(g.median()),
            self.gitform
                .peak_rss_kb()
                .map(mib)
                .unwrap_or_else(|| "–".into()),
            target,
            terraform,
            ratio
        )
    }
}

/// The first executable `name` on `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_names_round_trip() {
        for sc in Scenario::ALL {
            assert_eq!(sc.name().parse::<Scenario>(), Ok(sc));
        }
        assert!("data-1-apply"
            .parse::<Scenario>()
            .unwrap_err()
            .contains("chain-200-50ms, independent-1000-50ms-p50"));
    }

    #[test]
    fn rss_is_the_last_line() {
        let cases: &[(&str, Option<u64>)] = &[
            ("123456\n", Some(123456)),
            ("Command exited with non-zero status 1\n9876\n", Some(9876)),
            ("", None),
            ("garbage\n", None),
        ];
        for &(text, want) in cases {
            assert_eq!(parse_rss(text), want, "{text:?}");
        }
    }

    #[test]
    fn scenario_ops_and_commands() {
        let cases: &[(Scenario, Option<Op>, &str)] = &[
            (Scenario::Chain200, None, "apply -auto-approve"),
            (
                Scenario::Independent1000,
                None,
                "apply -auto-approve -parallelism=50",
            ),
            (Scenario::DataApply, Some(Op::Apply), "apply -auto-approve"),
            (Scenario::DataNoopPlan, Some(Op::NoopPlan), "plan"),
            (
                Scenario::DataPlanRefreshFalse,
                Some(Op::PlanRefreshFalse),
                "plan -refresh=false",
            ),
            (
                Scenario::DataChange1pct,
                Some(Op::Change1pct),
                "apply -auto-approve",
            ),
            (
                Scenario::DataDestroy,
                Some(Op::Destroy),
                "destroy -auto-approve",
            ),
        ];
        for &(sc, op, command) in cases {
            assert_eq!((sc.op(), sc.command().join(" ")), (op, command.to_string()));
        }
        let one: Vec<usize> = [1, 99, 100, 5000, 100_000]
            .into_iter()
            .map(one_percent)
            .collect();
        assert_eq!(one, [1, 1, 1, 50, 1000]);
    }

    #[test]
    fn a_command_over_its_timeout_is_killed() {
        use std::os::unix::fs::PermissionsExt as _;
        let root = tempfile::tempdir().unwrap();
        // A stand-in for the tool that ignores its arguments and hangs.
        let tool = root.path().join("hang");
        std::fs::write(&tool, "#!/bin/sh\nsleep 5\n").unwrap();
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let bench = EngineBench {
            gitform: tool,
            terraform: None,
            runs: 1,
            terraform_runs: 1,
            terraform_max_resources: 1000,
            command_timeout: Duration::from_millis(300),
            terraform_timeout: Some(Duration::from_secs(1)),
        };
        let mut progress = |_: &str| {};
        let runner = Runner::new(&bench, root.path(), &mut progress);
        let start = Instant::now();
        let err = runner
            .exec(Tool::Gitform, root.path(), &["apply"], "never", true)
            .unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(4), "{err}");
        assert!(matches!(err, EngineError::Timeout { .. }), "{err}");
        assert_eq!(
            (bench.timeout(Tool::Gitform), bench.timeout(Tool::Terraform)),
            (Duration::from_millis(300), Duration::from_millis(300))
        );
        let longer = EngineBench {
            command_timeout: Duration::from_secs(900),
            ..bench
        };
        assert_eq!(longer.timeout(Tool::Terraform), Duration::from_secs(1));
    }

    #[test]
    fn specs_per_tool() {
        let g = Scenario::Chain200.spec(Tool::Gitform, 200);
        assert_eq!(
            (g.shape, g.kind, g.provider_delay_ms, g.provisioner_sleep_ms),
            (Shape::Chain, Kind::TestResource, 50, None)
        );
        let t = Scenario::Chain200.spec(Tool::Terraform, 200);
        assert_eq!(
            (t.kind, t.provisioner_sleep_ms),
            (Kind::TerraformData, Some(50))
        );
        let d = Scenario::DataDestroy.spec(Tool::Terraform, 1000);
        assert_eq!(
            (d.shape, d.kind, d.resources, d.provisioner_sleep_ms),
            (Shape::Independent, Kind::TerraformData, 1000, None)
        );
    }

    fn measurement(tool: Tool, n: usize, secs: &[f64]) -> Measurement {
        Measurement {
            tool,
            resources: n,
            runs: secs
                .iter()
                .map(|&s| Run {
                    wall: Duration::from_secs_f64(s),
                    rss_kb: Some(2048),
                })
                .collect(),
        }
    }

    #[test]
    fn rows_show_target_terraform_and_ratio() {
        let cases = [
            (
                ScenarioResult {
                    scenario: Scenario::Chain200,
                    gitform: measurement(Tool::Gitform, 200, &[10.5, 10.2, 10.4]),
                    gitform_at_terraform_n: None,
                    terraform: Some(measurement(Tool::Terraform, 200, &[20.4, 21.0, 22.0])),
                },
                "| chain-200-50ms | 200 | 10.20 / 10.40 | 2 MB | < 10.5 s (floor 10 s, overhead 0.40 s) ✓ | 20.40 / 21.00, 2 MB (local-exec `sleep 0.05`) | 2.0× |",
            ),
            (
                ScenarioResult {
                    scenario: Scenario::DataApply,
                    gitform: measurement(Tool::Gitform, 5000, &[6.0]),
                    gitform_at_terraform_n: Some(measurement(Tool::Gitform, 1000, &[0.5])),
                    terraform: Some(measurement(Tool::Terraform, 1000, &[25.0])),
                },
                "| data-5000-apply | 5000 | 6.00 / 6.00 | 2 MB | < 5 s ✗ | 25.00 / 25.00, 2 MB (terraform at N=1000) | 50.0× (gitform 0.500 s at N=1000) |",
            ),
            (
                ScenarioResult {
                    scenario: Scenario::DataDestroy,
                    gitform: measurement(Tool::Gitform, 5000, &[1.0, 3.0]),
                    gitform_at_terraform_n: None,
                    terraform: None,
                },
                "| data-5000-destroy | 5000 | 1.00 / 2.00 | 2 MB | – | not run | – |",
            ),
        ];
        for (result, want) in cases {
            assert_eq!(result.table_row(), want);
        }
    }
}
