//! Waiting for an object to reach a state, with a timeout.
//!
//! EC2 is eventually consistent and many operations are asynchronous
//! (a NAT gateway is `pending` for minutes). [`until`] polls a closure with
//! growing pauses (0.5 s doubling to 10 s) until it reports done, fails, or
//! the timeout passes. moto answers the final state at once, so there the
//! first poll succeeds.

use crate::error::Error;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What one poll found.
pub enum Poll<T> {
    /// The wait is over.
    Done(T),
    /// Not yet; the string is the current state, for the timeout message.
    Pending(String),
}

/// What is being waited for, for messages.
pub struct Target<'a> {
    /// "VPC vpc-0123".
    pub what: String,
    /// "available".
    pub state: &'a str,
    pub timeout: Duration,
    /// When set (the user interrupted), the wait gives up at its next poll.
    pub stop: Option<&'a AtomicBool>,
}

const FIRST_PAUSE: Duration = Duration::from_millis(500);
const MAX_PAUSE: Duration = Duration::from_secs(10);

/// Polls `poll` until it returns `Done`, an error, or `target.timeout` passes.
pub async fn until<T, F, Fut>(target: Target<'_>, mut poll: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, Error>>,
{
    let start = Instant::now();
    let mut pause = FIRST_PAUSE;
    loop {
        let last = match poll().await? {
            Poll::Done(v) => return Ok(v),
            Poll::Pending(state) => state,
        };
        if target.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            return Err(Error::Interrupted {
                what: target.what,
                last,
            });
        }
        let elapsed = start.elapsed();
        if elapsed >= target.timeout {
            return Err(Error::WaitTimeout {
                what: target.what,
                target: target.state.to_string(),
                last,
                timeout: target.timeout,
            });
        }
        let left = target.timeout - elapsed;
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// Calls `call` until it succeeds or fails with an error code other than
/// `codes` (e.g. `DependencyViolation` while dependents are still going
/// away), or `target.timeout` passes; returns the last error then.
pub async fn retry_on_codes<T, F, Fut>(
    target: Target<'_>,
    codes: &[&str],
    mut call: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let start = Instant::now();
    let mut pause = FIRST_PAUSE;
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                let retryable = e.code().is_some_and(|c| codes.contains(&c));
                let stopped = target.stop.is_some_and(|s| s.load(Ordering::Relaxed));
                let elapsed = start.elapsed();
                if !retryable || stopped || elapsed >= target.timeout {
                    return Err(e);
                }
                tokio::time::sleep(pause.min(target.timeout - elapsed)).await;
                pause = (pause * 2).min(MAX_PAUSE);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn times_out_with_last_state() {
        let err = until(
            Target {
                what: "NAT gateway nat-1".into(),
                state: "available",
                timeout: Duration::from_millis(50),
                stop: None,
            },
            || async { Ok::<Poll<()>, Error>(Poll::Pending("pending".into())) },
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("last state: pending"), "{err}");
    }

    #[tokio::test]
    async fn returns_when_done() {
        let mut n = 0;
        let got = until(
            Target {
                what: "x".into(),
                state: "done",
                timeout: Duration::from_secs(60),
                stop: None,
            },
            || {
                n += 1;
                let k = n;
                async move {
                    Ok::<_, Error>(if k < 2 {
                        Poll::Pending(format!("step {k}"))
                    } else {
                        Poll::Done(k)
                    })
                }
            },
        )
        .await
        .unwrap();
        assert_eq!(got, 2);
    }
}
