//! `gitform-bench`: generate benchmark configurations and run benchmarks.
//! See bench/README.md.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use gitform_bench::engine::{self, EngineBench, Scenario};
use gitform_bench::generate::{write_config, Bodies, Form, Kind, Shape, Spec};
use gitform_bench::load::{self, LoadBench};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "gitform-bench",
    about = "Benchmark configurations and benchmarks for gitform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a generated configuration into a directory.
    Gen {
        /// independent, chain, layered or wide-fanout.
        #[arg(long, default_value = "independent")]
        shape: Shape,
        /// named (one block per resource) or count.
        #[arg(long, default_value = "named")]
        form: Form,
        /// terraform_data or test_resource.
        #[arg(long, default_value = "terraform_data")]
        kind: Kind,
        /// minimal or realistic.
        #[arg(long, default_value = "minimal")]
        bodies: Bodies,
        /// Number of resources (instances in the count form).
        #[arg(short = 'n', long, default_value_t = 100)]
        resources: usize,
        /// Layers of the layered shape.
        #[arg(long, default_value_t = 10)]
        layers: usize,
        /// `provider "test" { delay_ms = ... }` (test_resource only).
        #[arg(long, default_value_t = 0)]
        provider_delay_ms: u64,
        /// A `delay_ms` on every test_resource.
        #[arg(long)]
        resource_delay_ms: Option<u64>,
        /// Resource blocks per resources_NNN.tf file.
        #[arg(long, default_value_t = 1000)]
        blocks_per_file: usize,
        /// A `provisioner "local-exec" { command = "sleep ..." }` in every
        /// resource (per-resource latency Terraform can run offline).
        #[arg(long)]
        provisioner_sleep_ms: Option<u64>,
        /// The directory to write (created if missing).
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Measure load_module and reference extraction on a generated
    /// independent configuration with realistic bodies; prints a Markdown table.
    Load {
        #[arg(short = 'n', long, default_value_t = 10_000)]
        resources: usize,
        /// Measured runs (best and median are reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Generate into this directory (kept) instead of a temporary one.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Engine benchmarks: wall time and peak RSS of gitform's apply / plan /
    /// destroy on generated configurations, side by side with Terraform;
    /// prints a Markdown table. See bench/README.md.
    Engine {
        /// Scenarios to run (all by default): chain-200-50ms,
        /// independent-1000-50ms-p50, data-5000-apply, data-5000-noop-plan,
        /// data-5000-plan-refresh-false, data-5000-change-1pct, data-5000-destroy.
        scenarios: Vec<Scenario>,
        /// The gitform binary.
        #[arg(long, default_value = "target/release/gitform")]
        gitform: PathBuf,
        /// Measured runs per scenario (best and median are reported).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Require Terraform (`terraform` on PATH) for the comparison; by
        /// default it runs when found.
        #[arg(long, overrides_with = "no_terraform")]
        terraform: bool,
        /// Skip the Terraform comparison.
        #[arg(long, overrides_with = "terraform")]
        no_terraform: bool,
        /// Terraform (and gitform, for the ratio) runs larger scenarios at this size.
        #[arg(long, default_value_t = 1000)]
        terraform_max_resources: usize,
        /// Also write the results as JSON to this file.
        #[arg(long)]
        out_json: Option<PathBuf>,
        /// Work in this directory (kept) instead of a temporary one.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Gen {
            shape,
            form,
            kind,
            bodies,
            resources,
            layers,
            provider_delay_ms,
            resource_delay_ms,
            blocks_per_file,
            provisioner_sleep_ms,
            out,
        } => {
            let spec = Spec {
                shape,
                form,
                kind,
                bodies,
                resources,
                layers,
                provider_delay_ms,
                resource_delay_ms,
                blocks_per_file,
                provisioner_sleep_ms,
            };
            let bytes =
                write_config(&spec, &out).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote {} ({} {} {} resources, {} form, {} bodies, {bytes} bytes)",
                out.display(),
                resources,
                shape.name(),
                kind.name(),
                form.name(),
                bodies.name()
            );
            Ok(())
        }
        Command::Load {
            resources,
            runs,
            dir,
        } => {
            let bench = LoadBench { resources, runs };
            let tmp;
            let dir = match dir {
                Some(d) => d,
                None => {
                    tmp = tempfile::tempdir().context("creating a temporary directory")?;
                    tmp.path().to_path_buf()
                }
            };
            if cfg!(debug_assertions) {
                eprintln!("warning: debug build; measure with `cargo run --release -p gitform-bench -- load`");
            }
            let report = load::run(&bench, &dir)
                .with_context(|| format!("generating into {}", dir.display()))?;
            if report.errors > 0 {
                bail!(
                    "the generated configuration has {} error diagnostics",
                    report.errors
                );
            }
            println!("{}", load::table_header());
            println!("{}", report.table_row());
            Ok(())
        }
        Command::Engine {
            scenarios,
            gitform,
            runs,
            terraform,
            no_terraform,
            terraform_max_resources,
            out_json,
            dir,
        } => run_engine(EngineArgs {
            scenarios,
            gitform,
            runs,
            terraform: match (terraform, no_terraform) {
                (_, true) => TerraformUse::Never,
                (true, _) => TerraformUse::Required,
                _ => TerraformUse::WhenFound,
            },
            terraform_max_resources,
            out_json,
            dir,
        }),
    }
}

