//! The configured connection to EC2 that every resource operation uses:
//! one `aws_sdk_ec2::Client`, the provider-wide tag settings, and the
//! counters the engine reads (throttling events) and the tests read (API
//! call attempts).

use crate::inflight::InFlight;
use crate::tags::TagConfig;
use aws_sdk_ec2::config::interceptors::FinalizerInterceptorContextRef;
use aws_sdk_ec2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ec2::types::RouteTable;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// The provider's state after `configure`.
#[derive(Debug)]
pub struct Session {
    pub ec2: aws_sdk_ec2::Client,
    /// The region calls go to (ARNs are built with it).
    pub region: String,
    /// The account id of the credentials; empty with
    /// `skip_requesting_account_id`.
    pub account_id: String,
    /// `default_tags` and `ignore_tags` of the provider block.
    pub tags: TagConfig,
    pub counters: Arc<Counters>,
    /// Set by `Provider::stop`: waiters give up at their next poll.
    pub stopped: AtomicBool,
    /// Route-table reads by id in flight, shared by the route table,
    /// route and association types (see [`crate::inflight`]).
    pub route_tables: InFlight<Arc<Vec<RouteTable>>>,
}

/// Counters shared with the SDK interceptor.
#[derive(Debug, Default)]
pub struct Counters {
    /// HTTP attempts (first tries and retries).
    pub attempts: AtomicU64,
    /// Attempts answered with a throttling error or HTTP 429/503.
    pub throttles: AtomicU64,
}

impl Counters {
    pub fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::Relaxed)
    }

    pub fn throttles(&self) -> u64 {
        self.throttles.load(Ordering::Relaxed)
    }
}

/// The AWS error codes the SDK's retry classifier treats as throttling.
const THROTTLING_CODES: [&str; 14] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// True when an HTTP answer is a throttling answer: 429, 503, or an error
/// document whose `<Code>` is a throttling code.
pub fn is_throttling(status: u16, body: Option<&[u8]>) -> bool {
    if status == 429 || status == 503 {
        return true;
    }
    if status < 400 {
        return false;
    }
    let Some(text) = body.and_then(|b| std::str::from_utf8(b).ok()) else {
        return false;
    };
    THROTTLING_CODES.iter().any(|code| {
        text.contains(&format!("<Code>{code}</Code>")) || text.contains(&format!("\"{code}\""))
    })
}

/// Counts every attempt, and every throttled attempt, of every EC2 call.
#[derive(Debug)]
pub struct CountingInterceptor {
    pub counters: Arc<Counters>,
}

impl Intercept for CountingInterceptor {
    fn name(&self) -> &'static str {
        "gitform-counting"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.counters.attempts.fetch_add(1, Ordering::Relaxed);
        if let Some(resp) = context.response() {
            if is_throttling(resp.status().as_u16(), resp.body().bytes()) {
                self.counters.throttles.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }
}

impl Session {
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_answers() {
        let xml = b"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors></Response>";
        let other = b"<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code></Error></Errors></Response>";
        assert!(is_throttling(400, Some(xml)));
        assert!(is_throttling(503, None));
        assert!(is_throttling(429, Some(b"")));
        assert!(!is_throttling(400, Some(other)));
        assert!(!is_throttling(200, Some(xml)));
        assert!(!is_throttling(500, None));
    }
}
