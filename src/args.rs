//! The command line: every command with Terraform's flags.
//!
//! Flags are declared as `--long` options; [`crate::argv::normalize`] turns
//! Terraform's single-dash spelling (`-auto-approve`, `-var 'a=b'`) into that
//! form before clap sees it. Boolean flags take an optional `=VALUE` as Go's
//! `flag` package does (`-refresh=false`, `-lock=0`), never a separate value.

use clap::{ArgAction, ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// The whole command line.
#[derive(Parser, Debug)]
#[command(
    name = "gitform",
    bin_name = "gitform",
    about = "Infrastructure as code with GitOps built in",
    disable_version_flag = true,
    disable_help_subcommand = true,
    override_usage = "gitform [global options] <subcommand> [args]"
)]
pub struct Cli {
    /// Switch to a different working directory before executing the given subcommand.
    #[arg(long, value_name = "DIR")]
    pub chdir: Option<PathBuf>,

    /// An alias for the "version" subcommand.
    #[arg(long, short = 'v')]
    pub version: bool,

    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags accepted anywhere on the command line.
#[derive(Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// Disable color (and the box around diagnostics), as Terraform's -no-color.
    #[arg(long, global = true, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub no_color: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check whether the configuration is valid
    Validate(ValidateArgs),
    /// Show changes required by the current configuration
    Plan(PlanArgs),
    /// Create or update infrastructure
    Apply(ApplyArgs),
    /// Destroy previously-created infrastructure
    Destroy(DestroyArgs),
    /// Try gitform expressions at an interactive command prompt
    Console(ConsoleArgs),
    /// Reformat your configuration in the standard style
    Fmt(FmtArgs),
    /// Release a stuck lock on the state
    ForceUnlock(ForceUnlockArgs),
    /// Generate a Graphviz graph of the steps in an operation
    Graph(GraphArgs),
    /// Associate existing infrastructure with a gitform resource
    Import(ImportArgs),
    /// Show output values from your root module
    Output(OutputArgs),
    /// Update the state to match remote systems
    Refresh(RefreshArgs),
    /// Show the current state or a saved plan
    Show(ShowArgs),
    /// Advanced state management
    #[command(subcommand)]
    State(StateCommand),
    /// Mark a resource instance as not fully functional
    Taint(TaintArgs),
    /// Remove the 'tainted' state from a resource instance
    Untaint(TaintArgs),
    /// Show the current gitform version
    Version(VersionArgs),
    /// Check the live infrastructure for drift from the recorded state
    Drift(crate::gitops_cmds::DriftArgs),
    /// Plan and apply the configuration as it was at an earlier commit
    Rollback(crate::gitops_cmds::RollbackArgs),
    /// List the recorded runs (applies, drift checks, rollbacks)
    History(crate::gitops_cmds::HistoryArgs),
    /// Run the GitOps agent: pull, apply and check for drift continuously
    Agent(crate::agent::AgentArgs),
    /// Provider plugin tools
    #[command(subcommand)]
    Provider(crate::provider_cmds::ProviderCommand),
}

#[allow(dead_code)] // for the engine commands (lock operation names)
impl Command {
    /// The subcommand's name as typed (`state mv`, `force-unlock`).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Validate(_) => "validate",
            Command::Plan(_) => "plan",
            Command::Apply(_) => "apply",
            Command::Destroy(_) => "destroy",
            Command::Console(_) => "console",
            Command::Fmt(_) => "fmt",
            Command::ForceUnlock(_) => "force-unlock",
            Command::Graph(_) => "graph",
            Command::Import(_) => "import",
            Command::Output(_) => "output",
            Command::Refresh(_) => "refresh",
            Command::Show(_) => "show",
            Command::State(s) => match s {
                StateCommand::List(_) => "state list",
                StateCommand::Show(_) => "state show",
                StateCommand::Rm(_) => "state rm",
                StateCommand::Mv(_) => "state mv",
                StateCommand::History(_) => "state history",
            },
            Command::Taint(_) => "taint",
            Command::Untaint(_) => "untaint",
            Command::Version(_) => "version",
            Command::Drift(_) => "drift",
            Command::Rollback(_) => "rollback",
            Command::History(_) => "history",
            Command::Agent(_) => "agent",
            Command::Provider(_) => "provider",
        }
    }
}

