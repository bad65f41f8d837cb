//! Refresh, batched per provider configuration and resource type across
//! the whole run.
//!
//! A plan refreshes every recorded object before planning it. Asking the
//! provider once per resource block would make one call per block (250
//! `aws_subnet` blocks: 250 `Describe` calls), so the first resource node
//! of a type that needs a refresh reads, in one `read_batch`, every
//! recorded instance of that type under the same provider configuration
//! that this plan will refresh. The answers are kept for the run; every
//! other node of the type takes its own instances' answers (and only
//! their diagnostics) from there.
//!
//! Which instances a batch holds is decided once, from the state and the
//! graph: managed resources whose node takes part in the plan (all of
//! them, or the targets and their dependencies with `-target`); for a
//! resource the configuration no longer has, only the targeted instances.
//! A node never depends on a batch for an instance it left out: whatever
//! a node needs and the batch did not read is read on the spot.
//!
//! The batches do not wait for their nodes: as soon as a provider
//! configuration is configured, [`prefetch`] starts every batch it will
//! read, each as a task of its own, concurrently with data-source reads and
//! the rest of the walk. A resource node then only awaits its batch, so a
//! chain of types (instances after the AMI data source, associations after
//! the instances' subnets) no longer reads one type after another. A
//! prefetch is a provider call like any other: it takes a slot of the
//! provider and one of the run's parallelism before it starts.

