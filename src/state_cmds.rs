//! State commands: `state list|show|rm|mv|history`, `taint`, `untaint`,
//! `force-unlock`. Messages follow Terraform's; every change is a new state
//! version written under the state lock.

use crate::args::{
    ForceUnlockArgs, LockArgs, StateHistoryArgs, StateListArgs, StateMvArgs, StateRmArgs,
    StateShowArgs, TaintArgs,
};
use crate::diag_error::DiagnosticsError;
use crate::state_access::{
    format_short_time, lock_holder, lock_state, open_existing_state, state_error, state_path,
};
use crate::state_render::{render_resource, resource_value};
use crate::ui::Ui;
use gitform_engine::address::{
    parse_instance, parse_target, InstanceAddr, Mode, ModuleInstance, ModuleStep, TargetAddr,
};
use gitform_state::{
    HistoryAction, ResourceMode, ResourceRecord, SqliteStore, StateError, StateStore, VersionMeta,
    VersionStatus,
};
use std::path::Path;
use std::process::ExitCode;

const NO_STATE: &str = "No state file was found!

State management commands require a state file. Run this command
in a directory where gitform has been run or use the -state flag
to point the command to a specific state location.";

/// Opens the state for a `state` subcommand, or prints Terraform's
/// "No state file was found!" (`Err` carries the exit code).
fn require_state(path: &Path, ui: &Ui) -> Result<SqliteStore, anyhow::Error> {
    match open_existing_state(path)? {
        Some(store) => Ok(store),
        None => {
            ui.eprintln(format!("\n{NO_STATE}"));
            Err(SilentExit.into())
        }
    }
}

/// An error already printed: exit 1 without printing anything more.
#[derive(Debug)]
pub struct SilentExit;

impl std::fmt::Display for SilentExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("error already reported")
    }
}

impl std::error::Error for SilentExit {}

/// Runs `f`, turning a [`SilentExit`] into exit code 1.
fn silent<F: FnOnce() -> anyhow::Result<ExitCode>>(f: F) -> anyhow::Result<ExitCode> {
    match f() {
        Err(e) if e.is::<SilentExit>() => Ok(ExitCode::from(1)),
        other => other,
    }
}

fn load_resources(store: &dyn StateStore) -> Result<Vec<ResourceRecord>, DiagnosticsError> {
    store
        .list_resources()
        .map_err(|e| state_error("Failed to load state", &e))
}

/// Terraform's order: by module, data sources before managed resources, then
/// type, name and instance key (numbers numerically).
fn sort_resources(records: &mut [ResourceRecord]) {
    records.sort_by_cached_key(|r| match parse_instance(&r.address) {
        Ok(a) => (
            Some((
                a.resource.module.clone(),
                a.resource.mode == Mode::Managed,
                a.resource.type_name.clone(),
                a.resource.name.clone(),
                a.key.clone(),
            )),
            r.address.clone(),
        ),
        Err(_) => (None, r.address.clone()),
    });
}

fn parse_address(text: &str) -> Result<TargetAddr, DiagnosticsError> {
    parse_target(text).map_err(|e| {
        DiagnosticsError::error(
            "Invalid address",
            format!("Error parsing address {text:?}: {}.", e.reason),
        )
    })
}

/// Whether a stored instance address lies inside `target`.
fn contains(target: &TargetAddr, address: &str) -> bool {
    match parse_instance(address) {
        Ok(inst) => target.contains(&inst),
        Err(_) => target.to_string() == address,
    }
}

fn begin(store: &dyn StateStore, operation: &str) -> Result<u64, DiagnosticsError> {
    store
        .begin_version(VersionMeta {
            author: lock_holder(),
            operation: operation.to_string(),
            git: None,
        })
        .map(|h| h.serial)
        .map_err(|e| state_error("Failed to write state", &e))
}

