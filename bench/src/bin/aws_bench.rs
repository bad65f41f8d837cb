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
    /// Which forms of the configuration to run (comma-separated): `plain`
    /// and/or `tagged`.
    #[arg(long, value_delimiter = ',', default_value = "plain,tagged")]
    variants: Vec<Variant>,
}

/// The two forms of the benchmark configuration. Both have the 4K+3
/// resources of issue #4; they differ in what surrounds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Variant {
    /// The resources the issue lists and nothing else: the AMI id is pinned
    /// (the harness looks up the newest `al2023-ami-*` before the run and
    /// writes it in as the variable's default) and only the VPC is tagged.
    Plain,
    /// What real configurations add: `default_tags` and a `Name` tag on
    /// every resource, and the AMI found by an `aws_ami` data source at
    /// every plan. On moto this costs far more than the extra call: moto
    /// looks up an object's tags by scanning every tag of the account, so
    /// each object it describes costs time in proportion to all the tags.
    Tagged,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Plain => "plain",
            Variant::Tagged => "tagged",
        }
    }
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
    variant: Variant,
    version: String,
    steps: Vec<Step>,
    state_resources: Option<usize>,
    /// Objects per EC2 kind found live in the benchmark's VPC after apply.
    live_after_apply: Option<BTreeMap<String, usize>>,
    /// Objects left in (or of) that VPC after destroy.
    live_after_destroy: Option<usize>,
}

/// Per kind, the objects the configuration makes.
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

/// Whether `live` holds exactly the expected objects of each kind.
fn live_matches(live: &BTreeMap<String, usize>, k: usize) -> bool {
    expected_live(k)
        .iter()
        .all(|(kind, n)| live.get(kind).copied().unwrap_or(0) == *n)
}

/// The VPC the benchmark made: the one tagged `Project = PROJECT`.
fn bench_vpc(ec2: &Ec2) -> Option<String> {
    let pages = ec2
        .call_all(
            "DescribeVpcs",
            &[
                ("Filter.1.Name", "tag:Project"),
                ("Filter.1.Value.1", PROJECT),
            ],
        )
        .ok()?;
    pages
        .iter()
        .flat_map(|p| p.items("vpcSet"))
        .find_map(|v| v.child_text("vpcId").map(str::to_string))
}

/// The objects of each managed kind that exist in VPC `vpc` (the VPC
/// itself included), found by EC2 Describe calls with a VPC filter: not
/// the tool's own view. Defaults AWS makes with a VPC (its main route table
/// and `default` security group) and terminated instances don't count.
fn live_in_vpc(ec2: &Ec2, vpc: &str) -> Option<BTreeMap<String, usize>> {
    let lists: [(&str, &str, &str, &str); 6] = [
        ("vpc", "DescribeVpcs", "vpc-id", "vpcSet"),
        (
            "internet-gateway",
            "DescribeInternetGateways",
            "attachment.vpc-id",
            "internetGatewaySet",
        ),
        (
            "route-table",
            "DescribeRouteTables",
            "vpc-id",
            "routeTableSet",
        ),
        ("subnet", "DescribeSubnets", "vpc-id", "subnetSet"),
        (
            "security-group",
            "DescribeSecurityGroups",
            "vpc-id",
            "securityGroupInfo",
        ),
        ("instance", "DescribeInstances", "vpc-id", "instancesSet"),
    ];
    let mut out = BTreeMap::new();
    for (kind, action, filter, set) in lists {
        let pages = ec2
            .call_all(
                action,
                &[("Filter.1.Name", filter), ("Filter.1.Value.1", vpc)],
            )
            .ok()?;
        let items: Vec<&gitform_moto::Element> = if action == "DescribeInstances" {
            pages
                .iter()
                .flat_map(|p| p.items("reservationSet"))
                .flat_map(|r| r.items(set))
                .collect()
        } else {
            pages.iter().flat_map(|p| p.items(set)).collect()
        };
        let n = items
            .into_iter()
            .filter(|item| match kind {
                "route-table" => !item
                    .descendants("main")
                    .iter()
                    .any(|m| m.text.trim() == "true"),
                "security-group" => item.child_text("groupName") != Some("default"),
                "instance" => !matches!(
                    item.at(&["instanceState", "name"]).map(|e| e.text.trim()),
                    Some("terminated" | "shutting-down")
                ),
                _ => true,
            })
            .count();
        out.insert(kind.to_string(), n);
    }
    Some(out)
}

