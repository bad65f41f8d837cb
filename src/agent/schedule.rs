//! When things happen: drift-check times (interval or cron) and the
//! exponential backoff after failures.

use crate::agent::config::{DriftSchedule, RetryPolicy};
use jiff::{tz::TimeZone, Timestamp};
use std::time::Duration;

/// Parses a cron expression: five fields (minute hour day-of-month month
/// day-of-week), or six with seconds first; `@hourly`-style nicknames too.
pub fn parse_cron(text: &str) -> Result<croner::Cron, String> {
    text.parse::<croner::Cron>()
        .map_err(|e| e.to_string().trim_end_matches('.').to_string())
}

/// The first drift check due strictly after `after`: one interval later, or
/// the cron expression's next time (UTC). `None` when checks are off or the
/// expression never matches again.
pub fn next_drift(schedule: &DriftSchedule, after: Timestamp) -> Option<Timestamp> {
    match schedule {
        DriftSchedule::Never => None,
        DriftSchedule::Every(d) => {
            let span = jiff::SignedDuration::try_from(*d).ok()?;
            after.checked_add(span).ok()
        }
        DriftSchedule::Cron(cron) => {
            let zoned = after.to_zoned(TimeZone::UTC);
            cron.find_next_occurrence(&zoned, false)
                .ok()
                .map(|z| z.timestamp())
        }
    }
}

/// The delay before the next attempt after `failures` consecutive failures
/// (1 for the first): `initial`, doubling each time, never above `max`.
pub fn backoff(policy: RetryPolicy, failures: u32) -> Duration {
    let exponent = failures.saturating_sub(1).min(31);
    policy
        .initial
        .checked_mul(1u32 << exponent)
        .unwrap_or(policy.max)
        .min(policy.max)
}

/// How long from `now` until `at` (zero if it has passed).
pub fn until(at: Timestamp, now: Timestamp) -> Duration {
    let d = at.duration_since(now);
    Duration::try_from(d).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            initial: Duration::from_secs(2),
            max: Duration::from_secs(60),
        };
        let got: Vec<u64> = (1..=8).map(|n| backoff(policy, n).as_secs()).collect();
        assert_eq!(got, [2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(backoff(policy, u32::MAX), Duration::from_secs(60));
        assert_eq!(backoff(policy, 0), Duration::from_secs(2));
    }

    #[test]
    fn drift_times() {
        let cases: [(&str, DriftSchedule, &str, Option<&str>); 5] = [
            (
                "interval",
                DriftSchedule::Every(Duration::from_secs(600)),
                "2026-01-01T00:00:00Z",
                Some("2026-01-01T00:10:00Z"),
            ),
            (
                "every quarter hour",
                DriftSchedule::Cron(Box::new(parse_cron("*/15 * * * *").unwrap())),
                "2026-01-01T10:07:30Z",
                Some("2026-01-01T10:15:00Z"),
            ),
            (
                "strictly after a match",
                DriftSchedule::Cron(Box::new(parse_cron("0 3 * * *").unwrap())),
                "2026-01-01T03:00:00Z",
                Some("2026-01-02T03:00:00Z"),
            ),
            (
                "weekdays with seconds",
                DriftSchedule::Cron(Box::new(parse_cron("30 0 9 * * MON-FRI").unwrap())),
                "2026-01-02T10:00:00Z", // a Friday
                Some("2026-01-05T09:00:30Z"),
            ),
            ("off", DriftSchedule::Never, "2026-01-01T00:00:00Z", None),
        ];
        for (name, schedule, after, want) in cases {
            assert_eq!(next_drift(&schedule, ts(after)), want.map(ts), "{name}");
        }
    }

    #[test]
    fn bad_cron_expressions_explain_themselves() {
        for bad in ["", "* * *", "61 * * * *", "* * * * * * * *", "every day"] {
            assert!(parse_cron(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