/// Whether to compare with Terraform.
enum TerraformUse {
    WhenFound,
    Required,
    Never,
}

struct EngineArgs {
    scenarios: Vec<Scenario>,
    gitform: PathBuf,
    runs: usize,
    terraform: TerraformUse,
    terraform_max_resources: usize,
    out_json: Option<PathBuf>,
    dir: Option<PathBuf>,
}

fn run_engine(args: EngineArgs) -> Result<()> {
    let scenarios = if args.scenarios.is_empty() {
        Scenario::ALL.to_vec()
    } else {
        args.scenarios
    };
    if !args.gitform.is_file() {
        bail!(
            "no gitform binary at {} (build it with `cargo build --release -p gitform`, or pass --gitform)",
            args.gitform.display()
        );
    }
    let gitform = std::fs::canonicalize(&args.gitform)
        .with_context(|| format!("resolving {}", args.gitform.display()))?;
    let terraform = match args.terraform {
        TerraformUse::Never => None,
        TerraformUse::WhenFound => engine::find_on_path("terraform"),
        TerraformUse::Required => {
            Some(engine::find_on_path("terraform").context("--terraform: no `terraform` on PATH")?)
        }
    };
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: debug build of gitform-bench (only the harness; gitform is {})",
            gitform.display()
        );
    }
    let tmp;
    let root = match args.dir {
        Some(d) => {
            std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
            d
        }
        None => {
            tmp = tempfile::tempdir().context("creating a temporary directory")?;
            tmp.path().to_path_buf()
        }
    };
    // Untimed: warms the page cache with each binary and records its version.
    let gitform_version = version(&gitform)?;
    let terraform_version = terraform.as_deref().map(version).transpose()?;
    let bench = EngineBench {
        gitform: gitform.clone(),
        terraform: terraform.clone(),
        runs: args.runs,
        terraform_max_resources: args.terraform_max_resources,
    };
    let load_before = loadavg();
    let results = engine::run(&bench, &scenarios, &root, &mut |line| eprintln!("{line}"))?;
    let load_after = loadavg();

    println!("{}", engine::table_header());
    for r in &results {
        println!("{}", r.table_row());
    }
    println!();
    println!(
        "Runs per scenario and tool: {}; wall time of the child process; peak RSS is the largest over the runs (GNU time %M).",
        args.runs.max(1)
    );
    match &terraform {
        Some(_) => println!(
            "Latency scenarios: gitform uses its test provider (delay_ms = {ms}); Terraform has no \
             offline provider with latency, so it runs terraform_data with a \
             `provisioner \"local-exec\" {{ command = \"sleep 0.05\" }}` per resource \
             (which adds a shell and a process spawn per resource). \
             Scenarios over {max} resources run Terraform at N={max}, and gitform at that N too for the ratio.",
            ms = engine::LATENCY_MS,
            max = args.terraform_max_resources
        ),
        None => println!("Terraform: not run (not on PATH, or --no-terraform)."),
    }
    println!("load average before / after: {load_before} / {load_after}");

    if let Some(path) = args.out_json {
        let json = serde_json::json!({
            "unix_time": std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default(),
            "cpus": std::thread::available_parallelism().map(|n| n.get()).ok(),
            "load_average_before": load_before,
            "load_average_after": load_after,
            "runs": args.runs.max(1),
            "terraform_max_resources": args.terraform_max_resources,
            "gitform": { "path": gitform, "version": gitform_version },
            "terraform": terraform.as_ref().map(|p| serde_json::json!({ "path": p, "version": terraform_version })),
            "scenarios": results.iter().map(|r| r.to_json()).collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&json).context("encoding JSON")?;
        std::fs::write(&path, text + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The first line of `PROGRAM version`.
fn version(program: &std::path::Path) -> Result<String> {
    let out = std::process::Command::new(program)
        .arg("version")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .with_context(|| format!("running {} version", program.display()))?;
    if !out.status.success() {
        bail!("`{} version` failed ({})", program.display(), out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string())
}

/// The 1, 5 and 15 minute load averages, as in /proc/loadavg.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_string())
}
