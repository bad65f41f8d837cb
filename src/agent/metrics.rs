//! `/metrics` in the Prometheus text exposition format (version 0.0.4).

use crate::agent::status::{Status, BUCKETS};
use std::fmt::Write;

/// The content type Prometheus expects for this format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders every metric of the agent.
pub fn render(s: &Status) -> String {
    let mut out = String::new();
    let c = &s.counters;

    header(
        &mut out,
        "gitform_agent_runs_total",
        "counter",
        "Runs finished since the agent started, by environment, kind and outcome.",
    );
    for ((env, kind, outcome), n) in &c.runs {
        sample(
            &mut out,
            "gitform_agent_runs_total",
            &[("environment", env), ("kind", kind), ("outcome", outcome)],
            &n.to_string(),
        );
    }

    header(
        &mut out,
        "gitform_agent_run_duration_seconds",
        "histogram",
        "How long runs took, by environment and kind.",
    );
    for ((env, kind), h) in &c.durations {
        let mut cumulative = 0u64;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += h.counts.get(i).copied().unwrap_or(0);
            sample(
                &mut out,
                "gitform_agent_run_duration_seconds_bucket",
                &[("environment", env), ("kind", kind), ("le", &float(*bound))],
                &cumulative.to_string(),
            );
        }
        sample(
            &mut out,
            "gitform_agent_run_duration_seconds_bucket",
            &[("environment", env), ("kind", kind), ("le", "+Inf")],
            &h.count.to_string(),
        );
        let labels = [("environment", env.as_str()), ("kind", kind.as_str())];
        sample(
            &mut out,
            "gitform_agent_run_duration_seconds_sum",
            &labels,
            &float(h.sum),
        );
        sample(
            &mut out,
            "gitform_agent_run_duration_seconds_count",
            &labels,
            &h.count.to_string(),
        );
    }

    header(
        &mut out,
        "gitform_agent_drift_detected_total",
        "counter",
        "Drift checks that found resources changed outside gitform.",
    );
    for name in s.envs.keys() {
        let n = c.drift_detected.get(name).copied().unwrap_or(0);
        sample(
            &mut out,
            "gitform_agent_drift_detected_total",
            &[("environment", name)],
            &n.to_string(),
        );
    }

    header(
        &mut out,
        "gitform_agent_drifted_resources_total",
        "counter",
        "Drifted resources found, summed over drift checks.",
    );
    for name in s.envs.keys() {
        let n = c.drifted_resources.get(name).copied().unwrap_or(0);
        sample(
            &mut out,
            "gitform_agent_drifted_resources_total",
            &[("environment", name)],
            &n.to_string(),
        );
    }

    header(
        &mut out,
        "gitform_agent_drifted_resources",
        "gauge",
        "Resources found drifted by the last drift check.",
    );
    for (name, e) in &s.envs {
        sample(
            &mut out,
            "gitform_agent_drifted_resources",
            &[("environment", name)],
            &e.drifted_resources.to_string(),
        );
    }

    header(
        &mut out,
        "gitform_agent_fetch_failures_total",
        "counter",
        "Failed fetches of the tracked branch.",
    );
    for name in s.envs.keys() {
        let n = c.fetch_failures.get(name).copied().unwrap_or(0);
        sample(
            &mut out,
            "gitform_agent_fetch_failures_total",
            &[("environment", name)],
            &n.to_string(),
        );
    }

    header(
        &mut out,
        "gitform_agent_consecutive_failures",
        "gauge",
        "Failures since the last successful sync (0 when healthy).",
    );
    for (name, e) in &s.envs {
        sample(
            &mut out,
            "gitform_agent_consecutive_failures",
            &[("environment", name)],
            &e.consecutive_failures.to_string(),
        );
    }

    header(
        &mut out,
        "gitform_agent_last_successful_sync_timestamp_seconds",
        "gauge",
        "Unix time of the last successful sync with the branch.",
    );
    for (name, e) in &s.envs {
        if let Some(t) = e.last_success_at {
            sample(
                &mut out,
                "gitform_agent_last_successful_sync_timestamp_seconds",
                &[("environment", name)],
                &float(t.as_millisecond() as f64 / 1000.0),
            );
        }
    }

    header(
        &mut out,
        "gitform_agent_current_commit_info",
        "gauge",
        "The commit each environment last applied (value 1, the commit in a label).",
    );
    for (name, e) in &s.envs {
        if let Some(commit) = &e.current {
            sample(
                &mut out,
                "gitform_agent_current_commit_info",
                &[("environment", name), ("commit", &commit.sha)],
                "1",
            );
        }
    }

    header(
        &mut out,
        "gitform_agent_webhook_deliveries_total",
        "counter",
        "Webhook deliveries, by environment and outcome.",
    );
    for ((env, outcome), n) in &c.webhooks {
        sample(
            &mut out,
            "gitform_agent_webhook_deliveries_total",
            &[("environment", env), ("outcome", outcome)],
            &n.to_string(),
        );
    }

    header(
        &mut out,
        "gitform_agent_sync_requests_total",
        "counter",
        "Sync requests accepted by POST /api/environments/NAME/sync.",
    );
    for (env, n) in &c.sync_requests {
        sample(
            &mut out,
            "gitform_agent_sync_requests_total",
            &[("environment", env)],
            &n.to_string(),
        );
    }

    header(
        &mut out,
        "gitform_agent_start_time_seconds",
        "gauge",
        "Unix time the agent started.",
    );
    if let Some(t) = s.started_at {
        sample(
            &mut out,
            "gitform_agent_start_time_seconds",
            &[],
            &float(t.as_millisecond() as f64 / 1000.0),
        );
    }
    out
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: &str) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k);
            out.push_str("=\"");
            escape_label(out, v);
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(value);
    out.push('\n');
}

