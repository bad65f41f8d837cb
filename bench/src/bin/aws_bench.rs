//! `aws_bench`: gitform (and Terraform, when installed) against moto, with
//! every EC2 API call counted by a proxy.
//!
//! The configuration is the one of issue #4: one VPC, an internet gateway,
//! a route table, and K subnets, K security groups (one ingress rule each),
//! K instances and K route-table associations: 4K+3 resources. For each
//! tool, on a fresh moto_server behind its own counting proxy, it measures
//! apply from empty, a no-op plan (which must report no changes) and
//! destroy, then checks through EC2 Describe calls (not through the tool)
//! what exists after apply and that nothing is left after destroy.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target-release cargo build --release -p gitform -p gitform-bench
//! /work/target-release/release/aws_bench --k 250
//! ```
//! See docs/aws.md.

use anyhow::{bail, Context, Result};
use clap::Parser;
use gitform_moto::{account, CallCounts, Ec2, Faults, Moto, Proxy, ProxyConfig};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The tag every benchmark resource carries (through default_tags).
const PROJECT: &str = "gitform-aws-bench";

#[derive(Parser)]
#[command(
    name = "aws_bench",
    about = "gitform and Terraform against moto: apply, no-op plan, destroy, with EC2 API calls counted"
)]
struct Args {
    /// K: subnets, security groups, instances and route-table associations
    /// (4K+3 resources in all). 1 to 4096.
    #[arg(short = 'k', long, default_value_t = 250)]
    k: usize,
    /// The gitform binary [default: $GITFORM_BIN, else
    /// $CARGO_TARGET_DIR/release/gitform, else target/release/gitform].
    #[arg(long)]
    gitform: Option<PathBuf>,
    /// `auto` (run Terraform when it and the provider mirror are
    /// installed), `off`, or the path of a terraform binary.
    #[arg(long, default_value = "auto")]
    terraform: String,
    /// Filesystem mirror holding registry.terraform.io/hashicorp/aws.
    #[arg(long, default_value = "/opt/tf-plugins")]
    tf_mirror: PathBuf,
    /// `-parallelism` for both tools (default: each tool's own default, 10).
    #[arg(long)]
    parallelism: Option<usize>,
    /// Where the Markdown and JSON results go.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/aws/results"))]
    out: PathBuf,
    /// Kill a step that runs longer than this.
    #[arg(long, default_value_t = 3600)]
    timeout_secs: u64,
    /// Fraction of EC2 calls the proxy answers with RequestLimitExceeded or
    /// a plain 503 instead of forwarding them (0 for a clean measurement).
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Seed of the fault choice.
    #[arg(long, default_value_t = 1)]
    fault_seed: u64,
    /// An extra line for the `provider "aws"` block, e.g.
    /// `retry_mode = "standard"` (repeatable; both tools get it).
    #[arg(long = "provider-arg")]
    provider_args: Vec<String>,
    /// Which tools to run: gitform, terraform, or both (comma-separated).
    /// Terraform runs only when `--terraform` finds it.
    #[arg(long, value_delimiter = ',', default_value = "gitform,terraform")]
    tools: Vec<String>,
    /// Keep the working directories (configuration, state, logs) here
    /// instead of a temporary directory.
    #[arg(long)]
    keep: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tool {
    Gitform,
    Terraform,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Gitform => "gitform",
            Tool::Terraform => "terraform",
        }
    }
}

/// The measurement of one step of one tool.
struct Step {
    name: &'static str,
    seconds: f64,
    exit: Option<i32>,
    counts: CallCounts,
    /// Whether the step did what it should (a no-op plan: exit code 0 with
    /// -detailed-exitcode).
    ok: bool,
    note: String,
}

struct ToolRun {
    tool: Tool,
    version: String,
    steps: Vec<Step>,
    state_resources: Option<usize>,
    /// Tagged objects per EC2 kind found live after apply.
    live_after_apply: Option<BTreeMap<String, usize>>,
    live_after_destroy: Option<usize>,
}

/// Per kind, the tagged objects the configuration makes.
fn expected_live(k: usize) -> BTreeMap<String, usize> {
    [
        ("vpc", 1),
        ("internet-gateway", 1),
        ("route-table", 1),
        ("subnet", k),
        ("security-group", k),
        ("instance", k),
    ]
    .into_iter()
    .map(|(kind, n)| (kind.to_string(), n))
    .collect()
}

