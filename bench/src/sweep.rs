//! The scaling sweep: every operation of [`Op::ALL`] (apply from empty,
//! no-op plan, `plan -refresh=false`, apply of a 1% change, destroy) for
//! every shape × form × size, gitform and (up to a size) Terraform side by
//! side; the exponents of time against N fitted by least squares on
//! log-log; the targets checked; a log-log plot ([`crate::plot`]).
//!
//! A point that fails (a command failing, timing out, printing the wrong
//! summary) is recorded with its error and the sweep goes on.

use crate::engine::{
    mib, secs, EngineBench, EngineError, Measurement, Op, Runner, Scenario, ScenarioResult, Tool,
};
use crate::generate::{Form, Shape, Spec};
use crate::plot::{self, Dash, Figure, Marker, Panel, Series, Style};
use std::fmt::Write as _;
use std::path::Path;

/// What to sweep.
#[derive(Clone, Debug)]
pub struct SweepConfig {
    pub shapes: Vec<Shape>,
    pub forms: Vec<Form>,
    /// Resources (instances) per configuration, ascending.
    pub sizes: Vec<usize>,
    /// Measured runs of each operation at sizes under `single_run_from`
    /// (gitform; Terraform uses [`EngineBench::terraform_runs`]).
    pub runs: usize,
    /// From this size on, one run per operation.
    pub single_run_from: usize,
    /// Layers of the `layered` shape.
    pub layers: usize,
    /// Keep the generated directories (and states) after each point.
    pub keep_dirs: bool,
}

/// The sizes of the issue: 1k to 100k.
pub const DEFAULT_SIZES: [usize; 5] = [1000, 3000, 10_000, 30_000, 100_000];

/// One tool on one configuration: the operations measured, or why not.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub shape: Shape,
    pub form: Form,
    pub tool: Tool,
    pub resources: usize,
    /// The operations measured (all of [`Op::ALL`], or those before a failure).
    pub ops: Vec<(Op, Measurement)>,
    pub error: Option<String>,
    /// The operation that failed (the later ones did not run).
    pub failed_op: Option<Op>,
    /// When it failed by running past its timeout: the timeout.
    pub timed_out_after: Option<std::time::Duration>,
}

impl Point {
    pub fn op(&self, op: Op) -> Option<&Measurement> {
        self.ops.iter().find(|(o, _)| *o == op).map(|(_, m)| m)
    }

    /// The table cell of `op`: median and RSS; `> T s (killed)`, `failed`
    /// or `not run` after a failure; `–` when not measured.
    fn cell(&self, op: Op) -> String {
        match (self.op(op), self.failed_op) {
            (Some(m), _) => cell(m),
            (None, Some(f)) if f == op => match self.timed_out_after {
                Some(t) => format!("> {} s (killed)", t.as_secs()),
                None => "failed".into(),
            },
            (None, Some(_)) => "not run".into(),
            (None, None) => "–".into(),
        }
    }

    fn to_json(&self) -> serde_json::Value {
        let ops: serde_json::Map<String, serde_json::Value> = self
            .ops
            .iter()
            .map(|(op, m)| (op.name().to_string(), m.to_json()))
            .collect();
        serde_json::json!({
            "shape": self.shape.name(),
            "form": self.form.name(),
            "tool": self.tool.name(),
            "resources": self.resources,
            "ops": ops,
            "error": self.error,
            "failed_op": self.failed_op.map(Op::name),
            "timed_out_after_s": self.timed_out_after.map(|t| t.as_secs_f64()),
        })
    }
}

