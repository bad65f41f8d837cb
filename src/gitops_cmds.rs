//! The GitOps commands: `drift`, `rollback` and `history`. Drift checks
//! and rollbacks go through the run API ([`crate::runs`]) like plan and
//! apply; `history` reads the runs journal of the state database.

use crate::args::{parse_go_bool, LockArgs, VarArgs, VarSource};
use crate::diag_error::DiagnosticsError;
use crate::engine_cmds::{config_source, print_outcome, run_cli};
use crate::runs::{
    Approval, ConfigSource, DriftFinding, IgnoreDrift, LockOptions, RunKind, RunReport, RunSpec,
};
use crate::state_access::{format_short_time, open_existing_state, state_path};
use crate::ui::Ui;
use clap::{ArgAction, Args, Subcommand};
use gitform_engine::planfile;
use gitform_engine::render::{render_plan, RenderOptions};
use gitform_engine::variables::VarArg;
use gitform_state::{RunFilter, RunRecord, StateStore};
use std::path::PathBuf;
use std::process::ExitCode;

/// `gitform drift`.
#[derive(Args, Debug, Clone, Default)]
pub struct DriftArgs {
    #[command(flatten)]
    pub vars: VarArgs,

    #[command(flatten)]
    pub lock: LockArgs,

    /// Check against the configuration of this commit (SHA, branch or tag)
    /// of the repository around the working directory.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,

    /// Return detailed exit codes: 0 = no drift, 1 = error, 2 = drift found.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub detailed_exitcode: bool,

    /// Print the findings as JSON.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub json: bool,

    /// Leave out drift that legitimately happens: `ADDRESS` or
    /// `ADDRESS:ATTR,ATTR` (`*` matches anything in the address).
    #[arg(long, value_name = "RULE")]
    pub ignore: Vec<String>,

    /// Limit the number of concurrent operations.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub parallelism: usize,

    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
}

/// `gitform rollback -to REV`.
#[derive(Args, Debug, Clone, Default)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub vars: VarArgs,

    #[command(flatten)]
    pub lock: LockArgs,

    /// The commit (SHA, branch, tag, `HEAD~2`) whose configuration to go back to.
    #[arg(long, value_name = "REV", required = true)]
    pub to: String,

    /// Skip interactive approval of the plan before applying.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub auto_approve: bool,

    /// Only roll back to a commit signed by one of the keys in this file
    /// (OpenSSH public keys or git's allowed_signers lines).
    #[arg(long, value_name = "FILE")]
    pub trusted_keys: Option<PathBuf>,

    /// Limit the number of concurrent operations.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub parallelism: usize,

    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
}

/// `gitform history [show RUN]`.
#[derive(Args, Debug, Clone, Default)]
pub struct HistoryArgs {
    /// Print JSON instead of a table.
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub json: bool,

    /// Show at most this many runs, newest first (0 = all).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,

    /// Only runs of this agent environment.
    #[arg(long, value_name = "NAME")]
    pub environment: Option<String>,

    /// Only runs of this kind (plan, apply, destroy, refresh, drift-check, rollback).
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,

    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<HistoryCommand>,
}

#[derive(Subcommand, Debug, Clone)]
pub enum HistoryCommand {
    /// Show one run and the plan that ran
    Show(HistoryShowArgs),
}

/// `gitform history show RUN`.
#[derive(Args, Debug, Clone, Default)]
pub struct HistoryShowArgs {
    /// Print JSON (the run, and the plan in Terraform's JSON plan shape).
    #[arg(long, value_name = "BOOL", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = ArgAction::Set,
          value_parser = parse_go_bool)]
    pub json: bool,

    /// Path to the state database.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// The run id (first column of `gitform history`).
    #[arg(value_name = "RUN")]
    pub run: i64,
}

/// `-var`/`-var-file` as the engine takes them. The command-line order is
/// kept when the parser recorded it; otherwise files come before values.
fn var_args(v: &VarArgs) -> Vec<VarArg> {
    if !v.ordered.is_empty() {
        return v
            .ordered
            .iter()
            .map(|s| match s {
                VarSource::Var(t) => VarArg::Var(t.clone()),
                VarSource::File(p) => VarArg::File(p.to_string_lossy().into_owned()),
            })
            .collect();
    }
    v.var_file
        .iter()
        .map(|p| VarArg::File(p.to_string_lossy().into_owned()))
        .chain(v.var.iter().map(|t| VarArg::Var(t.clone())))
        .collect()
}