/// The newest `al2023-ami-*` image of owner `amazon`, as the tagged
/// variant's data source picks it.
fn newest_al2023(ec2: &Ec2) -> Result<String> {
    let pages = ec2
        .call_all(
            "DescribeImages",
            &[
                ("Owner.1", "amazon"),
                ("Filter.1.Name", "name"),
                ("Filter.1.Value.1", "al2023-ami-*"),
            ],
        )
        .map_err(|e| anyhow::anyhow!("DescribeImages: {e}"))?;
    pages
        .iter()
        .flat_map(|p| p.items("imagesSet"))
        .filter_map(|i| Some((i.child_text("creationDate")?, i.child_text("imageId")?)))
        .max()
        .map(|(_, id)| id.to_string())
        .context("moto has no al2023-ami-* image")
}

fn kinds_text(live: &BTreeMap<String, usize>) -> String {
    live.iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The benchmark configuration for `k`. `ami` is the pinned AMI id of the
/// plain variant.
fn config(k: usize, provider_args: &[String], variant: Variant, ami: &str) -> String {
    let extra: String = provider_args
        .iter()
        .map(|a| format!("  {}\n", a.trim()))
        .collect();
    // /24 subnets while they fit in the /16, smaller ones beyond.
    let newbits = (usize::BITS - (k.max(2) - 1).leading_zeros()).max(8);
    let tagged = variant == Variant::Tagged;
    let default_tags = if tagged {
        format!("\n  default_tags {{\n    tags = {{\n      Project = \"{PROJECT}\"\n    }}\n  }}\n")
    } else {
        String::new()
    };
    // The tags block of a resource named `name` (a template).
    let tags = |name: &str| {
        if tagged {
            format!("\n  tags = {{\n    Name = \"{name}\"\n  }}\n")
        } else {
            String::new()
        }
    };
    let vpc_tags = if tagged {
        tags("bench")
    } else {
        // The harness finds the VPC by this tag, and everything else in it.
        format!("\n  tags = {{\n    Project = \"{PROJECT}\"\n  }}\n")
    };
    let (ami_source, ami_ref) = if tagged {
        (
            "data \"aws_ami\" \"al2023\" {\n  most_recent = true\n  owners      = [\"amazon\"]\n\n  filter {\n    name   = \"name\"\n    values = [\"al2023-ami-*\"]\n  }\n}\n".to_string(),
            "data.aws_ami.al2023.id",
        )
    } else {
        (
            format!("variable \"ami\" {{\n  type    = string\n  default = \"{ami}\"\n}}\n"),
            "var.ami",
        )
    };
    let (igw_tags, rt_tags) = (tags("bench"), tags("bench"));
    let indexed = tags("bench-${count.index}");
    format!(
        r#"# Generated by aws_bench ({variant} variant): 4K+3 resources with K = {k}.
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
{extra}{default_tags}}}

variable "k" {{
  type    = number
  default = {k}
}}

{ami_source}
resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
{vpc_tags}}}

resource "aws_internet_gateway" "main" {{
  vpc_id = aws_vpc.main.id
{igw_tags}}}

resource "aws_route_table" "main" {{
  vpc_id = aws_vpc.main.id

  route {{
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }}
{rt_tags}}}

resource "aws_subnet" "s" {{
  count      = var.k
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, {newbits}, count.index)
{indexed}}}

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
{indexed}}}

resource "aws_instance" "i" {{
  count                  = var.k
  ami                    = {ami_ref}
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.s[count.index].id
  vpc_security_group_ids = [aws_security_group.g[count.index].id]
{indexed}}}
"#,
        variant = variant.name(),
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