/// Runs the sweep: for each shape, form and size, gitform, then Terraform
/// when `bench.terraform` is set and the size is at most
/// `bench.terraform_max_resources`.
pub fn run(
    bench: &EngineBench,
    cfg: &SweepConfig,
    root: &Path,
    progress: &mut dyn FnMut(&str),
) -> Vec<Point> {
    let runner = Runner::new(bench, root, progress);
    let mut points = Vec::new();
    for &shape in &cfg.shapes {
        for &form in &cfg.forms {
            for &n in &cfg.sizes {
                let mut tools = vec![Tool::Gitform];
                if bench.terraform.is_some() && n <= bench.terraform_max_resources {
                    tools.push(Tool::Terraform);
                }
                for tool in tools {
                    let runs = match tool {
                        Tool::Terraform => bench.terraform_runs,
                        Tool::Gitform if n >= cfg.single_run_from => 1,
                        Tool::Gitform => cfg.runs,
                    }
                    .max(1);
                    let spec = Spec {
                        shape,
                        form,
                        resources: n,
                        layers: cfg.layers,
                        ..Spec::default()
                    };
                    let label = format!("{}-{}", shape.name(), form.name());
                    runner.say(&format!(
                        "== {label} n={n} {} ({runs} run{})",
                        tool.name(),
                        if runs == 1 { "" } else { "s" }
                    ));
                    let mut ops = Vec::new();
                    let result =
                        runner.family_into(tool, &label, &spec, (runs, &Op::ALL), &mut ops);
                    let (error, failed_op, timed_out_after) = match result {
                        Ok(()) => (None, None, None),
                        Err(e) => {
                            runner.say(&format!("{label} n={n} {}: FAILED: {e}", tool.name()));
                            let failed = Op::ALL
                                .into_iter()
                                .find(|op| !ops.iter().any(|(o, _)| o == op));
                            let timeout = match &e {
                                EngineError::Timeout { timeout, .. } => Some(*timeout),
                                _ => None,
                            };
                            (Some(e.to_string()), failed, timeout)
                        }
                    };
                    if !cfg.keep_dirs {
                        remove_point_dirs(root, &label, tool, n);
                    }
                    points.push(Point {
                        shape,
                        form,
                        tool,
                        resources: n,
                        ops,
                        error,
                        failed_op,
                        timed_out_after,
                    });
                }
            }
        }
    }
    points
}

/// Removes the directories [`Runner::family`] made for one point (they
/// hold up to hundreds of MB of configuration and state at 100k).
fn remove_point_dirs(root: &Path, label: &str, tool: Tool, n: usize) {
    let prefix = format!("{label}-{}-n{n}-run", tool.name());
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// The slope of the least-squares line through `(ln x, ln y)`: the
/// exponent `b` of `y ≈ a·x^b`. `None` under two distinct positive `x`.
pub fn loglog_slope(points: &[(f64, f64)]) -> Option<f64> {
    let logs: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    let n = logs.len() as f64;
    if logs.len() < 2 {
        return None;
    }
    let mx = logs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = logs.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = logs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = logs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 1e-12).then(|| sxy / sxx)
}

/// The fitted exponent of one operation's time (best run) against N.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    pub shape: Shape,
    pub form: Form,
    pub tool: Tool,
    pub op: Op,
    /// Exponent of the best wall time against N.
    pub time_exponent: f64,
    /// Exponent of the peak RSS against N, when every point has one.
    pub rss_exponent: Option<f64>,
    /// Smallest and largest N of the fit, and the number of sizes.
    pub min_n: usize,
    pub max_n: usize,
    pub sizes: usize,
}

impl Fit {
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "shape": self.shape.name(),
            "form": self.form.name(),
            "tool": self.tool.name(),
            "op": self.op.name(),
            "time_exponent": self.time_exponent,
            "rss_exponent": self.rss_exponent,
            "min_n": self.min_n,
            "max_n": self.max_n,
            "sizes": self.sizes,
        })
    }
}