/// Writes one version with `write` under the state lock: begun, then
/// finished `Complete` with `summary`, or `Failed` when `write` fails.
fn write_version(
    store: &dyn StateStore,
    path: &Path,
    operation: &str,
    lock: &LockArgs,
    ui: &Ui,
    write: impl FnOnce(u64) -> Result<String, StateError>,
) -> Result<(), DiagnosticsError> {
    let _lock = lock_state(store, path, operation, lock, ui)?;
    let serial = begin(store, operation)?;
    match write(serial) {
        Ok(summary) => store
            .finish_version(serial, VersionStatus::Complete, Some(&summary))
            .map_err(|e| state_error("Failed to write state", &e)),
        Err(e) => {
            let _ = store.finish_version(serial, VersionStatus::Failed, Some(&e.to_string()));
            Err(state_error("Failed to write state", &e))
        }
    }
}

// ---------------------------------------------------------------------------
// state list / show

pub fn list(args: &StateListArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    silent(|| {
        let store = require_state(&state_path(args.state.as_deref()), ui)?;
        let mut records = load_resources(&store)?;
        sort_resources(&mut records);
        if let Some(id) = &args.id {
            records.retain(|r| {
                resource_value(r)
                    .unmarked()
                    .get_attr("id")
                    .and_then(|v| v.unmarked().as_str())
                    == Some(id)
            });
        }
        let mut lines = String::new();
        if args.addresses.is_empty() {
            for r in &records {
                lines.push_str(&r.address);
                lines.push('\n');
            }
        } else {
            for text in &args.addresses {
                let target = parse_address(text)?;
                let matched: Vec<&ResourceRecord> = records
                    .iter()
                    .filter(|r| contains(&target, &r.address))
                    .collect();
                if matched.is_empty() && !matches!(target, TargetAddr::Module(_)) {
                    ui.print(lines);
                    return Err(DiagnosticsError::error(
                        "Unknown resource",
                        format!(
                            "The current state contains no resource {text}. If you've just added this resource to the configuration, you must run \"gitform apply\" first to create the resource's entry in the state."
                        ),
                    )
                    .into());
                }
                for r in matched {
                    lines.push_str(&r.address);
                    lines.push('\n');
                }
            }
        }
        ui.print(lines);
        Ok(ExitCode::SUCCESS)
    })
}

const ONE_INSTANCE: &str =
    "This command requires that the address references one specific instance.
To view the available instances, use \"gitform state list\". Please modify 
the address to reference a specific instance.";

pub fn show(args: &StateShowArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    silent(|| {
        let store = require_state(&state_path(args.state.as_deref()), ui)?;
        let addr = match parse_instance(&args.address) {
            Ok(a) => a,
            Err(_) => {
                ui.eprintln(format!(
                    "Error parsing instance address: {}\n\n{ONE_INSTANCE}",
                    args.address
                ));
                return Ok(ExitCode::from(1));
            }
        };
        let record = store
            .get_resource(&addr.to_string())
            .map_err(|e| state_error("Failed to load state", &e))?;
        let Some(record) = record else {
            ui.eprintln(format!(
                "\nNo instance found for the given address!\n\n{ONE_INSTANCE}"
            ));
            return Ok(ExitCode::from(1));
        };
        ui.print(render_resource(&record, ui.color));
        Ok(ExitCode::SUCCESS)
    })
}

// ---------------------------------------------------------------------------
// state rm / mv

pub fn rm(args: &StateRmArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    silent(|| {
        let path = state_path(args.state.as_deref());
        let store = require_state(&path, ui)?;
        let targets = args
            .addresses
            .iter()
            .map(|a| parse_address(a))
            .collect::<Result<Vec<_>, _>>()?;
        let mut records = load_resources(&store)?;
        sort_resources(&mut records);
        let matched: Vec<String> = records
            .iter()
            .filter(|r| targets.iter().any(|t| contains(t, &r.address)))
            .map(|r| r.address.clone())
            .collect();
        if matched.is_empty() {
            return Err(DiagnosticsError::error(
                "Invalid target address",
                "No matching objects found. To view the available instances, use \"gitform state list\". Please modify the address to reference a specific instance.",
            )
            .into());
        }
        if args.dry_run {
            let text: String = matched
                .iter()
                .map(|a| format!("Would remove {a}\n"))
                .collect();
            ui.print(text);
            return Ok(ExitCode::SUCCESS);
        }
        write_version(&store, &path, "state rm", &args.lock, ui, |serial| {
            for address in &matched {
                store.remove_resource(serial, address)?;
                ui.println(format!("Removed {address}"));
            }
            Ok(format!("removed {} resource instance(s)", matched.len()))
        })?;
        ui.println(format!(
            "Successfully removed {} resource instance(s).",
            matched.len()
        ));
        Ok(ExitCode::SUCCESS)
    })
}

