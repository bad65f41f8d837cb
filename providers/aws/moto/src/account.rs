//! Account ids that isolate tests sharing one moto.

use std::sync::atomic::{AtomicU64, Ordering};

/// A 12-digit account id unique within this process (and, by its pid
/// prefix, very likely across processes sharing a moto). moto keeps the
/// state of each account apart: a client selects one by sending it in the
/// `x-moto-account-id` header ([`crate::ACCOUNT_HEADER`]); a
/// [`crate::Proxy`] with `account_id` set adds that header to everything
/// it forwards, so a client needs no change at all.
///
/// With aws-sdk-ec2 directly (no proxy), add the header per call:
/// `client.describe_vpcs().customize().mutate_request(|r| {
/// r.headers_mut().insert("x-moto-account-id", id.clone()); })`.
pub fn unique_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    // 1000..9999 from the pid, then 8 digits of counter: never the default
    // account 123456789012 (its prefix is 1234 only for pid % 9000 == 234,
    // and then the counter would have to reach 56789012).
    let prefix = 1000 + u64::from(std::process::id()) % 9000;
    format!("{prefix:04}{:08}", n % 100_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_digits_and_distinct() {
        let ids: Vec<String> = (0..100).map(|_| unique_id()).collect();
        for id in &ids {
            assert_eq!(id.len(), 12, "{id}");
            assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");
        }
        let set: std::collections::BTreeSet<_> = ids.iter().collect();
        assert_eq!(set.len(), ids.len());
    }
}