/// Whether `live` holds at least the expected objects of each managed kind
/// and no more (other kinds, such as the volumes of instances, may carry
/// the default tags too).
fn live_matches(live: &BTreeMap<String, usize>, k: usize) -> bool {
    expected_live(k)
        .iter()
        .all(|(kind, n)| live.get(kind) == Some(n))
}

fn kinds_text(live: &BTreeMap<String, usize>) -> String {
    live.iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The benchmark configuration for `k`.
fn config(k: usize, provider_args: &[String]) -> String {
    let extra: String = provider_args
        .iter()
        .map(|a| format!("  {}\n", a.trim()))
        .collect();
    // /24 subnets while they fit in the /16, smaller ones beyond.
    let newbits = (usize::BITS - (k.max(2) - 1).leading_zeros()).max(8);
    format!(
        r#"# Generated by aws_bench: 4K+3 resources with K = {k}.
terraform {{
  required_providers {{
    aws = {{
      source = "hashicorp/aws"
    }}
  }}
}}

provider "aws" {{
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
{extra}
  default_tags {{
    tags = {{
      Project = "{PROJECT}"
    }}
  }}
}}

variable "k" {{
  type    = number
  default = {k}
}}

data "aws_ami" "al2023" {{
  most_recent = true
  owners      = ["amazon"]

  filter {{
    name   = "name"
    values = ["al2023-ami-*"]
  }}
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
  tags = {{
    Name = "bench"
  }}
}}

resource "aws_internet_gateway" "main" {{
  vpc_id = aws_vpc.main.id
  tags = {{
    Name = "bench"
  }}
}}

resource "aws_route_table" "main" {{
  vpc_id = aws_vpc.main.id

  route {{
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }}

  tags = {{
    Name = "bench"
  }}
}}

resource "aws_subnet" "s" {{
  count      = var.k
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, {newbits}, count.index)
  tags = {{
    Name = "bench-${{count.index}}"
  }}
}}

resource "aws_route_table_association" "s" {{
  count          = var.k
  subnet_id      = aws_subnet.s[count.index].id
  route_table_id = aws_route_table.main.id
}}

resource "aws_security_group" "g" {{
  count       = var.k
  name        = "bench-${{count.index}}"
  description = "bench group ${{count.index}}"
  vpc_id      = aws_vpc.main.id

  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }}

  tags = {{
    Name = "bench-${{count.index}}"
  }}
}}

resource "aws_instance" "i" {{
  count                  = var.k
  ami                    = data.aws_ami.al2023.id
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.s[count.index].id
  vpc_security_group_ids = [aws_security_group.g[count.index].id]
  tags = {{
    Name = "bench-${{count.index}}"
  }}
}}
"#
    )
}

/// Runs a command with output to `log`, killing it after `timeout`.
fn run_logged(
    mut cmd: Command,
    log: &Path,
    timeout: Duration,
) -> Result<(Option<i32>, Duration, bool)> {
    let out = File::create(log).with_context(|| format!("create {}", log.display()))?;
    let err = out.try_clone()?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("start {:?}", cmd.get_program()))?;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((status.code(), start.elapsed(), false));
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Ok((None, start.elapsed(), true));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn tail(log: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

struct Runner<'a> {
    tool: Tool,
    program: PathBuf,
    dir: PathBuf,
    env: Vec<(String, String)>,
    proxy: &'a Proxy,
    timeout: Duration,
}

impl Runner<'_> {
    fn command(&self, args: &[String]) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.arg(format!("-chdir={}", self.dir.display()))
            .args(args)
            .env_remove("TF_LOG")
            .env_remove("GITFORM_LOG");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs one step, counting the calls it makes.
    fn step(&self, name: &'static str, args: &[String], ok_codes: &[i32]) -> Result<Step> {
        self.proxy.take_counts();
        let log = self.dir.join(format!("{name}.log"));
        let (exit, elapsed, timed_out) = run_logged(self.command(args), &log, self.timeout)?;
        let counts = self.proxy.take_counts();
        let ok = exit.is_some_and(|c| ok_codes.contains(&c));
        let note = if timed_out {
            format!("killed after {:?}", self.timeout)
        } else if ok {
            String::new()
        } else {
            let t = tail(&log, 15);
            eprintln!(
                "{} {name} exited with {exit:?}; last lines of {}:\n{t}",
                self.tool.name(),
                log.display()
            );
            format!("exit code {exit:?}")
        };
        eprintln!(
            "{} {name}: {:.2} s, {} EC2 calls{}",
            self.tool.name(),
            elapsed.as_secs_f64(),
            counts.calls(),
            if ok { "" } else { " (FAILED)" }
        );
        Ok(Step {
            name,
            seconds: elapsed.as_secs_f64(),
            exit,
            counts,
            ok,
            note,
        })
    }

    /// The number of resource instances in the tool's state.
    fn state_count(&self) -> Option<usize> {
        let out = self
            .command(&["state".into(), "list".into()])
            .stdin(Stdio::null())
            .output()
            .ok()?;
        out.status.success().then(|| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with("data."))
                .count()
        })
    }
}