/// Parses Go's boolean spellings (`strconv.ParseBool`).
pub fn parse_go_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!("invalid boolean value {s:?}")),
    }
}

/// Parses a Go duration such as `0s`, `30s`, `1m30s`, `500ms`, `2h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {s:?}");
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let (num, tail) = rest.split_at(num_end);
        let n: f64 = num.parse().map_err(|_| bad())?;
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_end);
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += n * scale;
        rest = tail;
    }
    Duration::try_from_secs_f64(total).map_err(|_| bad())
}

/// One `-var` or `-var-file` option, in command-line order (later ones win).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarSource {
    /// `-var 'NAME=VALUE'`: the raw text as given.
    Var(String),
    /// `-var-file=FILE`.
    File(PathBuf),
}

impl VarSource {
    /// Splits a `-var` option into name and raw value; `None` when it has no `=`
    /// (Terraform's "Invalid -var option" error).
    pub fn split_var(raw: &str) -> Option<(&str, &str)> {
        let (name, value) = raw.split_once('=')?;
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        Some((name, value))
    }
}

/// `-var` and `-var-file`.
#[derive(Args, Debug, Clone, Default)]
pub struct VarArgs {
    /// Set a value for one of the input variables in the root module of the
    /// configuration. Use this option more than once to set more than one variable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub var: Vec<String>,

    /// Load variable values from the given file, in addition to the default
    /// files terraform.tfvars and *.auto.tfvars. Use this option more than once
    /// to include more than one variables file.
    #[arg(long = "var-file", value_name = "FILENAME")]
    pub var_file: Vec<PathBuf>,

    /// `var` and `var_file` merged in command-line order (filled after parsing).
    #[arg(skip)]
    pub ordered: Vec<VarSource>,
}

/// `-lock` and `-lock-timeout`.
#[derive(Args, Debug, Clone)]
pub struct LockArgs {
    /// Don't hold a state lock during the operation (-lock=false). This is
    /// dangerous if others might concurrently run commands against the same state.
    #[arg(long, value_name = "BOOL", default_value = "true", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub lock: bool,

    /// Duration to retry a state lock.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: Duration,
}

impl Default for LockArgs {
    fn default() -> Self {
        LockArgs {
            lock: true,
            lock_timeout: Duration::ZERO,
        }
    }
}

/// Flags shared by `plan`, `apply` and `destroy`.
#[derive(Args, Debug, Clone)]
pub struct OperationArgs {
    #[command(flatten)]
    pub vars: VarArgs,

    /// Load the configuration from this Git commit (a SHA, branch or tag)
    /// of the repository around the working directory, without a checkout.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,

    #[command(flatten)]
    pub lock: LockArgs,

    /// Select the "destroy" planning mode.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub destroy: bool,

    /// Select the "refresh only" planning mode.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub refresh_only: bool,

    /// Skip checking for external changes to remote objects (-refresh=false).
    #[arg(long, value_name = "BOOL", default_value = "true", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub refresh: bool,

    /// Limit the planning operation to only the given module, resource, or
    /// resource instance and all of its dependencies.
    #[arg(long, value_name = "ADDRESS")]
    pub target: Vec<String>,

    /// Force replacement of a particular resource instance using its resource address.
    #[arg(long, value_name = "ADDRESS")]
    pub replace: Vec<String>,

    /// Limit the number of concurrent operations.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub parallelism: usize,

    /// Ask for input for variables if not directly set (-input=false to disable).
    #[arg(long, value_name = "BOOL", default_value = "true", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub input: bool,

    /// Produce output in a machine-readable JSON format.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub json: bool,

    /// Show warnings in a more compact form that includes only the summary messages.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub compact_warnings: bool,

    /// Path to the state database (default `.gitform/state.db`).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
}

