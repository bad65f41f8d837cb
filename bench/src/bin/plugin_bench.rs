//! `plugin_bench`: the cost of the plugin protocol. The same configuration
//! of N `terraform_data` resources (1,000 by default) is applied, planned
//! (no changes) and destroyed twice with the real `gitform` binary:
//!
//! - **in-process**: the builtin `terraform` provider, inside gitform;
//! - **plugin**: the same provider served out of process by
//!   `gitform-provider-terraform` (crate `gitform-plugin-builtins`, the SDK's
//!   `serve` around the builtin provider), which an override directory
//!   (`GITFORM_PROVIDER_OVERRIDES`) puts in place of the builtin.
//!
//! Each phase runs `--runs` times in a fresh directory; the medians and the
//! difference per resource are reported (target: under 0.5 ms more per
//! resource). Before timing, one logged run checks that the plugin really
//! serves the calls.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target-release cargo build --release -p gitform -p gitform-plugin-builtins -p gitform-bench
//! /work/target-release/release/plugin_bench            # 1,000 resources, 5 runs
//! /work/target-release/release/plugin_bench --resources 10000 --runs 3
//! ```
//! Release builds only, on a quiet machine. See bench/README.md.

use anyhow::{bail, Context, Result};
use clap::Parser;
use gitform_bench::timing::Samples;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "plugin_bench",
    about = "gitform apply / no-op plan / destroy of N resources: builtin provider in-process vs the same provider as a plugin"
)]
struct Args {
    /// Resources in the configuration.
    #[arg(long, default_value_t = 1000)]
    resources: usize,
    /// Runs of each phase per mode (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// gitform's -parallelism.
    #[arg(long, default_value_t = 10)]
    parallelism: usize,
    /// The gitform binary (default: `gitform` next to this benchmark).
    #[arg(long)]
    gitform: Option<PathBuf>,
    /// The directory holding `gitform-provider-terraform` (default: the
    /// directory of this benchmark).
    #[arg(long)]
    plugin_dir: Option<PathBuf>,
}

/// How the `terraform` provider is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    InProcess,
    Plugin,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::InProcess => "in-process",
            Mode::Plugin => "plugin",
        }
    }
}

/// Where and how to run gitform.
struct Setup {
    gitform: PathBuf,
    plugin_dir: PathBuf,
    parallelism: usize,
}

