//! Identical Describe calls that are in flight at the same moment, made
//! once.
//!
//! A plan refreshes every resource type in a batch of its own, and the
//! engine starts all the batches together. Some types read the same EC2
//! objects: `aws_route_table`, `aws_route` and `aws_route_table_association`
//! all describe route tables by id, and with 250 subnets associated to one
//! table the answer is large (and slow to produce on moto). When a second
//! caller asks for exactly what a call in flight is already fetching, it
//! awaits that call's answer instead of sending its own.
//!
//! Nothing is cached: the entry goes away as soon as its call is answered
//! (or its caller is dropped), so a read that starts later always goes to
//! EC2. A call in flight may have started just before a change, so only
//! reads that can live with that share: refreshes
//! ([`crate::resource::Sharing::InFlight`]), and association reads, which
//! look up by id whatever the shared answer lacks. The read after a create
//! or update of a table or route makes its own call.

use crate::error::Error;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

type Cell<V> = Arc<OnceCell<Result<V, Error>>>;

/// The calls in flight of one kind, by request key.
#[derive(Debug)]
pub struct InFlight<V> {
    calls: Mutex<HashMap<Vec<String>, Cell<V>>>,
}

impl<V> Default for InFlight<V> {
    fn default() -> Self {
        InFlight {
            calls: Mutex::new(HashMap::new()),
        }
    }
}

/// Removes the entry its caller made once that caller is done with it,
/// answered or dropped.
struct Leave<'a, V> {
    owner: &'a InFlight<V>,
    key: Vec<String>,
    cell: Cell<V>,
}

impl<V> Drop for Leave<'_, V> {
    fn drop(&mut self) {
        let mut calls = self.owner.lock();
        if calls
            .get(&self.key)
            .is_some_and(|c| Arc::ptr_eq(c, &self.cell))
        {
            calls.remove(&self.key);
        }
    }
}

impl<V> InFlight<V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<String>, Cell<V>>> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<V: Clone> InFlight<V> {
    /// The answer of `call` for `key`: the answer of an identical call
    /// already in flight if there is one, else `call`'s own.
    pub async fn run<F, Fut>(&self, key: Vec<String>, call: F) -> Result<V, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, Error>>,
    {
        let (cell, _leave) = {
            let mut calls = self.lock();
            match calls.get(&key) {
                Some(cell) => (cell.clone(), None),
                None => {
                    let cell: Cell<V> = Arc::default();
                    calls.insert(key.clone(), cell.clone());
                    let leave = Leave {
                        owner: self,
                        key,
                        cell: cell.clone(),
                    };
                    (cell, Some(leave))
                }
            }
        };
        cell.get_or_init(call).await.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn key(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[tokio::test]
    async fn concurrent_identical_calls_share_one_answer() {
        let inflight = InFlight::<usize>::default();
        let calls = AtomicUsize::new(0);
        let call = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(7)
        };
        let (a, b) = tokio::join!(
            inflight.run(key(&["rtb-1"]), call),
            inflight.run(key(&["rtb-1"]), call)
        );
        assert_eq!((a.unwrap(), b.unwrap()), (7, 7));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(inflight.lock().is_empty(), "answered calls are forgotten");
    }

    #[tokio::test]
    async fn different_keys_and_later_calls_go_to_ec2() {
        let inflight = InFlight::<usize>::default();
        let calls = AtomicUsize::new(0);
        let call = || async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Ok(calls.fetch_add(1, Ordering::SeqCst))
        };
        let (a, b) = tokio::join!(
            inflight.run(key(&["rtb-1"]), call),
            inflight.run(key(&["rtb-2"]), call)
        );
        assert_ne!(a.unwrap(), b.unwrap());
        // The same key once the first call was answered: a new call.
        let c = inflight.run(key(&["rtb-1"]), call).await.unwrap();
        assert_eq!(c, 2);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_failure_reaches_every_waiter_and_is_not_kept() {
        let inflight = InFlight::<usize>::default();
        let fail = || async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Err(Error::NotFound {
                what: "route table rtb-1".into(),
            })
        };
        let (a, b) = tokio::join!(
            inflight.run(key(&["rtb-1"]), fail),
            inflight.run(key(&["rtb-1"]), fail)
        );
        assert!(matches!(a, Err(Error::NotFound { .. })));
        assert!(matches!(b, Err(Error::NotFound { .. })));
        let ok = inflight.run(key(&["rtb-1"]), || async { Ok(1) }).await;
        assert_eq!(ok.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_dropped_first_caller_leaves_no_entry_behind() {
        let inflight = InFlight::<usize>::default();
        let slow = inflight.run(key(&["rtb-1"]), || async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(1)
        });
        // Poll it once so it registers, then drop it.
        let _ = tokio::time::timeout(Duration::from_millis(10), slow).await;
        assert!(inflight.lock().is_empty());
        let again = inflight.run(key(&["rtb-1"]), || async { Ok(2) }).await;
        assert_eq!(again.unwrap(), 2);
    }
}