impl Default for OperationArgs {
    fn default() -> Self {
        OperationArgs {
            vars: VarArgs::default(),
            lock: LockArgs::default(),
            rev: None,
            destroy: false,
            refresh_only: false,
            refresh: true,
            target: Vec::new(),
            replace: Vec::new(),
            parallelism: 10,
            input: true,
            json: false,
            compact_warnings: false,
            state: None,
        }
    }
}

/// `gitform plan`.
#[derive(Args, Debug, Clone, Default)]
pub struct PlanArgs {
    #[command(flatten)]
    pub op: OperationArgs,

    /// Write a plan file to the given path.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// Return detailed exit codes: 0 = succeeded with empty diff, 1 = error,
    /// 2 = succeeded with non-empty diff.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub detailed_exitcode: bool,
}

/// `gitform apply [PLAN]`.
#[derive(Args, Debug, Clone, Default)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub op: OperationArgs,

    /// Skip interactive approval of plan before applying.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub auto_approve: bool,

    /// A saved plan file (from `gitform plan -out`) to apply.
    #[arg(value_name = "PLAN")]
    pub plan_file: Option<PathBuf>,
}

/// `gitform destroy`: `apply -destroy`.
#[derive(Args, Debug, Clone, Default)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub op: OperationArgs,

    /// Skip interactive approval before destroying.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub auto_approve: bool,
}

/// `gitform refresh`.
#[derive(Args, Debug, Clone)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub vars: VarArgs,

    #[command(flatten)]
    pub lock: LockArgs,

    /// Limit the operation to the given module, resource or resource instance.
    #[arg(long, value_name = "ADDRESS")]
    pub target: Vec<String>,

    /// Limit the number of concurrent operations.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub parallelism: usize,

    /// Ask for input for variables if not directly set.
    #[arg(long, value_name = "BOOL", default_value = "true", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub input: bool,

    /// Show warnings in a more compact form.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub compact_warnings: bool,

    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
}

/// `gitform show [-json] [PATH]`.
#[derive(Args, Debug, Clone, Default)]
pub struct ShowArgs {
    /// Show the output in a machine-readable form.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub json: bool,

    /// A saved plan file or state database; default: the current state.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
}

/// `gitform graph`.
#[derive(Args, Debug, Clone, Default)]
pub struct GraphArgs {
    /// Type of operation graph: plan, plan-refresh-only, plan-destroy or apply.
    #[arg(long = "type", value_name = "TYPE")]
    pub graph_type: Option<String>,

    /// Render the graph of applying this saved plan.
    #[arg(long, value_name = "PLANFILE")]
    pub plan: Option<PathBuf>,

    /// Highlight any cycles in the graph with colored edges.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub draw_cycles: bool,

    /// (Deprecated, ignored.)
    #[arg(long, value_name = "N", hide = true, allow_hyphen_values = true)]
    pub module_depth: Option<i64>,
}

/// `gitform import ADDR ID`.
#[derive(Args, Debug, Clone)]
pub struct ImportArgs {
    #[command(flatten)]
    pub vars: VarArgs,

    #[command(flatten)]
    pub lock: LockArgs,

    /// Path to a directory of configuration to use to configure the provider.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Ask for input for variables if not directly set.
    #[arg(long, value_name = "BOOL", default_value = "true", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub input: bool,

    /// Limit the number of concurrent operations.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub parallelism: usize,

    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// Allow import when no resource configuration block exists.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub allow_missing_config: bool,

    /// The resource address to import into.
    #[arg(value_name = "ADDR")]
    pub address: String,

    /// The provider-specific ID of the existing object.
    #[arg(value_name = "ID")]
    pub id: String,
}

/// `gitform validate`.
#[derive(Args, Debug, Clone, Default)]
pub struct ValidateArgs {
    /// Produce output in a machine-readable JSON format.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub json: bool,

    /// Do not validate test files.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub no_tests: bool,

    /// Directory of test files (default "tests").
    #[arg(long, value_name = "PATH")]
    pub test_directory: Option<PathBuf>,
}