/// Fits every (shape, form, tool, operation) measured at two sizes or more.
pub fn fits(points: &[Point]) -> Vec<Fit> {
    let mut out = Vec::new();
    let mut keys: Vec<(Shape, Form, Tool)> = Vec::new();
    for p in points {
        if !keys.contains(&(p.shape, p.form, p.tool)) {
            keys.push((p.shape, p.form, p.tool));
        }
    }
    for (shape, form, tool) in keys {
        for op in Op::ALL {
            let ms: Vec<&Measurement> = points
                .iter()
                .filter(|p| (p.shape, p.form, p.tool) == (shape, form, tool))
                .filter_map(|p| p.op(op))
                .collect();
            let time: Vec<(f64, f64)> = ms
                .iter()
                .map(|m| (m.resources as f64, m.samples().best().as_secs_f64()))
                .collect();
            let Some(time_exponent) = loglog_slope(&time) else {
                continue;
            };
            let rss: Option<Vec<(f64, f64)>> = ms
                .iter()
                .map(|m| Some((m.resources as f64, m.peak_rss_kb()? as f64)))
                .collect();
            out.push(Fit {
                shape,
                form,
                tool,
                op,
                time_exponent,
                rss_exponent: rss.as_deref().and_then(loglog_slope),
                min_n: ms.iter().map(|m| m.resources).min().unwrap_or_default(),
                max_n: ms.iter().map(|m| m.resources).max().unwrap_or_default(),
                sizes: ms.len(),
            });
        }
    }
    out
}

/// One target of the issue, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetCheck {
    pub name: String,
    pub goal: String,
    pub measured: String,
    /// `None`: not measured in this run.
    pub met: Option<bool>,
}

impl TargetCheck {
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "target": self.name,
            "goal": self.goal,
            "measured": self.measured,
            "met": self.met,
        })
    }
}

/// The growth target: fitted exponents below this.
pub const MAX_EXPONENT: f64 = 1.15;

fn gitform_point(points: &[Point], shape: Shape, form: Form, n: usize) -> Option<&Point> {
    points
        .iter()
        .find(|p| (p.shape, p.form, p.tool, p.resources) == (shape, form, Tool::Gitform, n))
}

/// `shape/form` for tables.
fn key(shape: Shape, form: Form) -> String {
    format!("{}/{}", shape.name(), form.name())
}

/// A check over the gitform measurements of `op` at `n` for `shapes` (every
/// form): met when each one's median is under `max_s` (and its peak RSS
/// under `max_rss_kb`).
fn at_size(
    points: &[Point],
    (name, goal): (&str, &str),
    shapes: &[Shape],
    op: Op,
    n: usize,
    (max_s, max_rss_kb): (f64, Option<u64>),
) -> TargetCheck {
    let mut parts = Vec::new();
    let mut met = None;
    for p in points
        .iter()
        .filter(|p| p.tool == Tool::Gitform && p.resources == n && shapes.contains(&p.shape))
    {
        let Some(m) = p.op(op) else {
            parts.push(format!("{}: {} ✗", key(p.shape, p.form), p.cell(op)));
            met = Some(false);
            continue;
        };
        let t = m.samples().median().as_secs_f64();
        let rss = m.peak_rss_kb();
        let ok = t < max_s && max_rss_kb.is_none_or(|max| rss.is_some_and(|r| r < max));
        met = Some(met.unwrap_or(true) && ok);
        let mut s = format!("{}: {} s", key(p.shape, p.form), secs(m.samples().median()));
        if max_rss_kb.is_some() {
            let _ = write!(s, ", {}", rss.map(mib).unwrap_or_else(|| "–".into()));
        }
        s.push_str(if ok { " ✓" } else { " ✗" });
        parts.push(s);
    }
    TargetCheck {
        name: name.into(),
        goal: goal.into(),
        measured: if parts.is_empty() {
            "not measured".into()
        } else {
            parts.join("; ")
        },
        met,
    }
}

fn from_scenario(
    engine: &[ScenarioResult],
    sc: Scenario,
    name: &str,
    goal: &str,
    max_s: f64,
) -> TargetCheck {
    let Some(r) = engine.iter().find(|r| r.scenario == sc) else {
        return TargetCheck {
            name: name.into(),
            goal: goal.into(),
            measured: "not measured".into(),
            met: None,
        };
    };
    let s = r.gitform.samples();
    let median = s.median().as_secs_f64();
    let mut measured = format!(
        "median {} s (best {} s, {} runs)",
        secs(s.median()),
        secs(s.best()),
        r.gitform.runs.len()
    );
    if let Some(floor) = sc.target().and_then(|t| t.floor_s) {
        let _ = write!(measured, " = {:.3} × the ideal", median / floor);
    }
    TargetCheck {
        name: name.into(),
        goal: goal.into(),
        measured,
        met: Some(median <= max_s),
    }
}