use crate::address::{InstanceAddr, Mode, TargetAddr};
use crate::changes::PlanMode;
use crate::graph::{module_at, NodeKey};
use crate::providers::ProviderInstance;
use crate::run::{Phase, PriorInstance, ResKey, Run};
use gitform_config::ResourceMode;
use gitform_provider::{ReadBatchRequest, ReadRequestItem, Schema};
use gitform_value::{Diagnostic, Diagnostics, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::OnceCell;

/// A provider configuration and a resource type.
type GroupKey = (NodeKey, String);

/// What the provider answered for one object.
struct Answer {
    new_state: Option<Value>,
    diagnostics: Vec<Diagnostic>,
}

/// One batched read: the answers not yet taken, by instance, or why the
/// whole call failed.
struct Batch {
    answers: Mutex<HashMap<InstanceAddr, Answer>>,
    failure: Option<String>,
}

/// The batched reads of one run.
#[derive(Default)]
pub(crate) struct Reads {
    /// The resources each group reads, decided on first use.
    members: OnceLock<HashMap<GroupKey, Vec<ResKey>>>,
    batches: Mutex<HashMap<GroupKey, Arc<OnceCell<Batch>>>>,
    /// The prefetch tasks, stopped when the walk is over.
    prefetches: Mutex<Vec<tokio::task::AbortHandle>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn config_mode(m: Mode) -> ResourceMode {
    match m {
        Mode::Managed => ResourceMode::Managed,
        Mode::Data => ResourceMode::Data,
    }
}

fn resource_node(rk: &ResKey) -> NodeKey {
    NodeKey::Resource(rk.0.clone(), rk.1, rk.2.clone(), rk.3.clone())
}

/// The recorded resources a plan refreshes, grouped by provider
/// configuration and type.
fn members(run: &Run) -> HashMap<GroupKey, Vec<ResKey>> {
    let mut out: HashMap<GroupKey, Vec<ResKey>> = HashMap::new();
    for rk in run.prior.keys() {
        if rk.1 != Mode::Managed {
            continue;
        }
        let node = resource_node(rk);
        if run.active.as_ref().is_some_and(|a| !a.contains(&node)) {
            continue;
        }
        let Some(pkey) = run.graph.resource_provider.get(&node) else {
            continue;
        };
        out.entry((pkey.clone(), rk.2.clone()))
            .or_default()
            .push(rk.clone());
    }
    out
}

/// The batch cell of `group`, made on first use.
fn cell(run: &Run, group: &GroupKey) -> Arc<OnceCell<Batch>> {
    lock(&lock(&run.results).reads.batches)
        .entry(group.clone())
        .or_default()
        .clone()
}

/// Starts, each in a task of its own, the batched reads of every type
/// that has recorded instances under provider configuration `pkey` and
/// that this plan refreshes. Call it once the provider is configured. A
/// plan without refresh (`-refresh=false`, destroy) and an apply start
/// nothing. The nodes take the answers as [`refresh`] does; a batch that
/// fails fails the nodes that await it, each with its own address.
pub(crate) fn prefetch(run: &Arc<Run>, pkey: &NodeKey, pinst: &Arc<ProviderInstance>) {
    let Phase::Plan(opts) = &run.phase else {
        return;
    };
    if !opts.refresh || opts.mode == PlanMode::Destroy {
        return;
    }
    let groups: Vec<GroupKey> = {
        let results = lock(&run.results);
        results
            .reads
            .members
            .get_or_init(|| members(run))
            .keys()
            .filter(|g| &g.0 == pkey)
            .cloned()
            .collect()
    };
    let mut handles = Vec::with_capacity(groups.len());
    for group in groups {
        let cell = cell(run, &group);
        let (run2, pinst) = (run.clone(), pinst.clone());
        let targets = opts.targets.clone();
        let task = tokio::spawn(async move {
            cell.get_or_init(|| read_group(&run2, &pinst, &group, &targets))
                .await;
        });
        handles.push(task.abort_handle());
    }
    lock(&lock(&run.results).reads.prefetches).extend(handles);
}

/// Stops the prefetches still running: the walk is over, and no node
/// awaits them any more (their nodes failed, were skipped or cancelled).
pub(crate) fn stop_prefetches(run: &Run) {
    let handles = std::mem::take(&mut *lock(&lock(&run.results).reads.prefetches));
    for h in handles {
        h.abort();
    }
}

/// Whether the plan refreshes recorded instance `p` of resource `rk`.
fn wanted(run: &Run, targets: &[TargetAddr], rk: &ResKey, p: &PriorInstance) -> bool {
    if targets.is_empty() {
        return true;
    }
    let configured = module_at(&run.root, &rk.0)
        .and_then(|m| m.resource(config_mode(rk.1), &rk.2, &rk.3))
        .is_some();
    // A configured resource is refreshed whole (its node plans all its
    // instances); an orphan only where a target names it.
    configured || targets.iter().any(|t| t.contains(&p.addr))
}

/// Reads every instance of one group in one call.
async fn read_group(
    run: &Run,
    pinst: &ProviderInstance,
    group: &GroupKey,
    targets: &[TargetAddr],
) -> Batch {
    let members = {
        let results = lock(&run.results);
        results
            .reads
            .members
            .get_or_init(|| members(run))
            .get(group)
            .cloned()
            .unwrap_or_default()
    };
    let instances: Vec<&PriorInstance> = members
        .iter()
        .filter_map(|rk| run.prior.get(rk).map(|v| (rk, v)))
        .flat_map(|(rk, v)| v.iter().filter(move |p| wanted(run, targets, rk, p)))
        .collect();
    read_now(run, pinst, &group.1, &instances).await
}

/// One `read_batch` call for `instances` (all of type `type_name`).
async fn read_now(
    run: &Run,
    pinst: &ProviderInstance,
    type_name: &str,
    instances: &[&PriorInstance],
) -> Batch {
    if instances.is_empty() {
        return Batch {
            answers: Mutex::new(HashMap::new()),
            failure: None,
        };
    }
    for p in instances {
        run.observer
            .refreshing(&p.addr, p.value.get_attr("id").and_then(|v| v.as_str()));
    }
    let _slot = pinst.limit.acquire().await;
    let _permit = run.sem.acquire().await;
    let resp = pinst
        .provider
        .read_batch(ReadBatchRequest {
            type_name: type_name.to_string(),
            items: instances
                .iter()
                .map(|p| ReadRequestItem {
                    current_state: p.value.clone(),
                    private: None,
                })
                .collect(),
        })
        .await;
    pinst.limit.observe(pinst.provider.throttle_events());
    if resp.items.len() != instances.len() {
        return Batch {
            answers: Mutex::new(HashMap::new()),
            failure: Some(format!(
                "The provider {} answered {} of {} reads of {type_name} objects. This is a bug in the provider.",
                pinst.name,
                resp.items.len(),
                instances.len(),
            )),
        };
    }
    let answers = instances
        .iter()
        .zip(resp.items)
        .map(|(p, r)| {
            (
                p.addr.clone(),
                Answer {
                    new_state: r.new_state,
                    diagnostics: r.diagnostics,
                },
            )
        })
        .collect();
    Batch {
        answers: Mutex::new(answers),
        failure: None,
    }
}

/// Refreshes the recorded instances `prior` of the resource node `key`.
/// Returns their values now, in order (None: the object is gone), or the
/// diagnostics of these instances alone.
pub(crate) async fn refresh(
    run: &Run,
    key: &NodeKey,
    pinst: &ProviderInstance,
    schema: &Schema,
    prior: &[PriorInstance],
    targets: &[TargetAddr],
) -> Result<Vec<Option<Value>>, Diagnostics> {
    let Some(first) = prior.first() else {
        return Ok(Vec::new());
    };
    let pkey = run
        .graph
        .resource_provider
        .get(key)
        .cloned()
        .unwrap_or_else(|| key.clone());
    let group: GroupKey = (pkey, first.addr.resource.type_name.clone());
    let cell = cell(run, &group);
    let batch = cell
        .get_or_init(|| read_group(run, pinst, &group, targets))
        .await;
    if let Some(failure) = &batch.failure {
        return Err(Diagnostic::error(
            "Provider produced an invalid response",
            format!("{failure} (while refreshing {}.)", first.addr.resource),
        )
        .into());
    }
    let mut answers: Vec<Option<Answer>> = {
        let mut taken = lock(&batch.answers);
        prior.iter().map(|p| taken.remove(&p.addr)).collect()
    };
    // What the batch left out (or another node already took) is read now.
    let missing: Vec<&PriorInstance> = prior
        .iter()
        .zip(&answers)
        .filter(|(_, a)| a.is_none())
        .map(|(p, _)| p)
        .collect();
    if !missing.is_empty() {
        let extra = read_now(run, pinst, &group.1, &missing).await;
        if let Some(failure) = extra.failure {
            return Err(Diagnostic::error("Provider produced an invalid response", failure).into());
        }
        let mut extra = lock(&extra.answers);
        for (p, a) in prior.iter().zip(answers.iter_mut()) {
            if a.is_none() {
                *a = extra.remove(&p.addr);
            }
        }
    }
    let mut diags = Diagnostics::new();
    let mut out = Vec::with_capacity(prior.len());
    for (p, a) in prior.iter().zip(answers) {
        let Some(a) = a else {
            diags.push(Diagnostic::error(
                "Provider produced an invalid response",
                format!(
                    "The provider {} did not answer the read of {}. This is a bug in the provider.",
                    pinst.name, p.addr
                ),
            ));
            continue;
        };
        for d in a.diagnostics {
            diags.push(d.with_address(p.addr.to_string()));
        }
        out.push(a.new_state.map(|v| schema.block.mark_sensitive(v)));
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(out)
}