/// Parses `ADDRESS` or `ADDRESS:ATTR,ATTR`. A `:` or `,` inside brackets
/// or quotes (`x.y["a:b"]`, `tags["a,b"]`) does not split.
fn ignore_rule(text: &str) -> IgnoreDrift {
    let mut parts = split_outside(text, ':', 1).into_iter();
    let address = parts.next().unwrap_or_default().to_string();
    let attributes = parts
        .next()
        .map(|attrs| {
            split_outside(attrs, ',', usize::MAX)
                .into_iter()
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    IgnoreDrift {
        address,
        attributes,
    }
}

/// `text` split at up to `max` occurrences of `sep` that are outside
/// double quotes (with backslash escapes) and square brackets.
fn split_outside(text: &str, sep: char, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut escaped, mut start) = (0usize, false, false, 0);
    for (i, c) in text.char_indices() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if c == sep && depth == 0 && out.len() < max => {
                out.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

pub fn drift(args: &DriftArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let mut spec = RunSpec::new(
        RunKind::DriftCheck,
        config_source(args.rev.as_deref())?,
        state_path(args.state.as_deref()),
    );
    spec.vars = var_args(&args.vars);
    spec.parallelism = args.parallelism;
    spec.approval = Approval::PlanOnly;
    spec.drift.ignore = args.ignore.iter().map(|r| ignore_rule(r)).collect();
    // A rule that cannot match anything is a mistake to say at once.
    crate::runs::ignore_rules(&spec.drift).map_err(DiagnosticsError::new)?;
    spec.lock = LockOptions {
        enabled: args.lock.lock,
        timeout: args.lock.lock_timeout,
    };
    let report = run_cli(spec, ui, args.json, false)?;
    if args.json {
        ui.println(serde_json::to_string_pretty(&drift_json(&report))?);
    } else {
        ui.print(render_drift(&report, ui));
    }
    if args.detailed_exitcode && !report.drift.is_empty() {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn drift_json(report: &RunReport) -> serde_json::Value {
    serde_json::json!({
        "run_id": report.run_id,
        "kind": report.kind.as_str(),
        "environment": report.environment,
        "trigger": report.trigger.as_str(),
        "started_at": rfc3339_millis(report.started_at),
        "drift_detected": !report.drift.is_empty(),
        "resources": report.drifted_resources,
        "findings": report.drift,
        "commit": report.commit.as_ref().map(|c| serde_json::json!({
            "sha": c.sha, "author": c.author, "email": c.email,
            "message": c.message, "time": c.time,
        })),
    })
}

/// The findings, grouped by resource, one line per attribute.
fn render_drift(report: &RunReport, ui: &Ui) -> String {
    let mut out = String::new();
    if report.drift.is_empty() {
        out.push_str(&ui.colorize(
            "\n[reset][bold][green]No drift.[reset] The infrastructure matches the state.\n",
        ));
        return out;
    }
    let n = report.drifted_resources;
    out.push_str(&ui.colorize(&format!(
        "\n[reset][bold][yellow]Drift detected:[reset] {n} resource{} changed outside gitform.\n",
        if n == 1 { "" } else { "s" }
    )));
    let mut current = "";
    for f in &report.drift {
        if f.address != current {
            current = &f.address;
            if f.path.is_empty() && f.after.is_none() && !f.sensitive {
                out.push_str(&ui.colorize(&format!(
                    "\n  [bold]# {}[reset] has been deleted\n",
                    f.address
                )));
                continue;
            }
            out.push_str(&ui.colorize(&format!("\n  [bold]# {}[reset]\n", f.address)));
        }
        out.push_str(&format!("      ~ {}\n", finding_line(f)));
    }
    out.push_str(&format!(
        "\nRun \"gitform apply\" to bring the infrastructure back to the configuration, or\n\"gitform refresh\" to accept the changes into the state. (Run {}.)\n",
        report.run_id
    ));
    out
}

fn finding_line(f: &DriftFinding) -> String {
    let show = |v: &Option<serde_json::Value>| match v {
        _ if f.sensitive => "(sensitive value)".to_string(),
        Some(v) => v.to_string(),
        None => "(absent)".to_string(),
    };
    let what = if f.path.is_empty() {
        "(whole object)"
    } else {
        f.path.as_str()
    };
    format!("{what}: {} -> {}", show(&f.before), show(&f.after))
}

pub fn rollback(args: &RollbackArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let source = config_source(Some(&args.to))?;
    let mut spec = RunSpec::new(RunKind::Rollback, source, state_path(args.state.as_deref()));
    spec.vars = var_args(&args.vars);
    spec.parallelism = args.parallelism;
    spec.approval = if args.auto_approve {
        Approval::Auto
    } else {
        Approval::Ask
    };
    spec.lock = LockOptions {
        enabled: args.lock.lock,
        timeout: args.lock.lock_timeout,
    };
    if let Some(file) = &args.trusted_keys {
        let keys = gitform_git::TrustedKeys::from_file(file).map_err(|e| {
            DiagnosticsError::error(
                "Invalid trusted keys",
                format!("{e}. Give OpenSSH public keys or allowed_signers lines, one per line."),
            )
        })?;
        spec.require_signature = Some(keys);
    }
    if let ConfigSource::Commit { .. } = &spec.source {
        ui.println(format!(
            "Rolling back to the configuration of {}.\n",
            args.to
        ));
    }
    let report = run_cli(spec, ui, false, true)?;
    print_outcome(ui, &report);
    if let Some(c) = &report.commit {
        ui.println(format!(
            "\nRolled back to commit {} ({:?}). Run {} in gitform history.",
            c.short_sha(),
            c.summary(),
            report.run_id
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn open_runs(flag: Option<&std::path::Path>) -> anyhow::Result<Option<gitform_state::SqliteStore>> {
    Ok(open_existing_state(&state_path(flag))?)
}

pub fn history(args: &HistoryArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    if let Some(HistoryCommand::Show(show)) = &args.command {
        return history_show(show, args.state.as_deref(), ui);
    }
    let runs = match open_runs(args.state.as_deref())? {
        Some(store) => store
            .find_runs(&RunFilter {
                environment: args.environment.clone(),
                kind: args.kind.clone(),
                limit: args.limit,
                ..RunFilter::default()
            })
            .map_err(|e| DiagnosticsError::error("Failed to read the runs", e.to_string()))?,
        None => Vec::new(),
    };
    if args.json {
        let list: Vec<serde_json::Value> = runs.iter().map(run_json).collect();
        ui.println(serde_json::to_string_pretty(
            &serde_json::json!({ "runs": list }),
        )?);
        return Ok(ExitCode::SUCCESS);
    }
    if runs.is_empty() {
        ui.println("No runs recorded.");
        return Ok(ExitCode::SUCCESS);
    }
    ui.print(history_table(&runs));
    Ok(ExitCode::SUCCESS)
}

/// The runs as a table, newest first.
pub fn history_table(runs: &[RunRecord]) -> String {
    let header = [
        "RUN",
        "ENVIRONMENT",
        "KIND",
        "COMMIT",
        "TRIGGER",
        "STARTED (UTC)",
        "DURATION",
        "OUTCOME",
        "CHANGES",
        "DRIFT",
    ];
    let rows: Vec<[String; 10]> = runs
        .iter()
        .map(|r| {
            [
                r.id.to_string(),
                r.environment.clone().unwrap_or_else(|| "-".into()),
                r.kind.clone(),
                r.git
                    .as_ref()
                    .map(|g| g.sha.chars().take(12).collect())
                    .unwrap_or_else(|| "-".into()),
                r.trigger.clone(),
                format_short_time(r.started_at),
                duration_text(r),
                r.outcome.clone().unwrap_or_else(|| "running".into()),
                format!(
                    "+{} ~{} -{}",
                    r.counts.add, r.counts.change, r.counts.destroy
                ),
                r.drift_count.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut push_row = |cells: &[&str]| {
        let line: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    };
    push_row(&header);
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        push_row(&cells);
    }
    out
}

fn duration_text(r: &RunRecord) -> String {
    match r.finished_at {
        Some(end) => {
            let ms = end.saturating_sub(r.started_at).max(0);
            if ms < 60_000 {
                format!("{}.{}s", ms / 1000, (ms % 1000) / 100)
            } else {
                format!("{}m{}s", ms / 60_000, (ms % 60_000) / 1000)
            }
        }
        None => "-".into(),
    }
}

fn run_json(r: &RunRecord) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "environment": r.environment,
        "kind": r.kind,
        "trigger": r.trigger,
        "commit": r.git.as_ref().map(|g| serde_json::json!({
            "sha": g.sha, "author": g.author, "email": g.email,
            "message": g.message, "time": g.time,
        })),
        "started_at": rfc3339_millis(r.started_at),
        "finished_at": r.finished_at.map(rfc3339_millis),
        "duration_ms": r.finished_at.map(|f| f.saturating_sub(r.started_at)),
        "outcome": r.outcome,
        "changes": {"add": r.counts.add, "change": r.counts.change, "destroy": r.counts.destroy},
        "drift_count": r.drift_count,
        "serial": r.serial,
        "summary": r.summary,
        "error": r.error,
        "has_plan": r.has_plan,
        "detail": r.detail,
    })
}

fn rfc3339_millis(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| ms.to_string())
}

fn history_show(
    args: &HistoryShowArgs,
    parent_state: Option<&std::path::Path>,
    ui: &Ui,
) -> anyhow::Result<ExitCode> {
    let store = open_runs(args.state.as_deref().or(parent_state))?;
    let not_found = || {
        DiagnosticsError::error(
            "No such run",
            format!(
                "There is no run {} in this state. Run \"gitform history\" to list the runs.",
                args.run
            ),
        )
    };
    let Some(store) = store else {
        return Err(not_found().into());
    };
    let read_err = |e: gitform_state::StateError| {
        DiagnosticsError::error("Failed to read the runs", e.to_string())
    };
    let run = store
        .get_run(args.run)
        .map_err(read_err)?
        .ok_or_else(not_found)?;
    let plan = match store.run_plan(args.run).map_err(read_err)? {
        Some(text) => Some(planfile::decode(&text).map_err(|e| {
            DiagnosticsError::error(
                "Failed to read the plan of the run",
                format!("The plan saved with run {} cannot be read: {e}.", args.run),
            )
        })?),
        None => None,
    };
    if args.json {
        let mut doc = run_json(&run);
        doc["plan"] = plan
            .as_ref()
            .map(planfile::to_plan_json)
            .unwrap_or(serde_json::Value::Null);
        ui.println(serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::SUCCESS);
    }
    ui.print(run_header(&run));
    match &plan {
        Some(plan) => ui.print(render_plan(plan, RenderOptions { color: ui.color })),
        None => ui.println("\nNo plan was recorded for this run."),
    }
    Ok(ExitCode::SUCCESS)
}

/// The facts of one run, before its plan.
pub fn run_header(r: &RunRecord) -> String {
    let mut out = format!("Run {}: {} ({})\n", r.id, r.kind, r.trigger);
    let mut field = |name: &str, value: String| {
        out.push_str(&format!("  {:<12} {value}\n", format!("{name}:")));
    };
    field(
        "Environment",
        r.environment.clone().unwrap_or_else(|| "-".into()),
    );
    match &r.git {
        Some(g) => {
            field("Commit", g.sha.clone());
            let who = if g.email.is_empty() {
                g.author.clone()
            } else {
                format!("{} <{}>", g.author, g.email)
            };
            field("Author", who);
            field("Date", g.time.clone());
            field(
                "Message",
                g.message.lines().next().unwrap_or_default().to_string(),
            );
        }
        None => field("Commit", "-".into()),
    }
    field(
        "Started",
        format!("{} UTC", format_short_time(r.started_at)),
    );
    field("Duration", duration_text(r));
    field(
        "Outcome",
        r.outcome.clone().unwrap_or_else(|| "running".into()),
    );
    field(
        "Changes",
        format!(
            "{} added, {} changed, {} destroyed",
            r.counts.add, r.counts.change, r.counts.destroy
        ),
    );
    field(
        "Drift",
        match r.drift_count {
            1 => "1 resource".to_string(),
            n => format!("{n} resources"),
        },
    );
    if let Some(serial) = r.serial {
        field("State", format!("version {serial}"));
    }
    if let Some(e) = &r.error {
        field("Error", e.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_rules_parse() {
        let cases = [
            ("local_file.log", "local_file.log", vec![]),
            ("aws_instance.*:tags", "aws_instance.*", vec!["tags"]),
            (
                "aws_instance.web:tags, tags_all",
                "aws_instance.web",
                vec!["tags", "tags_all"],
            ),
            ("x.y[\"a:b\"]", "x.y[\"a:b\"]", vec![]),
            ("x.y[\"a:b\"]:content", "x.y[\"a:b\"]", vec!["content"]),
            (
                "aws_instance.web:tags[\"Owner\"]",
                "aws_instance.web",
                vec!["tags[\"Owner\"]"],
            ),
            (
                "aws_instance.web:tags[\"a,b\"],tags.Owner",
                "aws_instance.web",
                vec!["tags[\"a,b\"]", "tags.Owner"],
            ),
            (
                "x[\"k\\\"]:\"]:tags[\"a:b\"]",
                "x[\"k\\\"]:\"]",
                vec!["tags[\"a:b\"]"],
            ),
        ];
        for (text, address, attributes) in cases {
            let rule = ignore_rule(text);
            assert_eq!(rule.address, address, "{text}");
            assert_eq!(rule.attributes, attributes, "{text}");
        }
    }
}
