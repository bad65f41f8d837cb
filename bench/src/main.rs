//! `gitform-bench`: generate benchmark configurations and run benchmarks.
//! See bench/README.md.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
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
    /// Engine benchmarks (apply/plan timings of the gitform binary, side by
    /// side with Terraform): not implemented yet, see bench/README.md.
    Engine {
        /// chain-200-50ms, independent-1000-p50, data-5000-apply, data-5000-noop-plan.
        scenario: Option<String>,
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
        Command::Engine { scenario } => bail!(
            "engine benchmark{} not implemented yet: it needs `gitform apply`/`plan`. \
             The plan (scenarios, commands, Terraform comparison) is in bench/README.md; \
             meanwhile generate the configurations with `gitform-bench gen`.",
            scenario.map(|s| format!(" `{s}`")).unwrap_or_default()
        ),
    }
}