/// Where each matched instance goes when `source` moves to `destination`.
fn plan_moves(
    source: &TargetAddr,
    destination: &TargetAddr,
    records: &[ResourceRecord],
) -> Result<Vec<(String, String)>, DiagnosticsError> {
    let src_text = source.to_string();
    let dst_text = destination.to_string();
    let matched: Vec<InstanceAddr> = records
        .iter()
        .filter(|r| contains(source, &r.address))
        .filter_map(|r| parse_instance(&r.address).ok())
        .collect();
    if matched.is_empty() {
        return Err(DiagnosticsError::error(
            "Invalid source address",
            format!("Cannot move {src_text}: does not match anything in the current state."),
        ));
    }
    let mismatch = || {
        DiagnosticsError::error(
            "Invalid state move request",
            format!("Cannot move {src_text} to {dst_text}: the source and destination must both be modules, resources or resource instances."),
        )
    };
    let mut moves = Vec::new();
    match (source, destination) {
        (TargetAddr::Module(src), TargetAddr::Module(dst)) => {
            for inst in matched {
                let mut moved = inst.clone();
                moved.resource.module = rebase_module(&inst.resource.module, src, dst);
                moves.push((inst.to_string(), moved.to_string()));
            }
        }
        (TargetAddr::Resource(_), TargetAddr::Resource(dst)) => {
            for inst in matched {
                moves.push((inst.to_string(), dst.instance(inst.key.clone()).to_string()));
            }
        }
        (TargetAddr::Instance(_), TargetAddr::Instance(_) | TargetAddr::Resource(_))
        | (TargetAddr::Resource(_), TargetAddr::Instance(_)) => {
            let [only] = matched.as_slice() else {
                return Err(mismatch());
            };
            let to = match destination {
                TargetAddr::Resource(r) => r.instance(None).to_string(),
                other => other.to_string(),
            };
            moves.push((only.to_string(), to));
        }
        _ => return Err(mismatch()),
    }
    for (from, to) in &moves {
        if from != to && records.iter().any(|r| &r.address == to) {
            return Err(DiagnosticsError::error(
                "Invalid target address",
                format!("Cannot move to {dst_text}: there is already a resource instance at that address in the current state."),
            ));
        }
    }
    Ok(moves)
}

/// `inst` (inside module `src`) moved into module `dst`; the instance key of
/// the last step carries over when neither address names one.
fn rebase_module(
    inst: &ModuleInstance,
    src: &ModuleInstance,
    dst: &ModuleInstance,
) -> ModuleInstance {
    let mut steps: Vec<ModuleStep> = dst.0.clone();
    let n = src.0.len();
    if let (Some(last), Some(src_last), Some(inst_step)) = (
        steps.last_mut(),
        src.0.last(),
        inst.0.get(n.wrapping_sub(1)),
    ) {
        if last.key.is_none() && src_last.key.is_none() {
            last.key = inst_step.key.clone();
        }
    }
    steps.extend(inst.0.iter().skip(n).cloned());
    ModuleInstance(steps)
}

pub fn mv(args: &StateMvArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    silent(|| {
        let path = state_path(args.state.as_deref());
        let store = require_state(&path, ui)?;
        let source = parse_address(&args.source)?;
        let destination = parse_address(&args.destination)?;
        let records = load_resources(&store)?;
        let moves = plan_moves(&source, &destination, &records)?;
        let verb = if args.dry_run { "Would move" } else { "Move" };
        let line = format!("{verb} {:?} to {:?}", args.source, args.destination);
        if args.dry_run {
            ui.println(line);
            return Ok(ExitCode::SUCCESS);
        }
        write_version(&store, &path, "state mv", &args.lock, ui, |serial| {
            for (from, to) in &moves {
                if from != to {
                    store.move_resource(serial, from, to)?;
                }
            }
            Ok(format!("moved {} to {}", args.source, args.destination))
        })?;
        ui.println(line);
        ui.println("Successfully moved 1 object(s).");
        Ok(ExitCode::SUCCESS)
    })
}