/// `gitform console`.
#[derive(Args, Debug, Clone, Default)]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub vars: VarArgs,

    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// Evaluate against a plan of the configuration (not yet supported; accepted for compatibility).
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub plan: bool,
}

/// `gitform fmt [options] [target...]`.
#[derive(Args, Debug, Clone)]
pub struct FmtArgs {
    /// Don't list files whose formatting differs (-list=false).
    #[arg(long, value_name = "BOOL", default_value = "true", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub list: bool,

    /// Don't write to source files (-write=false).
    #[arg(long, value_name = "BOOL", default_value = "true", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub write: bool,

    /// Display diffs of formatting changes.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub diff: bool,

    /// Check if the input is formatted. Exit status will be 0 if all input is
    /// properly formatted and 3 otherwise.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub check: bool,

    /// Also process files in subdirectories.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub recursive: bool,

    /// Files or directories to format; `-` reads standard input.
    #[arg(value_name = "TARGET", allow_hyphen_values = true)]
    pub targets: Vec<String>,
}

/// `gitform output [NAME]`.
#[derive(Args, Debug, Clone, Default)]
pub struct OutputArgs {
    /// Print output values in JSON format.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub json: bool,

    /// Print the raw string directly, without any special formatting.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub raw: bool,

    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// The output to show; all outputs when absent.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
}

/// `gitform state ...`.
#[derive(Subcommand, Debug)]
pub enum StateCommand {
    /// List resources in the state
    List(StateListArgs),
    /// Show a resource in the state
    Show(StateShowArgs),
    /// Remove instances from the state
    Rm(StateRmArgs),
    /// Move an item in the state
    Mv(StateMvArgs),
    /// Show the versions of the state, or the changes of one version
    History(StateHistoryArgs),
}

/// `gitform state list [ADDR...]`.
#[derive(Args, Debug, Clone, Default)]
pub struct StateListArgs {
    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// Filters the results to include only instances whose resource types have
    /// an attribute named "id" whose value equals the given id string.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,

    /// Addresses to filter by.
    #[arg(value_name = "ADDRESS")]
    pub addresses: Vec<String>,
}

/// `gitform state show ADDR`.
#[derive(Args, Debug, Clone, Default)]
pub struct StateShowArgs {
    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// The resource instance to show.
    #[arg(value_name = "ADDRESS")]
    pub address: String,
}

/// `gitform state rm ADDR...`.
#[derive(Args, Debug, Clone)]
pub struct StateRmArgs {
    #[command(flatten)]
    pub lock: LockArgs,

    /// Only print what would be removed.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub dry_run: bool,

    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// (Accepted for compatibility; every state version is kept in the history.)
    #[arg(long, value_name = "PATH", hide = true)]
    pub backup: Option<PathBuf>,

    /// Addresses to remove.
    #[arg(value_name = "ADDRESS", required = true)]
    pub addresses: Vec<String>,
}

/// `gitform state mv SOURCE DESTINATION`.
#[derive(Args, Debug, Clone)]
pub struct StateMvArgs {
    #[command(flatten)]
    pub lock: LockArgs,

    /// Only print what would be moved.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub dry_run: bool,

    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// (Accepted for compatibility; every state version is kept in the history.)
    #[arg(long, value_name = "PATH", hide = true)]
    pub backup: Option<PathBuf>,

    #[arg(value_name = "SOURCE")]
    pub source: String,

    #[arg(value_name = "DESTINATION")]
    pub destination: String,
}

/// `gitform state history [SERIAL]`.
#[derive(Args, Debug, Clone, Default)]
pub struct StateHistoryArgs {
    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// Print JSON instead of a table.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub json: bool,

    /// Show the changes made by this version.
    #[arg(value_name = "SERIAL")]
    pub serial: Option<u64>,
}

/// `gitform taint ADDR` / `gitform untaint ADDR`.
#[derive(Args, Debug, Clone)]
pub struct TaintArgs {
    #[command(flatten)]
    pub lock: LockArgs,

