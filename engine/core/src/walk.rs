//! A concurrent walk of a dependency graph: every node runs as soon as all
//! of its dependencies have finished. When a node fails, whatever depends
//! on it (directly or not) is skipped; everything else goes on, and the
//! nodes already running finish.
//!
//! Edges point from a dependency to its dependent. Bounding concurrency is
//! the caller's job (a semaphore around the expensive part of a node), so
//! that cheap nodes never wait behind slow ones.
//!
//! A node runs inline first: the walk polls its future once, on its own
//! task. Most nodes finish there (evaluation, plans answered at once); only
//! a node that has to wait (a provider call in flight, a full semaphore)
//! becomes a task of its own and goes on concurrently. A long chain of
//! cheap nodes therefore costs no task and no cross-thread wake-up per step.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use tokio::task::JoinSet;

/// Nodes run inline in a row before the walk yields to the runtime.
const INLINE_RUN: usize = 128;

/// How one node of a walk ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    /// Not run, because a dependency failed or was skipped.
    Skipped,
}

/// Walks `graph`, calling `visit(node)` for each node once its
/// dependencies have succeeded. `visit` returns whether the node
/// succeeded. Returns the outcome of every node, indexed like the graph.
pub async fn walk<N, E, F, Fut>(graph: &DiGraph<N, E>, visit: F) -> Vec<Outcome>
where
    F: Fn(NodeIndex) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    walk_bounded(graph, usize::MAX, visit).await
}

/// [`walk`], with at most `max_in_flight` nodes running at once. Ready
/// nodes beyond that wait in a queue, so a wide graph does not hold a
/// future per node in memory at the same time.
pub async fn walk_bounded<N, E, F, Fut>(
    graph: &DiGraph<N, E>,
    max_in_flight: usize,
    visit: F,
) -> Vec<Outcome>
where
    F: Fn(NodeIndex) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let n = graph.node_count();
    let mut waiting: Vec<usize> = graph
        .node_indices()
        .map(|i| graph.neighbors_directed(i, Direction::Incoming).count())
        .collect();
    let mut blocked = vec![false; n];
    let mut outcomes: Vec<Option<Outcome>> = vec![None; n];
    let mut running: JoinSet<(NodeIndex, bool)> = JoinSet::new();
    let mut ready: Vec<NodeIndex> = graph
        .node_indices()
        .filter(|i| waiting[i.index()] == 0)
        .collect();

    let max_in_flight = max_in_flight.max(1);
    let mut inline_run = 0;
    loop {
        while running.len() < max_in_flight {
            let Some(node) = ready.pop() else { break };
            if blocked[node.index()] {
                finish(
                    graph,
                    node,
                    Outcome::Skipped,
                    &mut outcomes,
                    &mut waiting,
                    &mut blocked,
                    &mut ready,
                );
                continue;
            }
            let mut fut = Box::pin(visit(node));
            // Inline first, outside tokio's cooperative budget: a walk of
            // many inline nodes would otherwise exhaust it and make every
            // later node look as if it had to wait.
            let first = std::future::poll_fn(|cx| {
                let mut once = tokio::task::unconstrained(fut.as_mut());
                Poll::Ready(Pin::new(&mut once).poll(cx))
            });
            let first = first.await;
            if first.is_ready() {
                inline_run += 1;
            }
            match first {
                Poll::Ready(ok) => finish(
                    graph,
                    node,
                    outcome_of(ok),
                    &mut outcomes,
                    &mut waiting,
                    &mut blocked,
                    &mut ready,
                ),
                Poll::Pending => {
                    running.spawn(async move { (node, fut.await) });
                }
            }
            // A long run of inline nodes lets the other tasks of the
            // runtime (timers, signals, progress) have a turn now and then.
            if inline_run >= INLINE_RUN {
                inline_run = 0;
                tokio::task::yield_now().await;
            }
            // Take what the spawned nodes finished meanwhile, so that
            // their dependents do not wait for the inline ones.
            while let Some(done) = running.try_join_next() {
                let (node, ok) = joined(done);
                finish(
                    graph,
                    node,
                    outcome_of(ok),
                    &mut outcomes,
                    &mut waiting,
                    &mut blocked,
                    &mut ready,
                );
            }
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        let (node, ok) = joined(done);
        finish(
            graph,
            node,
            outcome_of(ok),
            &mut outcomes,
            &mut waiting,
            &mut blocked,
            &mut ready,
        );
    }
    outcomes
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::Skipped))
        .collect()
}

fn outcome_of(ok: bool) -> Outcome {
    if ok {
        Outcome::Succeeded
    } else {
        Outcome::Failed
    }
}

