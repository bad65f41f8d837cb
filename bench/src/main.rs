//! `gitform-bench`: generate benchmark configurations and run benchmarks.
//! See bench/README.md.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use gitform_bench::engine::{self, EngineBench, Scenario};
use gitform_bench::generate::{write_config, Bodies, Form, Kind, Shape, Spec};
use gitform_bench::inprocess;
use gitform_bench::load::{self, LoadBench};
use gitform_bench::sweep::{self, SweepConfig};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

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
        /// The gitform binary [default: `gitform` next to this
        /// gitform-bench binary, else target/release/gitform].
        #[arg(long)]
        gitform: Option<PathBuf>,
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
        /// Measured runs per scenario for Terraform (default: --runs).
        #[arg(long)]
        terraform_runs: Option<usize>,
        /// Kill a command still running after this many seconds.
        #[arg(long, default_value_t = 900)]
        command_timeout: u64,
        /// Kill a Terraform command still running after this many seconds
        /// (default: --command-timeout).
        #[arg(long)]
        terraform_timeout: Option<u64>,
        /// Also write the results as JSON to this file.
        #[arg(long)]
        out_json: Option<PathBuf>,
        /// Work in this directory (kept) instead of a temporary one.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Engine scenarios measured in process through the engine library:
    /// throttling with adaptive concurrency on and off, a provider's own
    /// concurrency limit, refresh calls of a plan, the no-op plan of a
    /// 10,000 chain; prints a Markdown table. See bench/README.md.
    Inprocess {
        /// Scenarios to run (all by default): throttle-300-adaptive,
        /// throttle-300-fixed, max-concurrency-200-5, refresh-1000-50ms,
        /// chain-10000-noop-plan, independent-10000-noop-plan.
        scenarios: Vec<inprocess::Scenario>,
        /// Measured runs per scenario.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Also write the results as JSON to this file.
        #[arg(long)]
        out_json: Option<PathBuf>,
        /// Work in this directory instead of a temporary one.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Scaling sweep: apply, no-op plan, plan -refresh=false, 1% change and
    /// destroy for every shape × form × size (terraform_data), Terraform
    /// side by side up to --terraform-max-resources; fitted exponents, the
    /// issue's targets, a Markdown report and a log-log SVG plot. Also runs
    /// the latency scenarios and data-5000-apply of `engine` unless
    /// --no-engine-scenarios. See bench/README.md.
    Sweep {
        /// Sizes (resources), comma-separated.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "1000,3000,10000,30000,100000"
        )]
        sizes: Vec<usize>,
        /// Shapes, comma-separated.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "independent,chain,layered,wide-fanout"
        )]
        shapes: Vec<Shape>,
        /// Forms, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "named,count")]
        forms: Vec<Form>,
        /// Measured runs per operation below --single-run-from (gitform).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// From this size on, one run per operation.
        #[arg(long, default_value_t = 30_000)]
        single_run_from: usize,
        /// Layers of the layered shape.
        #[arg(long, default_value_t = 10)]
        layers: usize,
        /// The gitform binary [default: `gitform` next to this
        /// gitform-bench binary, else target/release/gitform].
        #[arg(long)]
        gitform: Option<PathBuf>,
        /// Require Terraform (`terraform` on PATH); by default it runs when found.
        #[arg(long, overrides_with = "no_terraform")]
        terraform: bool,
        /// Skip the Terraform comparison.
        #[arg(long, overrides_with = "terraform")]
        no_terraform: bool,
        /// Terraform runs only the sizes up to this.
        #[arg(long, default_value_t = 1000)]
        terraform_max_resources: usize,
        /// Measured runs per operation for Terraform.
        #[arg(long, default_value_t = 1)]
        terraform_runs: usize,
        /// Skip the engine scenarios (chain-200-50ms,
        /// independent-1000-50ms-p50, data-5000-apply, and the in-process
        /// throttle-300-adaptive, throttle-300-fixed, max-concurrency-200-5,
        /// refresh-1000-50ms).
        #[arg(long)]
        no_engine_scenarios: bool,
        /// Kill a command still running after this many seconds (the point
        /// is reported as failed and the sweep goes on).
        #[arg(long, default_value_t = 900)]
        command_timeout: u64,
        /// The same for Terraform's commands: its chain of 1,000 takes
        /// minutes to apply and longer to destroy; the cell then reads
        /// "> S s (killed)".
        #[arg(long, default_value_t = 120)]
        terraform_timeout: u64,
        /// Write the results as JSON to this file.
        #[arg(long)]
        out_json: Option<PathBuf>,
        /// Write the scaling plot (SVG) to this file.
        #[arg(long)]
        out_svg: Option<PathBuf>,
        /// Write the Markdown report to this file too (it goes to standard output).
        #[arg(long)]
        out_md: Option<PathBuf>,
        /// Work in this directory instead of a temporary one.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Keep every point's directories (configuration and state).
        #[arg(long)]
        keep_dirs: bool,
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
                change: None,
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
            terraform_runs,
            command_timeout,
            terraform_timeout,
            out_json,
            dir,
        } => run_engine(EngineArgs {
            scenarios,
            tools: ToolArgs {
                gitform,
                terraform: TerraformUse::from_flags(terraform, no_terraform),
            },
            runs,
            terraform_runs: terraform_runs.unwrap_or(runs),
            terraform_max_resources,
            command_timeout: Duration::from_secs(command_timeout),
            terraform_timeout: terraform_timeout.map(Duration::from_secs),
            out_json,
            dir,
        }),
        Command::Inprocess {
            scenarios,
            runs,
            out_json,
            dir,
        } => {
            let scenarios = if scenarios.is_empty() {
                inprocess::Scenario::ALL.to_vec()
            } else {
                scenarios
            };
            if cfg!(debug_assertions) {
                eprintln!("warning: debug build; measure with a release build of gitform-bench");
            }
            let (root, _tmp) = work_root(dir)?;
            let load_before = loadavg();
            let results = inprocess::run(&scenarios, runs, &root, &mut |l| eprintln!("{l}"))?;
            let load_after = loadavg();
            println!("{}", inprocess::table_header());
            for r in &results {
                println!("{}", r.table_row());
            }
            println!();
            println!("{} run(s) per scenario; {}; load average before / after: {load_before} / {load_after}.", runs.max(1), machine());
            if let Some(path) = out_json {
                let json = serde_json::json!({
                    "unix_time": unix_now(),
                    "machine": machine(),
                    "load_average_before": load_before,
                    "load_average_after": load_after,
                    "scenarios": results.iter().map(|r| r.to_json()).collect::<Vec<_>>(),
                });
                let text = serde_json::to_string_pretty(&json).context("encoding JSON")?;
                write_file(&path, &(text + "\n"))?;
            }
            Ok(())
        }
        Command::Sweep {
            sizes,
            shapes,
            forms,
            runs,
            single_run_from,
            layers,
            gitform,
            terraform,
            no_terraform,
            terraform_max_resources,
            terraform_runs,
            no_engine_scenarios,
            command_timeout,
            terraform_timeout,
            out_json,
            out_svg,
            out_md,
            dir,
            keep_dirs,
        } => {
            let mut sizes = sizes;
            sizes.sort_unstable();
            sizes.dedup();
            run_sweep(SweepArgs {
                cfg: SweepConfig {
                    shapes,
                    forms,
                    sizes,
                    runs,
                    single_run_from,
                    layers,
                    keep_dirs,
                },
                tools: ToolArgs {
                    gitform,
                    terraform: TerraformUse::from_flags(terraform, no_terraform),
                },
                terraform_max_resources,
                terraform_runs,
                engine_scenarios: !no_engine_scenarios,
                command_timeout: Duration::from_secs(command_timeout),
                terraform_timeout: Duration::from_secs(terraform_timeout),
                out_json,
                out_svg,
                out_md,
                dir,
            })
        }
    }
}