/// The targets, from the sweep points, the fits and the engine
/// scenarios run with the sweep.
pub fn check_targets(
    points: &[Point],
    fits: &[Fit],
    engine: &[ScenarioResult],
) -> Vec<TargetCheck> {
    let mut out = Vec::new();
    // apply of 5,000 independent: the sweep's point when it has one, else
    // the engine scenario.
    let name = "apply 5,000 independent";
    match gitform_point(points, Shape::Independent, Form::Named, 5000) {
        Some(_) => out.push(at_size(
            points,
            (name, "< 5 s"),
            &[Shape::Independent],
            Op::Apply,
            5000,
            (5.0, None),
        )),
        None => out.push(from_scenario(
            engine,
            Scenario::DataApply,
            name,
            "< 5 s",
            5.0,
        )),
    }
    out.push(at_size(
        points,
        ("apply 10,000 layered", "< 10 s"),
        &[Shape::Layered],
        Op::Apply,
        10_000,
        (10.0, None),
    ));
    out.push(at_size(
        points,
        ("no-op plan of 10,000", "< 1 s"),
        &Shape::NAMES
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect::<Vec<_>>(),
        Op::NoopPlan,
        10_000,
        (1.0, None),
    ));
    out.push(at_size(
        points,
        ("`plan -refresh=false` of 100,000", "< 10 s, < 2 GB RSS"),
        &Shape::NAMES
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect::<Vec<_>>(),
        Op::PlanRefreshFalse,
        100_000,
        (10.0, Some(2 * 1024 * 1024)),
    ));
    out.push(from_scenario(
        engine,
        Scenario::Independent1000,
        "1,000 independent × 50 ms, `-parallelism 50`",
        "≤ 1.15 × the ideal 1.0 s",
        1.15,
    ));
    out.push(from_scenario(
        engine,
        Scenario::Chain200,
        "chain of 200 × 50 ms",
        "≤ 1.05 × the ideal 10 s",
        10.5,
    ));
    for (name, ops) in [
        ("growth of apply time (log-log fit)", &[Op::Apply][..]),
        (
            "growth of plan time (log-log fit)",
            &[Op::NoopPlan, Op::PlanRefreshFalse][..],
        ),
    ] {
        let mine: Vec<&Fit> = fits
            .iter()
            .filter(|f| f.tool == Tool::Gitform && ops.contains(&f.op))
            .collect();
        let worst = mine
            .iter()
            .max_by(|a, b| a.time_exponent.total_cmp(&b.time_exponent));
        out.push(TargetCheck {
            name: name.into(),
            goal: format!("fitted exponent < {MAX_EXPONENT}"),
            measured: match worst {
                None => "not measured".into(),
                Some(w) => {
                    let best = mine
                        .iter()
                        .map(|f| f.time_exponent)
                        .fold(f64::INFINITY, f64::min);
                    format!(
                        "{:.2}–{:.2} over {} fits; worst {} {} ({:.2}, N {}–{})",
                        best,
                        w.time_exponent,
                        mine.len(),
                        key(w.shape, w.form),
                        w.op.label(),
                        w.time_exponent,
                        w.min_n,
                        w.max_n
                    )
                }
            },
            met: worst.map(|w| w.time_exponent < MAX_EXPONENT),
        });
    }
    out
}

/// A cell: the median (and the run count when > 1), the peak RSS.
fn cell(m: &Measurement) -> String {
    let s = m.samples();
    let rss = m.peak_rss_kb().map(mib).unwrap_or_else(|| "–".into());
    format!("{} s, {rss}", secs(s.median()))
}