fn joined(done: Result<(NodeIndex, bool), tokio::task::JoinError>) -> (NodeIndex, bool) {
    match done {
        Ok(r) => r,
        // A panicking node is a bug; surface it instead of hiding it.
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

fn finish<N, E>(
    graph: &DiGraph<N, E>,
    node: NodeIndex,
    outcome: Outcome,
    outcomes: &mut [Option<Outcome>],
    waiting: &mut [usize],
    blocked: &mut [bool],
    ready: &mut Vec<NodeIndex>,
) {
    outcomes[node.index()] = Some(outcome);
    for next in graph.neighbors_directed(node, Direction::Outgoing) {
        if outcome != Outcome::Succeeded {
            blocked[next.index()] = true;
        }
        waiting[next.index()] -= 1;
        if waiting[next.index()] == 0 {
            ready.push(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    fn graph(n: usize, edges: &[(u32, u32)]) -> DiGraph<(), ()> {
        let mut g = DiGraph::new();
        for _ in 0..n {
            g.add_node(());
        }
        g.extend_with_edges(edges);
        g
    }

    #[tokio::test]
    async fn runs_in_dependency_order() {
        // 0 -> 1 -> 3, 0 -> 2 -> 3
        let g = graph(4, &[(0, 1), (0, 2), (1, 3), (2, 3)]);
        let order = Arc::new(Mutex::new(Vec::new()));
        let o = order.clone();
        let out = walk(&g, move |i| {
            let o = o.clone();
            async move {
                o.lock().unwrap().push(i.index());
                true
            }
        })
        .await;
        assert!(out.iter().all(|o| *o == Outcome::Succeeded));
        let order = order.lock().unwrap().clone();
        let pos = |n| order.iter().position(|&x| x == n).unwrap();
        assert!(pos(0) < pos(1) && pos(0) < pos(2) && pos(1) < pos(3) && pos(2) < pos(3));
    }

    #[tokio::test]
    async fn failure_skips_dependents_only() {
        // 0 fails; 1 depends on 0; 3 depends on 1; 2 is independent.
        let g = graph(4, &[(0, 1), (1, 3)]);
        let out = walk(&g, |i| async move { i.index() != 0 }).await;
        assert_eq!(
            out,
            vec![
                Outcome::Failed,
                Outcome::Skipped,
                Outcome::Succeeded,
                Outcome::Skipped
            ]
        );
    }

    #[tokio::test]
    async fn independent_nodes_run_concurrently() {
        let g = graph(100, &[]);
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let out = walk(&g, |_| {
            let (running, peak) = (running.clone(), peak.clone());
            async move {
                let now = running.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                peak.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                true
            }
        })
        .await;
        assert!(out.iter().all(|o| *o == Outcome::Succeeded));
        // Every node waits, so every node becomes its own task: all 100 overlap.
        assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 100);
    }

    /// A node that finishes without waiting runs on the walk's own thread;
    /// one that waits is moved to a task and finishes there.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn nodes_run_inline_until_they_wait() {
        // A chain of 1,000, every tenth node waiting once.
        let n = 1000;
        let edges: Vec<(u32, u32)> = (1..n).map(|i| (i - 1, i)).collect();
        let g = graph(n as usize, &edges);
        let walker = std::thread::current().id();
        let inline = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let out = walk(&g, |i| {
            let inline = inline.clone();
            async move {
                if i.index() % 10 == 0 {
                    tokio::task::yield_now().await;
                } else if std::thread::current().id() == walker {
                    inline.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                true
            }
        })
        .await;
        assert!(out.iter().all(|o| *o == Outcome::Succeeded));
        assert_eq!(inline.load(std::sync::atomic::Ordering::SeqCst), 900);
    }

    /// Failures skip the dependents whether the failing node finished
    /// inline or in its own task.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn failure_skips_dependents_inline_or_not() {
        // 0 -> 1 -> 2, 3 -> 4, 5 (alone); nodes in `fail` fail, nodes in
        // `wait` wait first.
        let g = graph(6, &[(0, 1), (1, 2), (3, 4)]);
        let table: [(&[usize], &[usize]); 4] = [
            (&[1], &[]),
            (&[1], &[1]),
            (&[1, 3], &[0, 3]),
            (&[], &[0, 1, 2, 3, 4, 5]),
        ];
        for (fail, wait) in table {
            let out = walk(&g, |i| async move {
                if wait.contains(&i.index()) {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                !fail.contains(&i.index())
            })
            .await;
            let expected: Vec<Outcome> = (0..6)
                .map(|i| {
                    let skipped = match i {
                        1 => fail.contains(&0),
                        2 => fail.contains(&0) || fail.contains(&1),
                        4 => fail.contains(&3),
                        _ => false,
                    };
                    if skipped {
                        Outcome::Skipped
                    } else if fail.contains(&i) {
                        Outcome::Failed
                    } else {
                        Outcome::Succeeded
                    }
                })
                .collect();
            assert_eq!(out, expected, "fail {fail:?}, wait {wait:?}");
        }
    }
}