impl Setup {
    fn run(&self, mode: Mode, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<Output> {
        let mut c = Command::new(&self.gitform);
        c.current_dir(dir)
            .arg("-no-color")
            .args(args)
            .env_remove("GITFORM_LOG")
            .env_remove("TF_LOG")
            .env_remove("GITFORM_PROVIDER_OVERRIDES");
        if mode == Mode::Plugin {
            c.env("GITFORM_PROVIDER_OVERRIDES", &self.plugin_dir);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c
            .output()
            .with_context(|| format!("running {}", self.gitform.display()))?;
        Ok(out)
    }

    /// Runs a command that must succeed; returns its duration and stdout.
    fn timed(&self, mode: Mode, dir: &Path, args: &[&str]) -> Result<(Duration, String)> {
        let start = Instant::now();
        let out = self.run(mode, dir, args, &[])?;
        let took = start.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            bail!(
                "gitform {} ({}) failed: {}\n{}\n{}",
                args.join(" "),
                mode.label(),
                out.status,
                stdout,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok((took, stdout))
    }
}

/// N independent `terraform_data` resources, each with an object input.
fn config(n: usize) -> String {
    let mut s = String::with_capacity(n * 120);
    for i in 0..n {
        let _ = writeln!(
            s,
            "resource \"terraform_data\" \"r{i}\" {{\n  input = {{ index = {i}, name = \"r-{i}\", tags = [\"bench\", \"plugin\"] }}\n}}\n"
        );
    }
    s
}

fn work_dir(n: usize) -> Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("gitform-plugin-bench-")
        .tempdir()?;
    std::fs::write(dir.path().join("main.tf"), config(n))?;
    Ok(dir)
}

/// The medians of one mode.
struct Phases {
    apply: Samples,
    plan: Samples,
    destroy: Samples,
}

fn measure(setup: &Setup, mode: Mode, n: usize, runs: usize) -> Result<Phases> {
    let par = format!("-parallelism={}", setup.parallelism);
    let (mut apply, mut plan, mut destroy) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs.max(1) {
        let dir = work_dir(n)?;
        let (t, out) = setup.timed(mode, dir.path(), &["apply", "-auto-approve", &par])?;
        let want = format!("Apply complete! Resources: {n} added, 0 changed, 0 destroyed.");
        if !out.contains(&want) {
            bail!("apply ({}) did not report {want:?}:\n{out}", mode.label());
        }
        apply.push(t);
        let (t, out) = setup.timed(mode, dir.path(), &["plan", &par])?;
        if !out.contains("No changes.") {
            bail!(
                "the plan after apply ({}) is not empty:\n{out}",
                mode.label()
            );
        }
        plan.push(t);
        let (t, out) = setup.timed(mode, dir.path(), &["destroy", "-auto-approve", &par])?;
        if !out.contains(&format!("Destroy complete! Resources: {n} destroyed.")) {
            bail!(
                "destroy ({}) did not destroy everything:\n{out}",
                mode.label()
            );
        }
        destroy.push(t);
        eprintln!(
            "  {} run {}: apply {:.0} ms, plan {:.0} ms, destroy {:.0} ms",
            mode.label(),
            run + 1,
            ms(apply[run]),
            ms(plan[run]),
            ms(destroy[run])
        );
    }
    Ok(Phases {
        apply: Samples(apply),
        plan: Samples(plan),
        destroy: Samples(destroy),
    })
}

/// One logged run of the plugin mode: the plugin must be started, and the
/// apply must go through it.
fn check_plugin_is_used(setup: &Setup) -> Result<()> {
    let dir = work_dir(3)?;
    let out = setup.run(
        Mode::Plugin,
        dir.path(),
        &["apply", "-auto-approve"],
        &[("GITFORM_LOG", "debug")],
    )?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("the plugin check apply failed:\n{stderr}");
    }
    let exe = setup.plugin_dir.join("gitform-provider-terraform");
    if !stderr.contains("gitform-provider-terraform") && !stderr.contains(&*exe.to_string_lossy()) {
        bail!(
            "the apply with GITFORM_PROVIDER_OVERRIDES={} did not use {} (nothing in its log names it)",
            setup.plugin_dir.display(),
            exe.display()
        );
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> Result<()> {
    let args = Args::parse();
    let here = std::env::current_exe()?
        .parent()
        .map(Path::to_path_buf)
        .context("the benchmark's directory")?;
    let setup = Setup {
        gitform: args.gitform.unwrap_or_else(|| here.join("gitform")),
        plugin_dir: args.plugin_dir.unwrap_or(here),
        parallelism: args.parallelism,
    };
    for (what, path) in [
        ("gitform", setup.gitform.clone()),
        (
            "plugin",
            setup.plugin_dir.join("gitform-provider-terraform"),
        ),
    ] {
        if !path.is_file() {
            bail!(
                "no {what} at {}: build with `CARGO_TARGET_DIR=/work/target-release cargo build --release -p gitform -p gitform-plugin-builtins -p gitform-bench`",
                path.display()
            );
        }
    }
    check_plugin_is_used(&setup)?;
    let n = args.resources;
    eprintln!(
        "{n} terraform_data resources, {} runs per mode, -parallelism={}",
        args.runs, args.parallelism
    );
    let inproc = measure(&setup, Mode::InProcess, n, args.runs)?;
    let plugin = measure(&setup, Mode::Plugin, n, args.runs)?;

    println!(
        "plugin_bench: {n} terraform_data resources, median of {} runs, -parallelism={}",
        args.runs, args.parallelism
    );
    println!(
        "{:<8} {:>14} {:>12} {:>13} {:>22}",
        "phase", "in-process ms", "plugin ms", "overhead ms", "overhead per resource"
    );
    let mut worst = 0.0f64;
    for (phase, a, b) in [
        ("apply", &inproc.apply, &plugin.apply),
        ("plan", &inproc.plan, &plugin.plan),
        ("destroy", &inproc.destroy, &plugin.destroy),
    ] {
        let (a, b) = (ms(a.median()), ms(b.median()));
        let per = (b - a) / n.max(1) as f64;
        if phase == "apply" {
            worst = per;
        }
        println!(
            "{phase:<8} {a:>14.1} {b:>12.1} {:>13.1} {:>19.3} ms",
            b - a,
            per
        );
    }
    let verdict = if worst < 0.5 { "meets" } else { "misses" };
    println!("apply overhead per resource: {worst:.3} ms ({verdict} the 0.5 ms target)");
    Ok(())
}