/// The Markdown table of every point.
pub fn points_table(points: &[Point]) -> String {
    let mut out = String::from("| shape | form | N | tool | runs |");
    for op in Op::ALL {
        let _ = write!(out, " {} |", op.label());
    }
    out.push_str("\n|---|---|---:|---|---:|");
    for _ in Op::ALL {
        out.push_str("---:|");
    }
    out.push('\n');
    for p in points {
        let runs = p
            .ops
            .iter()
            .map(|(_, m)| m.runs.len())
            .max()
            .map_or("–".to_string(), |r| r.to_string());
        let _ = write!(
            out,
            "| {} | {} | {} | {} | {runs} |",
            p.shape.name(),
            p.form.name(),
            p.resources,
            p.tool.name()
        );
        let gitform = (p.tool == Tool::Terraform)
            .then(|| gitform_point(points, p.shape, p.form, p.resources))
            .flatten();
        for op in Op::ALL {
            let text = match p.op(op) {
                None => p.cell(op),
                Some(m) => {
                    let mut c = cell(m);
                    if let Some(g) = gitform.and_then(|g| g.op(op)) {
                        let gb = g.samples().best().as_secs_f64();
                        if gb > 0.0 {
                            let _ = write!(c, " ({:.0}×)", m.samples().best().as_secs_f64() / gb);
                        }
                    }
                    c
                }
            };
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }
    let failures: Vec<String> = points
        .iter()
        .filter_map(|p| {
            let e = p.error.as_ref()?;
            let first = e.lines().next().unwrap_or_default();
            Some(format!(
                "- {} n={} {}: {first}",
                key(p.shape, p.form),
                p.resources,
                p.tool.name()
            ))
        })
        .collect();
    if !failures.is_empty() {
        out.push_str("\nFailed points:\n\n");
        out.push_str(&failures.join("\n"));
        out.push('\n');
    }
    out
}

/// The Markdown table of the fitted exponents (time; RSS of the apply).
pub fn fits_table(fits: &[Fit]) -> String {
    let mut out = String::from("| shape | form | tool | N |");
    for op in Op::ALL {
        let _ = write!(out, " {} |", op.label());
    }
    out.push_str(" peak RSS of apply |\n|---|---|---|---|");
    for _ in Op::ALL {
        out.push_str("---:|");
    }
    out.push_str("---:|\n");
    let mut keys: Vec<(Shape, Form, Tool)> = Vec::new();
    for f in fits {
        if !keys.contains(&(f.shape, f.form, f.tool)) {
            keys.push((f.shape, f.form, f.tool));
        }
    }
    for (shape, form, tool) in keys {
        let mine: Vec<&Fit> = fits
            .iter()
            .filter(|f| (f.shape, f.form, f.tool) == (shape, form, tool))
            .collect();
        let range = mine
            .first()
            .map(|f| format!("{}–{} ({} sizes)", f.min_n, f.max_n, f.sizes))
            .unwrap_or_default();
        let _ = write!(
            out,
            "| {} | {} | {} | {range} |",
            shape.name(),
            form.name(),
            tool.name()
        );
        for op in Op::ALL {
            let text = match mine.iter().find(|f| f.op == op) {
                None => "–".to_string(),
                Some(f) => {
                    let mark = if matches!(op, Op::Apply | Op::NoopPlan | Op::PlanRefreshFalse)
                        && tool == Tool::Gitform
                    {
                        if f.time_exponent < MAX_EXPONENT {
                            " ✓"
                        } else {
                            " ✗"
                        }
                    } else {
                        ""
                    };
                    format!("{:.2}{mark}", f.time_exponent)
                }
            };
            let _ = write!(out, " {text} |");
        }
        let rss = mine
            .iter()
            .find(|f| f.op == Op::Apply)
            .and_then(|f| f.rss_exponent)
            .map_or("–".to_string(), |e| format!("{e:.2}"));
        let _ = writeln!(out, " {rss} |");
    }
    out
}

/// The Markdown table of the targets.
pub fn targets_table(targets: &[TargetCheck]) -> String {
    let mut out = String::from("| target | goal | measured | met |\n|---|---|---|---|\n");
    for t in targets {
        let met = match t.met {
            Some(true) => "✓ met",
            Some(false) => "✗ missed",
            None => "not measured",
        };
        let _ = writeln!(out, "| {} | {} | {} | {met} |", t.name, t.goal, t.measured);
    }
    out
}

/// The colour of an operation's lines.
fn op_color(op: Op) -> &'static str {
    match op {
        Op::Apply => "#1f77b4",
        Op::NoopPlan => "#2ca02c",
        Op::PlanRefreshFalse => "#9467bd",
        Op::Change1pct => "#ff7f0e",
        Op::Destroy => "#d62728",
    }
}

