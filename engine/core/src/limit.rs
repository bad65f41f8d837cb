//! Per-provider concurrency: a limit the provider may declare, which also
//! adapts to throttling. When a provider reports throttling (its
//! `throttle_events` counter grew), the limit for that provider alone is
//! halved; after as many unthrottled calls as the limit allows at once, it
//! grows back by one, up to the declared maximum (additive increase,
//! multiplicative decrease, as TCP does).

use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

#[derive(Debug)]
struct State {
    max: usize,
    limit: usize,
    in_flight: usize,
    seen_events: u64,
    streak: usize,
}

/// The concurrency limit of one provider instance.
#[derive(Debug)]
pub struct AdaptiveLimit {
    state: Mutex<State>,
    notify: Notify,
    adaptive: bool,
}

/// A slot taken from an [`AdaptiveLimit`], given back when dropped.
pub struct LimitGuard<'a>(&'a AdaptiveLimit);

/// A slot that owns its way back to the limit, so it can be given back on
/// another thread (the state writer's, once the change is recorded).
pub struct OwnedLimitGuard(Arc<AdaptiveLimit>);

impl AdaptiveLimit {
    /// An unlimited limit; `adaptive` turns the throttling response on.
    pub fn new(adaptive: bool) -> AdaptiveLimit {
        AdaptiveLimit {
            state: Mutex::new(State {
                max: usize::MAX,
                limit: usize::MAX,
                in_flight: 0,
                seen_events: 0,
                streak: 0,
            }),
            notify: Notify::new(),
            adaptive,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets the provider's own maximum (and the current limit to it).
    pub fn set_max(&self, max: usize) {
        let mut s = self.lock();
        s.max = max.max(1);
        s.limit = s.max;
    }

    /// The limit now.
    pub fn current(&self) -> usize {
        self.lock().limit
    }

    /// Waits for a slot and counts it as taken.
    async fn take(&self) {
        loop {
            let notified = self.notify.notified();
            {
                let mut s = self.lock();
                if s.in_flight < s.limit {
                    s.in_flight += 1;
                    return;
                }
            }
            notified.await;
        }
    }

    /// Waits for a slot.
    pub async fn acquire(&self) -> LimitGuard<'_> {
        self.take().await;
        LimitGuard(self)
    }

    /// Waits for a slot, held by an owned guard.
    pub async fn acquire_owned(self: &Arc<Self>) -> OwnedLimitGuard {
        self.take().await;
        OwnedLimitGuard(self.clone())
    }

    fn release(&self) {
        {
            let mut s = self.lock();
            s.in_flight = s.in_flight.saturating_sub(1);
        }
        self.notify.notify_one();
    }

    /// Takes the provider's throttle counter after a call.
    pub fn observe(&self, events: u64) {
        if !self.adaptive {
            return;
        }
        let mut s = self.lock();
        if events > s.seen_events {
            s.seen_events = events;
            // Halve from what is actually running, when that is lower.
            let base = s.limit.min(s.in_flight.max(1));
            s.limit = (base / 2).max(1);
            s.streak = 0;
        } else if s.limit < s.max {
            s.streak += 1;
            if s.streak >= s.limit {
                s.streak = 0;
                s.limit += 1;
                drop(s);
                self.notify.notify_one();
            }
        }
    }
}

impl Drop for LimitGuard<'_> {
    fn drop(&mut self) {
        self.0.release();
    }
}

impl Drop for OwnedLimitGuard {
    fn drop(&mut self) {
        self.0.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn halves_on_throttling_and_grows_back() {
        let l = AdaptiveLimit::new(true);
        l.set_max(8);
        let guards: Vec<_> = futures::future::join_all((0..8).map(|_| l.acquire())).await;
        l.observe(1);
        assert_eq!(l.current(), 4);
        l.observe(2);
        assert_eq!(l.current(), 2);
        drop(guards);
        // Two unthrottled calls at limit 2 raise it to 3, then three more to 4.
        for _ in 0..5 {
            l.observe(2);
        }
        assert_eq!(l.current(), 4);
    }

    #[tokio::test]
    async fn never_exceeds_the_limit() {
        let l = std::sync::Arc::new(AdaptiveLimit::new(true));
        l.set_max(3);
        let running = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..30)
            .map(|_| {
                let (l, running, peak) = (l.clone(), running.clone(), peak.clone());
                tokio::spawn(async move {
                    let _g = l.acquire().await;
                    let now = running.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    peak.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn an_owned_slot_is_given_back_on_another_thread() {
        let l = Arc::new(AdaptiveLimit::new(false));
        l.set_max(1);
        let g = l.acquire_owned().await;
        // The limit is full until the guard is dropped, here on a thread.
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(20), l.acquire());
        assert!(waiting.await.is_err());
        std::thread::spawn(move || drop(g)).join().unwrap();
        let again = tokio::time::timeout(std::time::Duration::from_secs(5), l.acquire_owned());
        assert!(again.await.is_ok());
    }

    #[test]
    fn fixed_when_not_adaptive() {
        let l = AdaptiveLimit::new(false);
        l.set_max(8);
        l.observe(5);
        assert_eq!(l.current(), 8);
    }
}