/// Label values escape backslash, double quote and newline.
fn escape_label(out: &mut String, v: &str) {
    for ch in v.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// A float as Prometheus reads it (`1`, `0.5`, `1e+21`).
fn float(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::status::{EnvStatus, Phase};

    fn env(name: &str) -> EnvStatus {
        EnvStatus {
            name: name.to_string(),
            repository: "/srv/repo".to_string(),
            branch: "main".to_string(),
            path: String::new(),
            state: "state.db".to_string(),
            on_commit: "auto-apply",
            on_drift: "revert",
            signatures_required: false,
            phase: Phase::Idle,
            head: None,
            current: None,
            refused: None,
            last_sync_at: None,
            last_success_at: None,
            last_error: None,
            consecutive_failures: 0,
            next_retry_at: None,
            last_drift_check_at: None,
            next_drift_check_at: None,
            drifted_resources: 0,
            ready: false,
        }
    }

    #[test]
    fn labels_are_escaped() {
        let mut out = String::new();
        sample(&mut out, "m", &[("a", "x\"y\\z\nw")], "1");
        assert_eq!(out, "m{a=\"x\\\"y\\\\z\\nw\"} 1\n");
    }

    #[test]
    fn renders_runs_histograms_and_commits() {
        let mut s = Status::default();
        let mut prod = env("prod");
        prod.current = Some(crate::agent::status::CommitView {
            sha: "abc123".to_string(),
            author: "a".to_string(),
            summary: "s".to_string(),
            time: "t".to_string(),
        });
        prod.last_success_at = Some(jiff::Timestamp::from_second(1_700_000_000).unwrap());
        s.envs.insert("prod".to_string(), prod);
        s.counters.runs.insert(
            (
                "prod".to_string(),
                "apply".to_string(),
                "success".to_string(),
            ),
            2,
        );
        let mut h = crate::agent::status::Histogram::default();
        h.observe(0.3);
        h.observe(12.0);
        s.counters
            .durations
            .insert(("prod".to_string(), "apply".to_string()), h);
        let text = render(&s);
        for line in [
            "gitform_agent_runs_total{environment=\"prod\",kind=\"apply\",outcome=\"success\"} 2",
            "gitform_agent_run_duration_seconds_bucket{environment=\"prod\",kind=\"apply\",le=\"0.1\"} 0",
            "gitform_agent_run_duration_seconds_bucket{environment=\"prod\",kind=\"apply\",le=\"0.5\"} 1",
            "gitform_agent_run_duration_seconds_bucket{environment=\"prod\",kind=\"apply\",le=\"30\"} 2",
            "gitform_agent_run_duration_seconds_bucket{environment=\"prod\",kind=\"apply\",le=\"+Inf\"} 2",
            "gitform_agent_run_duration_seconds_sum{environment=\"prod\",kind=\"apply\"} 12.3",
            "gitform_agent_run_duration_seconds_count{environment=\"prod\",kind=\"apply\"} 2",
            "gitform_agent_current_commit_info{environment=\"prod\",commit=\"abc123\"} 1",
            "gitform_agent_last_successful_sync_timestamp_seconds{environment=\"prod\"} 1700000000",
            "gitform_agent_drift_detected_total{environment=\"prod\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
        // Every sample's family is declared once, before its samples.
        let mut declared = std::collections::HashSet::new();
        for l in text.lines() {
            if let Some(rest) = l.strip_prefix("# TYPE ") {
                let name = rest.split(' ').next().unwrap();
                assert!(declared.insert(name.to_string()), "{name} declared twice");
            } else if !l.starts_with('#') {
                let name = l.split(['{', ' ']).next().unwrap();
                let family = ["_bucket", "_sum", "_count"]
                    .iter()
                    .find_map(|s| name.strip_suffix(s).filter(|f| declared.contains(*f)))
                    .unwrap_or(name);
                assert!(declared.contains(family), "{name} before its TYPE");
            }
        }
    }
}