    /// Succeed even if the resource instance is missing.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub allow_missing: bool,

    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// The resource instance.
    #[arg(value_name = "ADDRESS")]
    pub address: String,
}

/// `gitform force-unlock LOCK_ID`.
#[derive(Args, Debug, Clone, Default)]
pub struct ForceUnlockArgs {
    /// Don't ask for input for unlock confirmation.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub force: bool,

    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    #[arg(value_name = "LOCK_ID")]
    pub lock_id: String,
}

/// `gitform version`.
#[derive(Args, Debug, Clone, Default)]
pub struct VersionArgs {
    /// Output the version information as a JSON object.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub json: bool,
}

/// Parses an already normalized argument list (see [`crate::argv::normalize`]),
/// then fills [`VarArgs::ordered`].
pub fn parse<I, T>(argv: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = override_self(Cli::command()).try_get_matches_from(argv)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if let Some((_, sub)) = matches.subcommand() {
        if let Some(vars) = cli.command.as_mut().and_then(Command::vars_mut) {
            vars.ordered = ordered_vars(sub);
        }
    }
    Ok(cli)
}

impl Command {
    fn vars_mut(&mut self) -> Option<&mut VarArgs> {
        match self {
            Command::Plan(a) => Some(&mut a.op.vars),
            Command::Apply(a) => Some(&mut a.op.vars),
            Command::Destroy(a) => Some(&mut a.op.vars),
            Command::Refresh(a) => Some(&mut a.vars),
            Command::Import(a) => Some(&mut a.vars),
            Command::Console(a) => Some(&mut a.vars),
            Command::Drift(a) => Some(&mut a.vars),
            Command::Rollback(a) => Some(&mut a.vars),
            _ => None,
        }
    }
}

/// Lets a flag be given more than once, the last one winning, as Go's
/// `flag` package does (`-list -list=false`).
fn override_self(cmd: clap::Command) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let mut cmd = cmd.args_override_self(true);
    for name in names {
        cmd = cmd.mut_subcommand(name, override_self);
    }
    cmd
}

fn ordered_vars(m: &ArgMatches) -> Vec<VarSource> {
    let mut items: Vec<(usize, VarSource)> = Vec::new();
    if let (Some(idx), Some(vals)) = (m.indices_of("var"), m.get_many::<String>("var")) {
        items.extend(idx.zip(vals).map(|(i, v)| (i, VarSource::Var(v.clone()))));
    }
    if let (Some(idx), Some(vals)) = (m.indices_of("var_file"), m.get_many::<PathBuf>("var_file")) {
        items.extend(idx.zip(vals).map(|(i, v)| (i, VarSource::File(v.clone()))));
    }
    items.sort_by_key(|(i, _)| *i);
    items.into_iter().map(|(_, v)| v).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (text, secs) in [
            ("0s", 0.0),
            ("0", 0.0),
            ("30s", 30.0),
            ("1m30s", 90.0),
            ("500ms", 0.5),
            ("2h", 7200.0),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_secs_f64(secs)),
                "{text}"
            );
        }
        for bad in ["", "5", "1x", "s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn go_bools() {
        for (text, want) in [
            ("true", Some(true)),
            ("1", Some(true)),
            ("F", Some(false)),
            ("no", None),
        ] {
            assert_eq!(parse_go_bool(text).ok(), want, "{text}");
        }
    }

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn vars_keep_command_line_order() {
        let cli = parse([
            "gitform",
            "plan",
            "--var-file=a.tfvars",
            "--var",
            "x=1",
            "--var-file",
            "b.tfvars",
            "--var=y=2",
        ])
        .unwrap();
        let Some(Command::Plan(plan)) = cli.command else {
            panic!("not plan")
        };
        assert_eq!(
            plan.op.vars.ordered,
            vec![
                VarSource::File("a.tfvars".into()),
                VarSource::Var("x=1".into()),
                VarSource::File("b.tfvars".into()),
                VarSource::Var("y=2".into()),
            ]
        );
    }
}