/// Whether to compare with Terraform.
enum TerraformUse {
    WhenFound,
    Required,
    Never,
}

impl TerraformUse {
    fn from_flags(terraform: bool, no_terraform: bool) -> TerraformUse {
        match (terraform, no_terraform) {
            (_, true) => TerraformUse::Never,
            (true, _) => TerraformUse::Required,
            _ => TerraformUse::WhenFound,
        }
    }
}

/// The binaries to measure, as given on the command line.
struct ToolArgs {
    gitform: Option<PathBuf>,
    terraform: TerraformUse,
}

/// The binaries found, with their versions (running `version` also warms
/// the page cache with each, untimed).
struct Tools {
    gitform: PathBuf,
    gitform_version: String,
    terraform: Option<PathBuf>,
    terraform_version: Option<String>,
}

impl ToolArgs {
    fn resolve(self) -> Result<Tools> {
        // By default the gitform built with this binary (the same target
        // directory), else the usual place.
        let given = self.gitform.clone().unwrap_or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(|d| d.join("gitform")))
                .filter(|p| p.is_file())
                .unwrap_or_else(|| PathBuf::from("target/release/gitform"))
        });
        if !given.is_file() {
            bail!(
                "no gitform binary at {} (build it with `cargo build --release -p gitform`, or pass --gitform)",
                given.display()
            );
        }
        let gitform = std::fs::canonicalize(&given)
            .with_context(|| format!("resolving {}", given.display()))?;
        let terraform = match self.terraform {
            TerraformUse::Never => None,
            TerraformUse::WhenFound => engine::find_on_path("terraform"),
            TerraformUse::Required => Some(
                engine::find_on_path("terraform").context("--terraform: no `terraform` on PATH")?,
            ),
        };
        if cfg!(debug_assertions) {
            eprintln!(
                "warning: debug build of gitform-bench (only the harness; gitform is {})",
                gitform.display()
            );
        }
        Ok(Tools {
            gitform_version: version(&gitform)?,
            terraform_version: terraform.as_deref().map(version).transpose()?,
            gitform,
            terraform,
        })
    }

    fn json(tools: &Tools) -> serde_json::Value {
        serde_json::json!({
            "gitform": { "path": tools.gitform, "version": tools.gitform_version },
            "terraform": tools.terraform.as_ref().map(|p| serde_json::json!({ "path": p, "version": tools.terraform_version })),
        })
    }
}