/// The scaling plot: one panel per shape × form (shapes across, forms
/// down), one line per tool × operation (best run), and a dotted
/// slope-1 reference through the first gitform apply point of each panel.
pub fn figure(points: &[Point], cfg: &SweepConfig, subtitle: &str) -> Figure {
    let mut panels = Vec::new();
    for &form in &cfg.forms {
        for &shape in &cfg.shapes {
            let mut series = Vec::new();
            for tool in [Tool::Gitform, Tool::Terraform] {
                for op in Op::ALL {
                    let pts: Vec<(f64, f64)> = points
                        .iter()
                        .filter(|p| (p.shape, p.form, p.tool) == (shape, form, tool))
                        .filter_map(|p| p.op(op))
                        .map(|m| (m.resources as f64, m.samples().best().as_secs_f64()))
                        .collect();
                    if pts.is_empty() {
                        continue;
                    }
                    series.push(Series {
                        label: format!("{} {}", tool.name(), op.label()),
                        style: Style {
                            color: op_color(op).into(),
                            dash: match tool {
                                Tool::Gitform => Dash::Solid,
                                Tool::Terraform => Dash::Dashed,
                            },
                            marker: match tool {
                                Tool::Gitform => Marker::Circle,
                                Tool::Terraform => Marker::Square,
                            },
                        },
                        points: pts,
                    });
                }
            }
            let apply = series
                .first()
                .filter(|s| s.label == format!("gitform {}", Op::Apply.label()));
            if let Some(&(x0, y0)) = apply.and_then(|s| s.points.first()) {
                let x1 = cfg.sizes.iter().copied().max().unwrap_or_default() as f64;
                if x1 > x0 {
                    series.push(Series {
                        label: "slope 1 (linear in N) from gitform apply".into(),
                        style: Style {
                            color: "#888888".into(),
                            dash: Dash::Dotted,
                            marker: Marker::None,
                        },
                        points: vec![(x0, y0), (x1, y0 * x1 / x0)],
                    });
                }
            }
            panels.push(Panel {
                title: format!("{}, {} form", shape.name(), form.name()),
                series,
            });
        }
    }
    Figure {
        title: "Wall time against N (log-log), best run; gitform solid, Terraform dashed".into(),
        subtitle: subtitle.into(),
        x_label: "resources N".into(),
        y_label: "wall time".into(),
        columns: cfg.shapes.len().max(1),
        panels,
        x_tick: plot::count_tick,
        y_tick: plot::seconds_tick,
    }
}

/// Everything of a sweep as JSON (the caller adds the machine and tools).
pub fn to_json(points: &[Point], fits: &[Fit], targets: &[TargetCheck]) -> serde_json::Value {
    serde_json::json!({
        "points": points.iter().map(Point::to_json).collect::<Vec<_>>(),
        "fits": fits.iter().map(Fit::to_json).collect::<Vec<_>>(),
        "targets": targets.iter().map(TargetCheck::to_json).collect::<Vec<_>>(),
    })
}