fn run_tool(
    tool: Tool,
    variant: Variant,
    program: &Path,
    args: &Args,
    root: &Path,
) -> Result<ToolRun> {
    let dir = root.join(format!("{}-{}", tool.name(), variant.name()));
    std::fs::create_dir_all(&dir)?;
    // A fresh moto per tool, so both start from the same state and size.
    let moto = Moto::start().map_err(|e| anyhow::anyhow!("{e}"))?;
    let account_id = account::unique_id();
    let ec2 = Ec2::new(moto.addr(), &account_id);
    let ami = match variant {
        Variant::Plain => newest_al2023(&ec2)?,
        Variant::Tagged => String::new(),
    };
    std::fs::write(
        dir.join("main.tf"),
        config(args.k, &args.provider_args, variant, &ami),
    )?;
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
    let apply = runner.step(
        "apply",
        &with_parallelism(common(&["apply", "-auto-approve"])),
        &[0],
    )?;
    let applied = apply.ok;
    steps.push(apply);
    let state_resources = runner.state_count();
    let vpc = bench_vpc(&ec2);
    let live_after_apply = vpc.as_deref().and_then(|v| live_in_vpc(&ec2, v));
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
    let live_after_destroy = vpc
        .as_deref()
        .and_then(|v| live_in_vpc(&ec2, v))
        .map(|m| m.values().sum());
    drop(proxy);
    drop(moto);
    Ok(ToolRun {
        tool,
        variant,
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
        "| tool | variant | step | resources | time (s) | EC2 API calls | faults injected | time in moto (s, summed) | busiest calls | result |"
    );
    let _ = writeln!(md, "|---|---|---|---:|---:|---:|---:|---:|---|---|");
    for run in runs {
        for s in &run.steps {
            let result = if s.ok {
                "ok".to_string()
            } else {
                format!("FAILED: {}", s.note)
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {resources} | {:.2} | {} | {} | {:.2} | {} | {result} |",
                run.tool.name(),
                run.variant.name(),
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
            "- {}, {} variant ({}): {} resource instances in its state after apply; live in the VPC after apply (by EC2 Describe calls): {} ({}); objects of the VPC left after destroy: {}.",
            run.tool.name(),
            run.variant.name(),
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
    let _ = writeln!(md, "\nTargets (issue #4, stated for K = 250):\n");
    for g in runs.iter().filter(|r| r.tool == Tool::Gitform) {
        for (name, target_s, target_calls) in [
            ("apply", Some(30.0), None),
            ("no-op plan", Some(1.0), Some(20)),
        ] {
            if let Some(s) = g.steps.iter().find(|s| s.name == name) {
                let time_ok = target_s.is_none_or(|t| s.seconds < t);
                let calls_ok = target_calls.is_none_or(|c| s.counts.calls() <= c);
                let _ = writeln!(
                    md,
                    "- gitform {name} ({} variant): {:.2} s{}, {} calls{}: {}",
                    g.variant.name(),
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
            "variant": r.variant.name(),
            "version": r.version,
            "state_resources_after_apply": r.state_resources,
            "live_in_vpc_after_apply": r.live_after_apply,
            "live_in_vpc_expected": expected_live(args.k),
            "live_in_vpc_after_destroy": r.live_after_destroy,
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
    for variant in &args.variants {
        for (tool, program) in &tools {
            eprintln!(
                "== {} {} (K = {}, {} resources)",
                tool.name(),
                variant.name(),
                args.k,
                4 * args.k + 3
            );
            runs.push(run_tool(*tool, *variant, program, &args, &root)?);
        }
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
        for (k, newbits, variant) in [
            (1, 8, Variant::Plain),
            (10, 8, Variant::Tagged),
            (256, 8, Variant::Plain),
            (257, 9, Variant::Tagged),
            (1000, 10, Variant::Plain),
            (4096, 12, Variant::Tagged),
        ] {
            let c = config(k, &[], variant, "ami-0123");
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
            // It loads without a diagnostic.
            let (module, diags) = gitform_config::load_module_from_sources(
                Path::new("/bench"),
                vec![("main.tf".to_string(), c.clone().into_bytes())],
            );
            assert!(!diags.has_errors(), "{variant:?} {k}: {diags}");
            assert_eq!(module.managed_resources.len(), 7, "{k}");
            match variant {
                Variant::Plain => {
                    assert!(c.contains("default = \"ami-0123\""));
                    assert!(!c.contains("data \"aws_ami\"") && !c.contains("default_tags"));
                    // Only the VPC is tagged, so the harness can find it.
                    assert_eq!(c.matches("tags = {").count(), 1, "{c}");
                }
                Variant::Tagged => {
                    assert!(c.contains("data \"aws_ami\" \"al2023\"") && !c.contains("ami-0123"));
                    assert!(c.contains("default_tags {"));
                    // default_tags, and a Name tag on the six taggable resources.
                    assert_eq!(c.matches("tags = {").count(), 7, "{c}");
                }
            }
        }
    }
}