fn terraform_rc(mirror: &Path) -> String {
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n}}\n",
        mirror.display()
    )
}

fn first_line(program: &Path, arg: &str) -> String {
    Command::new(program)
        .arg(arg)
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default()
}

fn run_tool(tool: Tool, program: &Path, args: &Args, root: &Path) -> Result<ToolRun> {
    let dir = root.join(tool.name());
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("main.tf"), config(args.k, &args.provider_args))?;
    // A fresh moto per tool, so both start from the same state and size.
    let moto = Moto::start().map_err(|e| anyhow::anyhow!("{e}"))?;
    let account_id = account::unique_id();
    let proxy = Proxy::start(ProxyConfig {
        upstream: moto.addr(),
        account_id: Some(account_id.clone()),
        faults: Faults::throttle(args.fault_rate, args.fault_seed),
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut env: Vec<(String, String)> = proxy
        .client_env()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    if tool == Tool::Terraform {
        let rc = dir.join("terraformrc");
        std::fs::write(&rc, terraform_rc(&args.tf_mirror))?;
        env.push(("TF_CLI_CONFIG_FILE".into(), rc.display().to_string()));
        env.push(("TF_IN_AUTOMATION".into(), "1".into()));
        env.push(("CHECKPOINT_DISABLE".into(), "1".into()));
    }
    let runner = Runner {
        tool,
        program: program.to_path_buf(),
        dir: dir.clone(),
        env,
        proxy: &proxy,
        timeout: Duration::from_secs(args.timeout_secs),
    };
    let common = |extra: &[&str]| {
        let mut v: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        v.push("-input=false".into());
        v.push("-no-color".into());
        v
    };
    let with_parallelism = |mut v: Vec<String>| {
        if let Some(p) = args.parallelism {
            v.push(format!("-parallelism={p}"));
        }
        v
    };
    let version = first_line(program, "version");
    let mut steps = Vec::new();
    if tool == Tool::Terraform {
        let init = runner.step("init", &common(&["init"]), &[0])?;
        let ok = init.ok;
        steps.push(init);
        if !ok {
            bail!(
                "terraform init failed: see {}",
                dir.join("init.log").display()
            );
        }
    }
    let ec2 = Ec2::new(moto.addr(), &account_id);
    let live = || {
        ec2.live_tagged("Project", PROJECT).ok().map(|found| {
            let mut by_kind = BTreeMap::new();
            for f in found {
                *by_kind.entry(f.kind).or_insert(0) += 1;
            }
            by_kind
        })
    };
    let apply = runner.step(
        "apply",
        &with_parallelism(common(&["apply", "-auto-approve"])),
        &[0],
    )?;
    let applied = apply.ok;
    steps.push(apply);
    let state_resources = runner.state_count();
    let live_after_apply = live();
    if applied {
        let mut plan = runner.step(
            "no-op plan",
            &with_parallelism(common(&["plan", "-detailed-exitcode"])),
            &[0],
        )?;
        if plan.exit == Some(2) {
            plan.note = "the plan was not empty".into();
        }
        steps.push(plan);
    }
    let destroy = runner.step(
        "destroy",
        &with_parallelism(common(&["destroy", "-auto-approve"])),
        &[0],
    )?;
    steps.push(destroy);
    let live_after_destroy = live().map(|m| m.values().sum());
    drop(proxy);
    drop(moto);
    Ok(ToolRun {
        tool,
        version,
        steps,
        state_resources,
        live_after_apply,
        live_after_destroy,
    })
}

fn gitform_path(args: &Args) -> PathBuf {
    if let Some(p) = &args.gitform {
        return p.clone();
    }
    if let Some(p) = std::env::var_os("GITFORM_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("release/gitform")
}

fn terraform_path(args: &Args) -> Option<PathBuf> {
    match args.terraform.as_str() {
        "off" => None,
        "auto" => {
            let mirror = args.tf_mirror.join("registry.terraform.io/hashicorp/aws");
            if !mirror.is_dir() {
                eprintln!(
                    "terraform: skipped (no provider mirror at {})",
                    mirror.display()
                );
                return None;
            }
            let path = std::env::var_os("PATH")?;
            let found = std::env::split_paths(&path)
                .map(|d| d.join("terraform"))
                .find(|p| p.is_file());
            if found.is_none() {
                eprintln!("terraform: skipped (not on the PATH)");
            }
            found
        }
        path => Some(PathBuf::from(path)),
    }
}

fn top_actions(counts: &CallCounts, n: usize) -> String {
    let mut v: Vec<(&String, u64)> = counts.actions.iter().map(|(a, c)| (a, c.calls)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.iter()
        .take(n)
        .map(|(a, c)| format!("{a} {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn markdown(args: &Args, runs: &[ToolRun], date: &str) -> String {
    let resources = 4 * args.k + 3;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## EC2 against moto: K = {}, {resources} resources ({date})\n",
        args.k
    );
    if args.fault_rate > 0.0 {
        let _ = writeln!(
            md,
            "With {:.0}% of the calls answered RequestLimitExceeded or 503 by the proxy (seed {}).\n",
            args.fault_rate * 100.0,
            args.fault_seed
        );
    }
    let _ = writeln!(
        md,
        "| tool | step | resources | time (s) | EC2 API calls | faults injected | time in moto (s, summed) | busiest calls | result |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|---|---|");
    for run in runs {
        for s in &run.steps {
            let result = if s.ok {
                "ok".to_string()
            } else {
                format!("FAILED: {}", s.note)
            };
            let _ = writeln!(
                md,
                "| {} | {} | {resources} | {:.2} | {} | {} | {:.2} | {} | {result} |",
                run.tool.name(),
                s.name,
                s.seconds,
                s.counts.calls(),
                s.counts.faulted(),
                s.counts.upstream().as_secs_f64(),
                top_actions(&s.counts, 4),
            );
        }
    }
    let _ = writeln!(md);
    for run in runs {
        let _ = writeln!(
            md,
            "- {} ({}): {} resource instances in its state after apply; live in moto after apply (by EC2 Describe calls): {} ({}); tagged objects left after destroy: {}.",
            run.tool.name(),
            if run.version.is_empty() { "version unknown" } else { &run.version },
            opt(run.state_resources),
            run.live_after_apply.as_ref().map(kinds_text).unwrap_or_else(|| "?".into()),
            match &run.live_after_apply {
                Some(live) if live_matches(live, args.k) => "as configured",
                Some(_) => "NOT as configured",
                None => "not checked",
            },
            opt(run.live_after_destroy),
        );
    }
    if let Some(g) = runs.iter().find(|r| r.tool == Tool::Gitform) {
        let _ = writeln!(md, "\nTargets (issue #4, stated for K = 250):\n");
        for (name, target_s, target_calls) in [
            ("apply", Some(30.0), None),
            ("no-op plan", Some(1.0), Some(20)),
        ] {
            if let Some(s) = g.steps.iter().find(|s| s.name == name) {
                let time_ok = target_s.is_none_or(|t| s.seconds < t);
                let calls_ok = target_calls.is_none_or(|c| s.counts.calls() <= c);
                let _ = writeln!(
                    md,
                    "- gitform {name}: {:.2} s{}, {} calls{}: {}",
                    s.seconds,
                    target_s
                        .map(|t| format!(" (target < {t} s)"))
                        .unwrap_or_default(),
                    s.counts.calls(),
                    target_calls
                        .map(|c| format!(" (target <= {c})"))
                        .unwrap_or_default(),
                    if s.ok && time_ok && calls_ok {
                        "met"
                    } else {
                        "MISSED"
                    }
                );
            }
        }
    }
    md
}

fn opt(v: Option<usize>) -> String {
    v.map(|n| n.to_string()).unwrap_or_else(|| "?".into())
}

fn to_json(args: &Args, runs: &[ToolRun], date: &str) -> serde_json::Value {
    json!({
        "benchmark": "aws_bench",
        "date": date,
        "k": args.k,
        "resources": 4 * args.k + 3,
        "parallelism": args.parallelism,
        "fault_rate": args.fault_rate,
        "fault_seed": args.fault_seed,
        "provider_args": args.provider_args,
        "cpus": std::thread::available_parallelism().map(|n| n.get()).ok(),
        "tools": runs.iter().map(|r| json!({
            "tool": r.tool.name(),
            "version": r.version,
            "state_resources_after_apply": r.state_resources,
            "live_tagged_after_apply": r.live_after_apply,
            "live_tagged_expected": expected_live(args.k),
            "live_tagged_after_destroy": r.live_after_destroy,
            "steps": r.steps.iter().map(|s| json!({
                "step": s.name,
                "seconds": s.seconds,
                "exit_code": s.exit,
                "ok": s.ok,
                "note": s.note,
                "ec2_calls": s.counts.calls(),
                "faults_injected": s.counts.faulted(),
                "seconds_in_moto_summed": s.counts.upstream().as_secs_f64(),
                "by_action": s.counts.actions.iter()
                    .map(|(a, c)| (a.clone(), json!({
                        "calls": c.calls,
                        "faulted": c.faulted,
                        "seconds_in_moto_summed": c.upstream.as_secs_f64(),
                    })))
                    .collect::<serde_json::Map<_, _>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn main() -> ExitCode {
    match real_main() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("aws_bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main() -> Result<bool> {
    let args = Args::parse();
    if !(0.0..1.0).contains(&args.fault_rate) {
        bail!("--fault-rate must be at least 0 and below 1");
    }
    if !(1..=4096).contains(&args.k) {
        bail!("--k must be between 1 and 4096 (got {})", args.k);
    }
    for t in &args.tools {
        if t != "gitform" && t != "terraform" {
            bail!("--tools takes gitform and/or terraform, not {t:?}");
        }
    }
    let wanted = |t: &str| args.tools.iter().any(|x| x == t);
    let mut tools = Vec::new();
    if wanted("gitform") {
        let gitform = gitform_path(&args);
        if !gitform.is_file() {
            bail!(
                "no gitform binary at {} (build it with `CARGO_TARGET_DIR=/work/target-release cargo build --release -p gitform`, or pass --gitform)",
                gitform.display()
            );
        }
        tools.push((Tool::Gitform, gitform));
    }
    if wanted("terraform") {
        if let Some(tf) = terraform_path(&args) {
            tools.push((Tool::Terraform, tf));
        }
    }
    if tools.is_empty() {
        bail!("no tool to run");
    }
    let tmp;
    let root = match &args.keep {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir.clone()
        }
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let mut runs = Vec::new();
    for (tool, program) in &tools {
        eprintln!(
            "== {} (K = {}, {} resources)",
            tool.name(),
            args.k,
            4 * args.k + 3
        );
        runs.push(run_tool(*tool, program, &args, &root)?);
    }
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let date = gitform_bench::sweep::utc_date(unix);
    let md = markdown(&args, &runs, &date);
    let json = to_json(&args, &runs, &date);
    std::fs::create_dir_all(&args.out)?;
    let stem = if args.fault_rate > 0.0 {
        args.out.join(format!(
            "aws-k{}-faults{:.0}",
            args.k,
            args.fault_rate * 100.0
        ))
    } else {
        args.out.join(format!("aws-k{}", args.k))
    };
    std::fs::write(stem.with_extension("md"), &md)?;
    std::fs::write(
        stem.with_extension("json"),
        serde_json::to_string_pretty(&json)? + "\n",
    )?;
    println!("{md}");
    eprintln!(
        "results: {} and {}",
        stem.with_extension("md").display(),
        stem.with_extension("json").display()
    );
    let all_ok = runs.iter().all(|r| {
        r.steps.iter().all(|s| s.ok)
            && r.live_after_destroy == Some(0)
            && r.live_after_apply
                .as_ref()
                .is_some_and(|l| live_matches(l, args.k))
    });
    Ok(all_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_has_4k_plus_3_resources_and_fitting_subnets() {
        for (k, newbits) in [(1, 8), (10, 8), (256, 8), (257, 9), (1000, 10), (4096, 12)] {
            let c = config(k, &[]);
            assert!(c.contains(&format!("default = {k}\n")), "{k}");
            assert!(
                c.contains(&format!(
                    "cidrsubnet(aws_vpc.main.cidr_block, {newbits}, count.index)"
                )),
                "{k}"
            );
            // Three single resources, four counted ones.
            assert_eq!(c.matches("\nresource ").count(), 7);
            let counted = c
                .lines()
                .filter(|l| l.trim().starts_with("count") && l.trim().ends_with("= var.k"))
                .count();
            assert_eq!(counted, 4, "{k}");
        }
    }
}