/// `unix` seconds as `YYYY-MM-DD HH:MM UTC` (civil from days, proleptic
/// Gregorian).
pub fn utc_date(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let rem = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Run;
    use std::time::Duration;

    #[test]
    fn slopes_of_power_laws() {
        let law = |b: f64| -> Vec<(f64, f64)> {
            DEFAULT_SIZES
                .iter()
                .map(|&n| (n as f64, 3e-4 * (n as f64).powf(b)))
                .collect()
        };
        for b in [0.5, 1.0, 1.15, 2.0] {
            let got = loglog_slope(&law(b)).unwrap();
            assert!((got - b).abs() < 1e-9, "{b}: {got}");
        }
        assert_eq!(loglog_slope(&[(1000.0, 1.0)]), None);
        assert_eq!(loglog_slope(&[(1000.0, 1.0), (1000.0, 2.0)]), None);
        assert_eq!(loglog_slope(&[(0.0, 1.0), (1000.0, 2.0)]), None);
        // Least squares, not end points: one slow middle point raises it a little.
        let mut noisy = law(1.0);
        noisy[2].1 *= 1.5;
        let got = loglog_slope(&noisy).unwrap();
        assert!(got > 1.0 && got < 1.1, "{got}");
    }

    #[test]
    fn dates() {
        let cases: &[(u64, &str)] = &[
            (0, "1970-01-01 00:00 UTC"),
            (951_782_400, "2000-02-29 00:00 UTC"),
            (1_795_357_920, "2026-11-22 14:32 UTC"),
        ];
        for &(t, want) in cases {
            assert_eq!(utc_date(t), want);
        }
    }

    fn m(tool: Tool, n: usize, s: f64, rss_kb: u64) -> Measurement {
        Measurement {
            tool,
            resources: n,
            runs: vec![Run {
                wall: Duration::from_secs_f64(s),
                rss_kb: Some(rss_kb),
            }],
        }
    }

    /// gitform points with time `a·N^b` for every op, and RSS 20 KB·N.
    fn points(shape: Shape, form: Form, a: f64, b: f64) -> Vec<Point> {
        DEFAULT_SIZES
            .iter()
            .map(|&n| Point {
                shape,
                form,
                tool: Tool::Gitform,
                resources: n,
                ops: Op::ALL
                    .iter()
                    .map(|&op| {
                        (
                            op,
                            m(Tool::Gitform, n, a * (n as f64).powf(b), 20 * n as u64),
                        )
                    })
                    .collect(),
                error: None,
                failed_op: None,
                timed_out_after: None,
            })
            .collect()
    }

    #[test]
    fn fits_and_targets() {
        let mut all = points(Shape::Independent, Form::Named, 2e-4, 1.0);
        all.extend(points(Shape::Layered, Form::Count, 1e-5, 1.3));
        all.push(Point {
            shape: Shape::Layered,
            form: Form::Count,
            tool: Tool::Terraform,
            resources: 1000,
            ops: vec![(Op::Apply, m(Tool::Terraform, 1000, 16.0, 120_000))],
            error: None,
            failed_op: None,
            timed_out_after: None,
        });
        let fits = fits(&all);
        // 2 gitform series × 5 ops; Terraform has one size: no fit.
        assert_eq!(fits.len(), 10);
        let f = fits
            .iter()
            .find(|f| f.shape == Shape::Layered && f.op == Op::Destroy)
            .unwrap();
        assert!((f.time_exponent - 1.3).abs() < 1e-6);
        assert!((f.rss_exponent.unwrap() - 1.0).abs() < 1e-6);
        assert_eq!((f.min_n, f.max_n, f.sizes), (1000, 100_000, 5));

        let targets = check_targets(&all, &fits, &[]);
        let met: Vec<(&str, Option<bool>)> =
            targets.iter().map(|t| (t.name.as_str(), t.met)).collect();
        assert_eq!(
            met,
            [
                ("apply 5,000 independent", None),
                // layered at 10k: 1e-5 · 10000^1.3 = 1.58 s
                ("apply 10,000 layered", Some(true)),
                // independent 2 s at 10k
                ("no-op plan of 10,000", Some(false)),
                // independent 20 s at 100k; layered 31.6 s; RSS 1.9 GB
                ("`plan -refresh=false` of 100,000", Some(false)),
                ("1,000 independent × 50 ms, `-parallelism 50`", None),
                ("chain of 200 × 50 ms", None),
                ("growth of apply time (log-log fit)", Some(false)),
                ("growth of plan time (log-log fit)", Some(false)),
            ]
        );
        assert_eq!(targets[1].measured, "layered/count: 1.58 s ✓");
        assert!(targets[3]
            .measured
            .starts_with("independent/named: 20.00 s, 1953 MB ✗; "));
        assert!(
            targets[6]
                .measured
                .contains("worst layered/count apply (1.30, N 1000–100000)"),
            "{}",
            targets[6].measured
        );

        let table = points_table(&all);
        assert!(
            table.contains("| layered | count | 1000 | terraform | 1 | 16.00 s, 117 MB ("),
            "{table}"
        );
        let fits_md = fits_table(&fits);
        assert!(fits_md.contains("| independent | named | gitform | 1000–100000 (5 sizes) | 1.00 ✓ | 1.00 ✓ | 1.00 ✓ | 1.00 | 1.00 | 1.00 |"), "{fits_md}");
        assert!(fits_md.contains("| 1.30 ✗ |"), "{fits_md}");
    }

    #[test]
    fn a_failed_point_is_reported_and_misses_its_targets() {
        let mut all = points(Shape::Independent, Form::Named, 1e-5, 1.0);
        if let Some(p) = all.iter_mut().find(|p| p.resources == 100_000) {
            p.ops.clear();
            p.error = Some("`gitform apply` timed out\nmore".into());
            p.failed_op = Some(Op::Apply);
        }
        if let Some(p) = all.iter_mut().find(|p| p.resources == 30_000) {
            p.ops.truncate(2);
            p.error = Some("`gitform plan -refresh=false` did not finish".into());
            p.failed_op = Some(Op::PlanRefreshFalse);
            p.timed_out_after = Some(Duration::from_secs(120));
        }
        let t = check_targets(&all, &fits(&all), &[]);
        assert_eq!(t[3].measured, "independent/named: not run ✗");
        assert_eq!(t[3].met, Some(false));
        let table = points_table(&all);
        assert!(
            table.contains(
                "| independent | named | 100000 | gitform | – | failed | not run | not run | not run | not run |"
            ),
            "{table}"
        );
        assert!(
            table.contains(
                "| 30000 | gitform | 1 | 0.300 s, 586 MB | 0.300 s, 586 MB | > 120 s (killed) | not run | not run |"
            ),
            "{table}"
        );
        assert!(
            table.contains("- independent/named n=100000 gitform: `gitform apply` timed out\n"),
            "{table}"
        );
    }

    #[test]
    fn the_figure_has_a_panel_per_shape_and_form() {
        let mut all = points(Shape::Independent, Form::Named, 2e-4, 1.0);
        all.extend(points(Shape::Chain, Form::Named, 2e-4, 1.0));
        let cfg = SweepConfig {
            shapes: vec![Shape::Independent, Shape::Chain],
            forms: vec![Form::Named],
            sizes: DEFAULT_SIZES.to_vec(),
            runs: 3,
            single_run_from: 30_000,
            layers: 10,
            keep_dirs: false,
        };
        let fig = figure(&all, &cfg, "test");
        assert_eq!(fig.panels.len(), 2);
        assert_eq!(fig.columns, 2);
        // 5 ops + the slope-1 reference.
        assert_eq!(fig.panels[0].series.len(), 6);
        let reference = &fig.panels[0].series[5];
        let want = [(1000.0, 0.2), (100_000.0, 20.0)];
        assert_eq!(reference.points.len(), 2);
        for (got, want) in reference.points.iter().zip(want) {
            assert!(
                (got.0 - want.0).abs() < 1e-6 && (got.1 - want.1).abs() < 1e-9,
                "{got:?}"
            );
        }
        let svg = plot::render(&fig);
        assert_eq!(svg.matches("<polyline").count(), 12);
    }
}