/// The work directory: `dir` (created), or a temporary one (removed with
/// the returned guard).
fn work_root(dir: Option<PathBuf>) -> Result<(PathBuf, Option<tempfile::TempDir>)> {
    match dir {
        Some(d) => {
            std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
            Ok((d, None))
        }
        None => {
            let tmp = tempfile::tempdir().context("creating a temporary directory")?;
            Ok((tmp.path().to_path_buf(), Some(tmp)))
        }
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

struct EngineArgs {
    scenarios: Vec<Scenario>,
    tools: ToolArgs,
    runs: usize,
    terraform_runs: usize,
    terraform_max_resources: usize,
    command_timeout: Duration,
    terraform_timeout: Option<Duration>,
    out_json: Option<PathBuf>,
    dir: Option<PathBuf>,
}

fn run_engine(args: EngineArgs) -> Result<()> {
    let scenarios = if args.scenarios.is_empty() {
        Scenario::ALL.to_vec()
    } else {
        args.scenarios
    };
    let tools = args.tools.resolve()?;
    let (root, _tmp) = work_root(args.dir)?;
    let bench = EngineBench {
        gitform: tools.gitform.clone(),
        terraform: tools.terraform.clone(),
        runs: args.runs,
        terraform_runs: args.terraform_runs,
        terraform_max_resources: args.terraform_max_resources,
        command_timeout: args.command_timeout,
        terraform_timeout: args.terraform_timeout,
    };
    let terraform = &tools.terraform;
    let load_before = loadavg();
    let results = engine::run(&bench, &scenarios, &root, &mut |line| eprintln!("{line}"))?;
    let load_after = loadavg();

    println!("{}", engine::table_header());
    for r in &results {
        println!("{}", r.table_row());
    }
    println!();
    println!(
        "Runs per scenario: gitform {}, terraform {}; wall time of the child process; peak RSS is the largest over the runs (GNU time %M).",
        args.runs.max(1),
        args.terraform_runs.max(1)
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
        let mut json = serde_json::json!({
            "unix_time": unix_now(),
            "cpus": std::thread::available_parallelism().map(|n| n.get()).ok(),
            "load_average_before": load_before,
            "load_average_after": load_after,
            "runs": args.runs.max(1),
            "terraform_runs": args.terraform_runs.max(1),
            "terraform_max_resources": args.terraform_max_resources,
            "scenarios": results.iter().map(|r| r.to_json()).collect::<Vec<_>>(),
        });
        merge(&mut json, ToolArgs::json(&tools));
        let text = serde_json::to_string_pretty(&json).context("encoding JSON")?;
        write_file(&path, &(text + "\n"))?;
    }
    Ok(())
}

/// Adds the fields of the object `extra` to the object `json`.
fn merge(json: &mut serde_json::Value, extra: serde_json::Value) {
    if let (Some(a), serde_json::Value::Object(b)) = (json.as_object_mut(), extra) {
        a.extend(b);
    }
}

struct SweepArgs {
    cfg: SweepConfig,
    tools: ToolArgs,
    terraform_max_resources: usize,
    terraform_runs: usize,
    engine_scenarios: bool,
    command_timeout: Duration,
    terraform_timeout: Duration,
    out_json: Option<PathBuf>,
    out_svg: Option<PathBuf>,
    out_md: Option<PathBuf>,
    dir: Option<PathBuf>,
}

fn run_sweep(args: SweepArgs) -> Result<()> {
    let tools = args.tools.resolve()?;
    let (root, _tmp) = work_root(args.dir)?;
    let cfg = args.cfg;
    let bench = EngineBench {
        gitform: tools.gitform.clone(),
        terraform: tools.terraform.clone(),
        runs: cfg.runs,
        terraform_runs: args.terraform_runs,
        terraform_max_resources: args.terraform_max_resources,
        command_timeout: args.command_timeout,
        terraform_timeout: Some(args.terraform_timeout),
    };
    let started = Instant::now();
    let start_time = unix_now();
    let mut progress = |line: &str| {
        let t = started.elapsed().as_secs();
        eprintln!("[{:02}:{:02}] {line}", t / 60, t % 60);
    };
    let load_before = loadavg();
    let mut scenarios = Vec::new();
    if args.engine_scenarios {
        // The latency scenarios with Terraform side by side; the 5,000
        // apply for gitform only (Terraform's 1,000 is in the sweep).
        scenarios = engine::run(
            &bench,
            &[Scenario::Chain200, Scenario::Independent1000],
            &root,
            &mut progress,
        )?;
        let gitform_only = EngineBench {
            terraform: None,
            ..bench.clone()
        };
        scenarios.extend(engine::run(
            &gitform_only,
            &[Scenario::DataApply],
            &root,
            &mut progress,
        )?);
    }
    // Throttling, the provider's own limit and refresh calls, in process.
    let in_process = if args.engine_scenarios {
        inprocess::run(
            &[
                inprocess::Scenario::ThrottleAdaptive,
                inprocess::Scenario::ThrottleFixed,
                inprocess::Scenario::MaxConcurrency,
                inprocess::Scenario::RefreshBatch,
            ],
            cfg.runs,
            &root,
            &mut progress,
        )?
    } else {
        Vec::new()
    };
    let points = sweep::run(&bench, &cfg, &root, &mut progress);
    let load_after = loadavg();
    let elapsed = started.elapsed();
    let fits = sweep::fits(&points);
    let targets = sweep::check_targets(&points, &fits, &scenarios);

    let date = sweep::utc_date(start_time);
    let command: Vec<String> = std::env::args().collect();
    let machine = machine();
    let mut md = String::new();
    md.push_str(&format!(
        "Sweep of {date}, {:.1} min in all; `{}`; {machine}; {}{}; load average before / after: {load_before} / {load_after}.\n\n",
        elapsed.as_secs_f64() / 60.0,
        command.join(" "),
        tools.gitform_version,
        tools
            .terraform_version
            .as_deref()
            .map(|v| format!(", {v}"))
            .unwrap_or_default(),
    ));
    md.push_str("### Targets\n\n");
    md.push_str(&sweep::targets_table(&targets));
    if !scenarios.is_empty() {
        md.push_str("\n### Engine scenarios\n\n");
        md.push_str(&engine::table_header());
        md.push('\n');
        for r in &scenarios {
            md.push_str(&r.table_row());
            md.push('\n');
        }
    }
    if !in_process.is_empty() {
        md.push_str("\n### In-process scenarios (test provider: throttling, concurrency limit, refresh)\n\n");
        md.push_str(&inprocess::table_header());
        md.push('\n');
        for r in &in_process {
            md.push_str(&r.table_row());
            md.push('\n');
        }
    }
    md.push_str(&format!(
        "\n### Sweep (terraform_data, minimal bodies, {} layers)\n\n\
         Median wall time, peak RSS (largest over the runs); {} runs below N={}, 1 from there on; \
         Terraform {} run(s), up to N={}, with its ratio to gitform (best runs) in parentheses; \
         commands killed after {} s (Terraform: {} s).\n\n",
        cfg.layers,
        cfg.runs.max(1),
        cfg.single_run_from,
        args.terraform_runs.max(1),
        args.terraform_max_resources,
        bench.command_timeout.as_secs(),
        bench.timeout(engine::Tool::Terraform).as_secs(),
    ));
    md.push_str(&sweep::points_table(&points));
    md.push_str(&format!(
        "\n### Fitted exponents (least squares of ln(best time) on ln N; ✓ when < {})\n\n",
        sweep::MAX_EXPONENT
    ));
    md.push_str(&sweep::fits_table(&fits));
    print!("{md}");
    if let Some(path) = &args.out_md {
        write_file(path, &md)?;
    }
    if let Some(path) = &args.out_svg {
        let subtitle = format!(
            "terraform_data, release build, {date}; {machine}; {}",
            tools.gitform_version
        );
        write_file(
            path,
            &gitform_bench::plot::render(&sweep::figure(&points, &cfg, &subtitle)),
        )?;
    }
    if let Some(path) = &args.out_json {
        let mut json = serde_json::json!({
            "unix_time": start_time,
            "date": date,
            "elapsed_s": elapsed.as_secs_f64(),
            "command": command,
            "machine": machine,
            "cpus": std::thread::available_parallelism().map(|n| n.get()).ok(),
            "load_average_before": load_before,
            "load_average_after": load_after,
            "sizes": cfg.sizes,
            "shapes": cfg.shapes.iter().map(|s| s.name()).collect::<Vec<_>>(),
            "forms": cfg.forms.iter().map(|f| f.name()).collect::<Vec<_>>(),
            "layers": cfg.layers,
            "runs": cfg.runs.max(1),
            "single_run_from": cfg.single_run_from,
            "terraform_runs": args.terraform_runs.max(1),
            "terraform_max_resources": args.terraform_max_resources,
            "command_timeout_s": bench.command_timeout.as_secs(),
            "terraform_timeout_s": bench.timeout(engine::Tool::Terraform).as_secs(),
            "scenarios": scenarios.iter().map(|r| r.to_json()).collect::<Vec<_>>(),
            "in_process": in_process.iter().map(|r| r.to_json()).collect::<Vec<_>>(),
        });
        merge(&mut json, ToolArgs::json(&tools));
        merge(&mut json, sweep::to_json(&points, &fits, &targets));
        let text = serde_json::to_string_pretty(&json).context("encoding JSON")?;
        write_file(path, &(text + "\n"))?;
    }
    Ok(())
}

/// "2 CPUs (model), 23 GiB RAM" from /proc.
fn machine() -> String {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0 / 1024.0);
    match mem_gib {
        Some(g) => format!("{cpus} CPUs ({model}), {g:.0} GiB RAM"),
        None => format!("{cpus} CPUs ({model})"),
    }
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