// ---------------------------------------------------------------------------
// taint / untaint

pub fn taint(args: &TaintArgs, tainted: bool, ui: &Ui) -> anyhow::Result<ExitCode> {
    let operation = if tainted { "taint" } else { "untaint" };
    let path = state_path(args.state.as_deref());
    let store = open_existing_state(&path)?;
    let records = match &store {
        Some(s) => load_resources(s)?,
        None => Vec::new(),
    };
    let addr = parse_instance(&args.address).map_err(|e| {
        DiagnosticsError::error(
            "Invalid resource instance address",
            format!("Error parsing address {:?}: {}.", args.address, e.reason),
        )
    })?;
    let address = addr.to_string();
    let (Some(store), Some(record)) = (store, records.iter().find(|r| r.address == address)) else {
        if args.allow_missing {
            ui.warning(
                "No such resource instance",
                format!("Resource instance {address} was not found, but this is not an error because -allow-missing was set."),
            );
            return Ok(ExitCode::SUCCESS);
        }
        let detail = if records.is_empty() {
            "The state currently contains no resource instances whatsoever. This may occur if the configuration has never been applied or if it has recently been destroyed.".to_string()
        } else {
            format!("There is no resource instance in the state with the address {address}. If the resource configuration has just been added, you must run \"gitform apply\" once to create the corresponding instance(s) before they can be tainted.")
        };
        return Err(DiagnosticsError::error("No such resource instance", detail).into());
    };
    if tainted && record.mode == ResourceMode::Data {
        return Err(DiagnosticsError::error(
            "Invalid resource instance address",
            format!("Resource instance {address} is a data resource instance. Only managed resource instances can be tainted."),
        )
        .into());
    }
    if !tainted && !record.tainted {
        return Err(DiagnosticsError::error(
            "Resource instance is not tainted",
            format!("Resource instance {address} is not currently tainted, and so it cannot be untainted."),
        )
        .into());
    }
    write_version(&store, &path, operation, &args.lock, ui, |serial| {
        store.set_tainted(serial, &address, tainted)?;
        Ok(format!("{operation}ed {address}"))
    })?;
    if tainted {
        ui.println(format!(
            "Resource instance {address} has been marked as tainted."
        ));
    } else {
        ui.println(format!(
            "Resource instance {address} has been successfully untainted."
        ));
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------
// force-unlock

pub fn force_unlock(args: &ForceUnlockArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let path = state_path(args.state.as_deref());
    let Some(store) = open_existing_state(&path)? else {
        ui.eprintln("Failed to unlock state: the state is not locked");
        return Ok(ExitCode::from(1));
    };
    if !args.force {
        let answer = ui.ask(
            "Do you really want to force-unlock?",
            "gitform will remove the lock on the state.\nThis will allow local gitform commands to modify this state, even though it\nmay still be in use. Only 'yes' will be accepted to confirm.",
        )?;
        if answer != "yes" {
            ui.println("force-unlock cancelled.");
            return Ok(ExitCode::from(1));
        }
    }
    match store.force_unlock(&args.lock_id) {
        Ok(_) => {
            ui.print(ui.colorize(
                "[reset][bold][green]gitform state has been successfully unlocked![reset][green]\n\nThe state has been unlocked, and gitform commands should now be able to\nobtain a new lock on the state.\n",
            ));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            ui.eprintln(format!("Failed to unlock state: {e}"));
            Ok(ExitCode::from(1))
        }
    }
}

// ---------------------------------------------------------------------------
// state history

pub fn history(args: &StateHistoryArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    silent(|| {
        let store = require_state(&state_path(args.state.as_deref()), ui)?;
        match args.serial {
            None => history_table(&store, args.json, ui),
            Some(serial) => version_changes(&store, serial, args.json, ui),
        }
    })
}

fn history_table(store: &dyn StateStore, json: bool, ui: &Ui) -> anyhow::Result<ExitCode> {
    let versions = store
        .list_versions()
        .map_err(|e| state_error("Failed to load state history", &e))?;
    if json {
        ui.println(serde_json::to_string_pretty(&versions)?);
        return Ok(ExitCode::SUCCESS);
    }
    if versions.is_empty() {
        ui.println("The state has no versions yet.");
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = vec![[
        "SERIAL".to_string(),
        "TIME (UTC)".to_string(),
        "AUTHOR".to_string(),
        "OPERATION".to_string(),
        "STATUS".to_string(),
        "COMMIT".to_string(),
        "SUMMARY".to_string(),
    ]];
    for v in &versions {
        rows.push([
            v.serial.to_string(),
            format_short_time(v.created_at),
            v.author.clone(),
            v.operation.clone(),
            v.status.as_str().to_string(),
            v.git
                .as_ref()
                .map(|g| g.sha.chars().take(7).collect())
                .unwrap_or_else(|| "-".to_string()),
            v.summary.clone().unwrap_or_default(),
        ]);
    }
    ui.print(table(&rows));
    Ok(ExitCode::SUCCESS)
}

/// Columns separated by two spaces, the last one not padded.
fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 < N {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(
                    ' ',
                    widths[i] - cell.chars().count() + 2,
                ));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn version_changes(
    store: &dyn StateStore,
    serial: u64,
    json: bool,
    ui: &Ui,
) -> anyhow::Result<ExitCode> {
    let version = store
        .get_version(serial)
        .map_err(|e| state_error("Failed to load state history", &e))?
        .ok_or_else(|| {
            DiagnosticsError::error(
                "No such state version",
                format!("The state has no version with serial {serial}. Run \"gitform state history\" to list the versions."),
            )
        })?;
    let changes = store
        .version_changes(serial)
        .map_err(|e| state_error("Failed to load state history", &e))?;
    if json {
        let doc = serde_json::json!({ "version": version, "changes": changes });
        ui.println(serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = format!(
        "Version {} ({}), {} UTC by {}: {}\n",
        version.serial,
        version.status.as_str(),
        format_short_time(version.created_at),
        version.author,
        version.operation
    );
    if let Some(git) = &version.git {
        text.push_str(&format!(
            "Commit {} by {} at {}: {}\n",
            git.sha,
            git.author,
            git.time,
            git.message.lines().next().unwrap_or_default()
        ));
    }
    if let Some(summary) = &version.summary {
        text.push_str(&format!("Summary: {summary}\n"));
    }
    text.push('\n');
    if changes.is_empty() {
        text.push_str("No resource changes.\n");
    }
    let moved_out: Vec<&str> = changes
        .iter()
        .filter_map(|c| match &c.action {
            HistoryAction::MoveOut { to } => Some(to.as_str()),
            _ => None,
        })
        .collect();
    for change in &changes {
        let tainted = change.record.as_ref().is_some_and(|r| r.tainted);
        let line = match &change.action {
            HistoryAction::Create => format!("  [green]+[reset] {} created", change.address),
            HistoryAction::Update if tainted => {
                format!("  [yellow]~[reset] {} updated (tainted)", change.address)
            }
            HistoryAction::Update => format!("  [yellow]~[reset] {} updated", change.address),
            HistoryAction::Remove => format!("  [red]-[reset] {} removed", change.address),
            HistoryAction::MoveOut { to } => {
                format!("  [cyan]>[reset] {} moved to {to}", change.address)
            }
            HistoryAction::MoveIn { from } if !moved_out.contains(&change.address.as_str()) => {
                format!("  [cyan]>[reset] {} moved from {from}", change.address)
            }
            HistoryAction::MoveIn { .. } => continue,
        };
        text.push_str(&ui.colorize(&line));
        text.push('\n');
    }
    ui.print(text);
    Ok(ExitCode::SUCCESS)
}
