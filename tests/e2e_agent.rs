//! End-to-end: the GitOps agent. Each test makes a real Git repository,
//! starts the real `gitform agent` binary on it, and watches it through
//! its HTTP API, a webhook receiver, the files it manages and the state
//! database. Only builtin providers (local, terraform, test).

#[path = "fixtures/agent/support.rs"]
mod support;

use gitform_state::{SqliteStore, StateStore, VersionStatus};
use serde_json::Value;
use std::path::Path;
use support::{hcl, hmac_sha256, metric, read, wait_for, write_config, Agent, Receiver, Repo};

const GREETING_TF: &str = r#"
variable "out_dir" {
  type = string
}

variable "greeting" {
  type    = string
  default = "hi"
}

resource "local_file" "greeting" {
  filename = "${var.out_dir}/greeting.txt"
  content  = "${var.greeting} VERSION"
}
"#;

fn greeting(version: &str) -> String {
    GREETING_TF.replace("VERSION", version)
}

/// An agent block for tests: any free port, JSON logs, quick retries.
fn agent_block(tmp: &Path, extra: &str) -> String {
    format!(
        r#"agent {{
  listen        = "127.0.0.1:0"
  log_format    = "json"
  data_dir      = {data}
  retry_initial = "200ms"
  retry_max     = "1s"
  {extra}
}}
"#,
        data = hcl(&tmp.join("agent-data")),
    )
}

fn runs_of<'a>(runs: &'a [Value], kind: &str, sha: &str) -> Vec<&'a Value> {
    runs.iter()
        .filter(|r| r["kind"] == kind && r["commit"]["sha"] == sha)
        .collect()
}

#[test]
fn commits_are_applied_drift_is_reverted_and_a_revert_commit_rolls_back() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(&tmp.path().join("repo"));
    let out = tmp.path().join("out");
    let file = out.join("greeting.txt");
    let hooks = Receiver::start();
    let c1 = repo.commit(
        &[
            ("infra/main.tf", &greeting("v1")),
            ("infra/dev.tfvars", "greeting = \"hello\"\n"),
        ],
        "greeting v1",
    );
    let config = write_config(
        tmp.path(),
        &format!(
            r#"{agent}
environment "dev" {{
  repository     = {repo}
  branch         = "main"
  path           = "infra"
  var_file       = "dev.tfvars"
  variables      = {{ out_dir = {out} }}
  state          = {state}
  poll_interval  = "200ms"
  drift_interval = "700ms"
  on_drift       = "revert"

  webhook {{
    url    = "{url}"
    secret = "hook-secret"
  }}
}}
"#,
            agent = agent_block(tmp.path(), ""),
            repo = hcl(&repo.dir),
            out = hcl(&out),
            state = hcl(&tmp.path().join("dev.db")),
            url = hooks.url(),
        ),
    );
    let agent = Agent::start(&config);

    // The first commit is applied, with the variables and the var file.
    agent.wait_current("dev", &c1);
    assert_eq!(read(&file).as_deref(), Some("hello v1"));
    let applied = wait_for(
        "the applied webhook",
        || agent.logs(),
        || {
            hooks
                .of("applied")
                .into_iter()
                .find(|h| h.body["commit"]["sha"] == c1)
        },
    );
    assert_eq!(applied.body["environment"], "dev");
    assert_eq!(applied.body["counts"]["add"], 1);
    assert_eq!(
        applied.signature.as_deref(),
        Some(hmac_sha256("hook-secret", &applied.raw).as_str()),
        "the webhook is signed over its exact body"
    );

    // A change is applied, and the state version records its commit.
    let c2 = repo.commit(&[("infra/main.tf", &greeting("v2"))], "greeting v2");
    agent.wait_current("dev", &c2);
    assert_eq!(read(&file).as_deref(), Some("hello v2"));
    let store = SqliteStore::open(&tmp.path().join("dev.db")).unwrap();
    let versions = store.list_versions().unwrap();
    let v2 = versions
        .iter()
        .find(|v| v.git.as_ref().is_some_and(|g| g.sha == c2))
        .unwrap_or_else(|| panic!("no state version records {c2}: {versions:#?}"));
    assert_eq!(v2.status, VersionStatus::Complete);
    let git = v2.git.as_ref().unwrap();
    assert_eq!(git.author, "Ada Lovelace");
    assert_eq!(git.message.trim(), "greeting v2");

    // A file edited out of band is drift: reported, then reverted.
    std::fs::write(&file, "tampered").unwrap();
    let drift = wait_for(
        "the drift webhook",
        || agent.logs(),
        || hooks.of("drift").into_iter().next(),
    );
    let findings = drift.body["drift"].as_array().cloned().unwrap_or_default();
    assert!(
        findings
            .iter()
            .any(|f| f["resource"] == "local_file.greeting"),
        "{}",
        drift.body
    );
    assert_eq!(drift.body["commit"]["sha"], c2);
    wait_for(
        "the reverted webhook",
        || agent.logs(),
        || hooks.of("reverted").into_iter().next(),
    );
    assert_eq!(read(&file).as_deref(), Some("hello v2"));

    // `git revert` is a new commit: the infrastructure returns to v1.
    repo.git(&["revert", "--no-edit", "HEAD"]);
    let c3 = repo.head();
    agent.wait_current("dev", &c3);
    assert_eq!(read(&file).as_deref(), Some("hello v1"));

    // The journal: one apply per commit, the drift check, the revert.
    let runs = agent.runs("environment=dev");
    for sha in [&c1, &c2, &c3] {
        let applies: Vec<&Value> = runs_of(&runs, "apply", sha)
            .into_iter()
            .filter(|r| r["trigger"] != "drift-revert")
            .collect();
        assert_eq!(applies.len(), 1, "one apply of {sha}: {runs:#?}");
        assert_eq!(applies[0]["outcome"], "success");
    }
    assert!(
        runs.iter().any(|r| r["kind"] == "drift-check"
            && r["drift_count"].as_u64() >= Some(1)
            && r["commit"]["sha"] == c2),
        "{runs:#?}"
    );
    assert!(
        runs.iter()
            .any(|r| r["trigger"] == "drift-revert" && r["outcome"] == "success"),
        "{runs:#?}"
    );

    // Metrics.
    let metrics = agent.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics
        .headers
        .iter()
        .any(|(k, v)| k == "content-type" && v.starts_with("text/plain; version=0.0.4")));
    let m = metrics.body;
    let applies = metric(
        &m,
        r#"gitform_agent_runs_total{environment="dev",kind="apply",outcome="success"}"#,
    )
    .unwrap_or(0.0);
    assert!(applies >= 4.0, "{m}");
    assert!(
        metric(
            &m,
            r#"gitform_agent_drift_detected_total{environment="dev"}"#
        ) >= Some(1.0)
    );
    assert_eq!(
        metric(
            &m,
            &format!(r#"gitform_agent_current_commit_info{{environment="dev",commit="{c3}"}}"#)
        ),
        Some(1.0),
        "{m}"
    );
    assert!(metric(
        &m,
        r#"gitform_agent_last_successful_sync_timestamp_seconds{environment="dev"}"#
    )
    .is_some_and(|t| t > 1.7e9));
    assert!(
        metric(
            &m,
            r#"gitform_agent_run_duration_seconds_count{environment="dev",kind="apply"}"#
        ) >= Some(4.0),
        "{m}"
    );
    assert_eq!(agent.get("/healthz").status, 200);
    assert_eq!(agent.get("/readyz").status, 200);

    // A restart carries on from the journal: no commit runs twice.
    agent.terminate();
    let mut agent = agent;
    assert!(agent.wait_exit().success(), "{}", agent.logs());
    drop(agent);
    let restarted_at = jiff::Timestamp::now();
    let agent = Agent::start(&config);
    agent.wait_current("dev", &c3);
    wait_for(
        "two polls after the restart",
        || agent.logs(),
        || {
            let env = agent.env("dev");
            let t: jiff::Timestamp = env["last_success_at"].as_str()?.parse().ok()?;
            (t > restarted_at + jiff::SignedDuration::from_millis(400)).then_some(())
        },
    );
    let runs = agent.runs("environment=dev");
    let applies_c3: Vec<&Value> = runs_of(&runs, "apply", &c3)
        .into_iter()
        .filter(|r| r["trigger"] != "drift-revert")
        .collect();
    assert_eq!(applies_c3.len(), 1, "{runs:#?}");
}

#[test]
fn alert_only_reports_drift_and_plan_only_records_the_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(&tmp.path().join("repo"));
    let out = tmp.path().join("out");
    let hooks = Receiver::start();
    let alert_tf = r#"
variable "out_dir" { type = string }

resource "local_file" "watched" {
  filename = "${var.out_dir}/watched.txt"
  content  = "desired"
}

resource "local_file" "ignored" {
  filename = "${var.out_dir}/ignored.txt"
  content  = "desired"
}
"#;
    let review_tf = r#"
variable "out_dir" { type = string }

resource "local_file" "review" {
  filename = "${var.out_dir}/review.txt"
  content  = "needs review"
}
"#;
    let c1 = repo.commit(
        &[("alert/main.tf", alert_tf), ("review/main.tf", review_tf)],
        "two environments",
    );
    let config = write_config(
        tmp.path(),
        &format!(
            r#"{agent}
environment "alerting" {{
  repository     = {repo}
  path           = "alert"
  variables      = {{ out_dir = {out} }}
  state          = {alert_state}
  poll_interval  = "200ms"
  drift_interval = "300ms"
  on_drift       = "alert"

  ignore_drift {{
    resources = ["local_file.ignored"]
  }}

  webhook {{
    url    = "{url}"
    events = ["drift", "reverted", "applied"]
  }}
}}

environment "review" {{
  repository    = {repo}
  path          = "review"
  variables     = {{ out_dir = {out} }}
  state         = {review_state}
  poll_interval = "200ms"
  on_commit     = "plan-only"

  webhook {{
    url = "{url}"
  }}
}}
"#,
            agent = agent_block(tmp.path(), ""),
            repo = hcl(&repo.dir),
            out = hcl(&out),
            alert_state = hcl(&tmp.path().join("alerting.db")),
            review_state = hcl(&tmp.path().join("review.db")),
            url = hooks.url(),
        ),
    );
    let agent = Agent::start(&config);
    agent.wait_current("alerting", &c1);

    // Plan-only: the plan is recorded and announced, nothing is created.
    let planned = wait_for(
        "the planned webhook",
        || agent.logs(),
        || hooks.of("planned").into_iter().next(),
    );
    assert_eq!(planned.body["environment"], "review");
    assert_eq!(planned.body["commit"]["sha"], c1);
    let plan_text = planned.body["plan"].as_str().unwrap_or_default();
    assert!(
        plan_text.contains("local_file.review will be created"),
        "{plan_text}"
    );
    assert!(!out.join("review.txt").exists());
    let review_runs = agent.runs("environment=review");
    assert_eq!(
        runs_of(&review_runs, "plan", &c1).len(),
        1,
        "{review_runs:#?}"
    );
    assert_eq!(review_runs[0]["outcome"], "success");
    assert_eq!(review_runs[0]["has_plan"], true);
    assert!(agent.env("review")["current"].is_null());

    // Alert: drift is reported (the ignored resource is not), never reverted.
    std::fs::write(out.join("watched.txt"), "changed by hand").unwrap();
    std::fs::write(out.join("ignored.txt"), "changed by hand").unwrap();
    let drift = wait_for(
        "the drift webhook",
        || agent.logs(),
        || hooks.of("drift").into_iter().next(),
    );
    let resources: Vec<&str> = drift.body["drift"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["resource"].as_str())
        .collect();
    assert_eq!(resources, ["local_file.watched"], "{}", drift.body);
    wait_for(
        "a second drift check",
        || agent.logs(),
        || {
            let m = agent.get("/metrics").body;
            (metric(
                &m,
                r#"gitform_agent_drift_detected_total{environment="alerting"}"#,
            ) >= Some(2.0))
            .then_some(())
        },
    );
    assert_eq!(
        read(&out.join("watched.txt")).as_deref(),
        Some("changed by hand")
    );
    assert!(hooks.of("reverted").is_empty());
    // The plan-only environment's webhook got every event, the alerting
    // one only those it subscribed to.
    assert!(hooks
        .of("planned")
        .iter()
        .all(|h| h.body["environment"] == "review"));
    let envs = agent.get("/api/environments").json();
    let names: Vec<&str> = envs["environments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(names, ["alerting", "review"]);
    assert_eq!(agent.env("alerting")["drifted_resources"], 1);
}

#[test]
fn sigterm_during_an_apply_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(&tmp.path().join("repo"));
    let slow_tf = r#"
resource "test_resource" "slow" {
  count    = 4
  value    = "v${count.index}"
  delay_ms = 1500
}
"#;
    let c1 = repo.commit(&[("main.tf", slow_tf)], "four slow resources");
    let state_path = tmp.path().join("slow.db");
    let config = write_config(
        tmp.path(),
        &format!(
            r#"{agent}
environment "slow" {{
  repository    = {repo}
  state         = {state}
  poll_interval = "200ms"
  parallelism   = 1
}}
"#,
            agent = agent_block(tmp.path(), ""),
            repo = hcl(&repo.dir),
            state = hcl(&state_path),
        ),
    );
    let mut agent = Agent::start(&config);
    // Wait until the apply has recorded its first resource, then stop it.
    wait_for(
        "the first resource in the state",
        || agent.logs(),
        || {
            let store = SqliteStore::open(&state_path).ok()?;
            (!store.list_resources().ok()?.is_empty()).then_some(())
        },
    );
    agent.terminate();
    let status = agent.wait_exit();
    assert!(status.success(), "exit {status:?}\n{}", agent.logs());
    drop(agent);

    let store = SqliteStore::open(&state_path).unwrap();
    let recorded = store.list_resources().unwrap();
    assert!(
        !recorded.is_empty() && recorded.len() < 4,
        "the apply stopped part way: {} recorded",
        recorded.len()
    );
    assert!(store.current_lock().unwrap().is_none(), "lock released");
    assert!(
        store
            .list_versions()
            .unwrap()
            .iter()
            .all(|v| v.status != VersionStatus::InProgress),
        "every version finished"
    );
    let first_ids: Vec<(String, Value)> = recorded
        .iter()
        .map(|r| (r.address.clone(), r.attributes["id"].clone()))
        .collect();

    // On restart the commit is taken up again and completed; what was
    // created before the stop is kept, not created twice.
    let agent = Agent::start(&config);
    agent.wait_current("slow", &c1);
    let store = SqliteStore::open(&state_path).unwrap();
    let all = store.list_resources().unwrap();
    assert_eq!(all.len(), 4);
    for (addr, id) in first_ids {
        let r = all.iter().find(|r| r.address == addr).unwrap();
        assert_eq!(r.attributes["id"], id, "{addr} kept its object");
    }
    let runs = agent.runs("environment=slow");
    let outcomes: Vec<&str> = runs_of(&runs, "apply", &c1)
        .iter()
        .filter_map(|r| r["outcome"].as_str())
        .collect();
    assert_eq!(outcomes, ["success", "cancelled"], "{runs:#?}");
}

#[test]
fn a_failing_fetch_backs_off_and_recovers() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(&tmp.path().join("repo"));
    let out = tmp.path().join("out");
    let c1 = repo.commit(&[("main.tf", &greeting("v1"))], "v1");
    let config = write_config(
        tmp.path(),
        &format!(
            r#"{agent}
environment "remote" {{
  repository    = "file://{repo}"
  variables     = {{ out_dir = {out} }}
  state         = {state}
  poll_interval = "200ms"
  fetch_timeout = "5s"
}}
"#,
            agent = agent_block(tmp.path(), ""),
            repo = repo.dir.display(),
            out = hcl(&out),
            state = hcl(&tmp.path().join("remote.db")),
        ),
    );
    let agent = Agent::start(&config);
    agent.wait_current("remote", &c1);

    // The repository goes away: fetches fail, the agent keeps running.
    let moved = tmp.path().join("repo-moved");
    std::fs::rename(&repo.dir, &moved).unwrap();
    let env = wait_for(
        "repeated fetch failures",
        || agent.logs(),
        || {
            let env = agent.env("remote");
            (env["consecutive_failures"].as_u64() >= Some(2)).then_some(env)
        },
    );
    assert!(
        env["last_error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("fetch: "),
        "{env}"
    );
    assert_eq!(env["phase"], "backing-off");
    assert_eq!(agent.get("/healthz").status, 200);
    let m = agent.get("/metrics").body;
    assert!(
        metric(
            &m,
            r#"gitform_agent_fetch_failures_total{environment="remote"}"#
        ) >= Some(2.0)
    );
    assert_eq!(
        metric(
            &m,
            r#"gitform_agent_consecutive_failures{environment="remote"}"#
        )
        .map(|v| v >= 2.0),
        Some(true)
    );

    // It comes back with a new commit: the agent recovers and applies it.
    std::fs::rename(&moved, &repo.dir).unwrap();
    let c2 = repo.commit(&[("main.tf", &greeting("v2"))], "v2");
    agent.wait_current("remote", &c2);
    assert_eq!(read(&out.join("greeting.txt")).as_deref(), Some("hi v2"));
    let env = agent.env("remote");
    assert_eq!(env["consecutive_failures"], 0);
    assert!(env["last_error"].is_null());
}

#[test]
fn unsigned_commits_are_refused_where_signatures_are_required() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(&tmp.path().join("repo"));
    let out = tmp.path().join("out");
    let hooks = Receiver::start();
    let key = tmp.path().join("signing_key");
    let keygen = std::process::Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "ada@example.com",
            "-f",
        ])
        .arg(&key)
        .status()
        .expect("ssh-keygen");
    assert!(keygen.success());
    let signing = format!("user.signingkey={}", key.display());
    let sign = ["gpg.format=ssh", signing.as_str()];
    let c1 = repo.commit_with(&[("main.tf", &greeting("v1"))], "signed v1", &sign);
    let config = write_config(
        tmp.path(),
        &format!(
            r#"{agent}
environment "secure" {{
  repository    = {repo}
  variables     = {{ out_dir = {out} }}
  state         = {state}
  poll_interval = "200ms"

  require_signatures {{
    trusted_keys = [file("signing_key.pub")]
  }}

  webhook {{
    url = "{url}"
  }}
}}
"#,
            agent = agent_block(tmp.path(), ""),
            repo = hcl(&repo.dir),
            out = hcl(&out),
            state = hcl(&tmp.path().join("secure.db")),
            url = hooks.url(),
        ),
    );
    let agent = Agent::start(&config);
    agent.wait_current("secure", &c1);
    assert_eq!(read(&out.join("greeting.txt")).as_deref(), Some("hi v1"));

    // An unsigned commit is refused and recorded, not applied.
    let c2 = repo.commit(&[("main.tf", &greeting("v2"))], "unsigned v2");
    let refused = wait_for(
        "the refused webhook",
        || agent.logs(),
        || hooks.of("refused").into_iter().next(),
    );
    assert_eq!(refused.body["commit"]["sha"], c2);
    assert!(
        refused.body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("not signed"),
        "{}",
        refused.body
    );
    let runs = agent.runs("environment=secure");
    let r = runs_of(&runs, "apply", &c2);
    assert_eq!(r.len(), 1, "{runs:#?}");
    assert_eq!(r[0]["outcome"], "refused");
    assert_eq!(agent.env("secure")["refused"]["sha"], c2);
    assert_eq!(agent.env("secure")["current"]["sha"], c1);
    assert_eq!(read(&out.join("greeting.txt")).as_deref(), Some("hi v1"));

    // A commit signed by an unknown key is refused too; a trusted one goes.
    let other = tmp.path().join("other_key");
    assert!(std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .status()
        .unwrap()
        .success());
    let other_signing = format!("user.signingkey={}", other.display());
    let c3 = repo.commit_with(
        &[("main.tf", &greeting("v3"))],
        "signed by a stranger",
        &["gpg.format=ssh", other_signing.as_str()],
    );
    wait_for(
        "the second refusal",
        || agent.logs(),
        || {
            hooks
                .of("refused")
                .into_iter()
                .find(|h| h.body["commit"]["sha"] == c3)
        },
    );
    let c4 = repo.commit_with(&[("main.tf", &greeting("v4"))], "signed v4", &sign);
    agent.wait_current("secure", &c4);
    assert_eq!(read(&out.join("greeting.txt")).as_deref(), Some("hi v4"));
}

#[test]
fn the_sync_endpoint_needs_the_secret_and_syncs_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(&tmp.path().join("repo"));
    let out = tmp.path().join("out");
    let c1 = repo.commit(&[("main.tf", &greeting("v1"))], "v1");
    let config = write_config(
        tmp.path(),
        &format!(
            r#"{agent}
environment "web" {{
  repository    = {repo}
  variables     = {{ out_dir = {out} }}
  state         = {state}
  poll_interval = "1h"
}}
"#,
            agent = agent_block(tmp.path(), "sync_secret = env.TEST_SYNC_SECRET"),
            repo = hcl(&repo.dir),
            out = hcl(&out),
            state = hcl(&tmp.path().join("web.db")),
        ),
    );
    let agent = Agent::start_with_env(&config, &[("TEST_SYNC_SECRET", "let-me-in")]);
    agent.wait_current("web", &c1);
    let c2 = repo.commit(&[("main.tf", &greeting("v2"))], "v2");

    let path = "/api/environments/web/sync";
    let body = br#"{"ref":"refs/heads/main"}"#;
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, u16);
    let cases: Vec<Case> = vec![
        ("no secret", vec![], 401),
        (
            "wrong secret",
            vec![("authorization", "Bearer nope".into())],
            401,
        ),
        (
            "wrong signature",
            vec![("x-hub-signature-256", hmac_sha256("nope", body))],
            401,
        ),
    ];
    for (name, headers, want) in cases {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(agent.post(path, &h, body).status, want, "{name}");
    }
    assert_eq!(agent.get(path).status, 405);
    assert_eq!(
        agent
            .post(
                "/api/environments/nope/sync",
                &[("authorization", "Bearer let-me-in")],
                b""
            )
            .status,
        404
    );
    // Nothing moved: the poll interval is an hour.
    assert_eq!(agent.env("web")["current"]["sha"], c1);

    // A Git host's push webhook, signed with the secret.
    let sig = hmac_sha256("let-me-in", body);
    let a = agent.post(path, &[("x-hub-signature-256", &sig)], body);
    assert_eq!(a.status, 202, "{}", a.body);
    agent.wait_current("web", &c2);
    assert_eq!(read(&out.join("greeting.txt")).as_deref(), Some("hi v2"));

    let c3 = repo.commit(&[("main.tf", &greeting("v3"))], "v3");
    let a = agent.post(path, &[("authorization", "Bearer let-me-in")], b"");
    assert_eq!(a.status, 202, "{}", a.body);
    agent.wait_current("web", &c3);
    let runs = agent.runs("environment=web&limit=1");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["trigger"], "webhook");
    let m = agent.get("/metrics").body;
    assert_eq!(
        metric(
            &m,
            r#"gitform_agent_sync_requests_total{environment="web"}"#
        ),
        Some(2.0)
    );
}

/// A newer commit whose apply fails halfway leaves some of its objects in
/// the state while the deployed commit is still the older one. A drift
/// found then is only reported: reverting to the deployed commit would
/// destroy the newer commit's objects, which the next sync would create
/// again, and so on.
#[test]
fn drift_is_not_reverted_over_a_half_applied_newer_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(&tmp.path().join("repo"));
    let out = tmp.path().join("out");
    let file = out.join("greeting.txt");
    let hooks = Receiver::start();
    let c1 = repo.commit(&[("main.tf", &greeting("v1"))], "greeting v1");
    let state_path = tmp.path().join("dev.db");
    let config = write_config(
        tmp.path(),
        &format!(
            r#"{agent}
environment "dev" {{
  repository     = {repo}
  variables      = {{ out_dir = {out} }}
  state          = {state}
  poll_interval  = "200ms"
  drift_interval = "500ms"
  on_drift       = "revert"

  webhook {{
    url = "{url}"
  }}
}}
"#,
            // No retry during the test: the failed commit's retries would
            // repair (or record) the drift before a check sees it.
            agent = agent_block(tmp.path(), "")
                .replace("\"200ms\"", "\"10m\"")
                .replace("\"1s\"", "\"10m\""),
            repo = hcl(&repo.dir),
            out = hcl(&out),
            state = hcl(&state_path),
            url = hooks.url(),
        ),
    );
    let agent = Agent::start(&config);
    agent.wait_current("dev", &c1);

    // c2 creates `made`, then fails on `broken`.
    let half = format!(
        "{}\n{}",
        greeting("v1"),
        r#"
resource "test_resource" "made" {
  value = "made"
}

resource "test_resource" "broken" {
  value          = "broken"
  fail_on_create = true
  depends_on     = [test_resource.made]
}
"#
    );
    let c2 = repo.commit(&[("main.tf", &half)], "half of it fails");
    wait_for(
        "the failed webhook of c2",
        || agent.logs(),
        || {
            hooks
                .of("failed")
                .into_iter()
                .find(|h| h.body["commit"]["sha"] == c2)
        },
    );
    let recorded = |addr: &str| {
        SqliteStore::open(&state_path)
            .unwrap()
            .list_resources()
            .unwrap()
            .iter()
            .any(|r| r.address == addr)
    };
    assert!(recorded("test_resource.made"));

    // Drift on c1's file: reported with the reason, not reverted.
    std::fs::write(&file, "tampered").unwrap();
    let drift = wait_for(
        "a drift webhook with a note",
        || agent.logs(),
        || {
            hooks
                .of("drift")
                .into_iter()
                .find(|h| h.body["note"].is_string())
        },
    );
    let note = drift.body["note"].as_str().unwrap();
    assert!(
        note.starts_with("drift not reverted: the last run of the branch head")
            && note.contains(&c2[..7])
            && note.contains("failed"),
        "{note}"
    );
    assert_eq!(drift.body["commit"]["sha"], c1);
    assert!(agent.logs().contains("drift not reverted"));
    // Another drift check passes: still nothing reverted.
    wait_for(
        "a second drift webhook",
        || agent.logs(),
        || (hooks.of("drift").len() >= 2).then_some(()),
    );
    assert_eq!(read(&file).as_deref(), Some("tampered"));
    assert!(recorded("test_resource.made"), "c2's object is kept");
    let runs = agent.runs("environment=dev");
    assert!(
        !runs.iter().any(|r| r["trigger"] == "drift-revert"),
        "{runs:#?}"
    );
    assert!(hooks.of("reverted").is_empty());

    // Once the branch is fixed and applied, drift is reverted again.
    let fixed = half.replace("fail_on_create = true", "fail_on_create = false");
    let c3 = repo.commit(&[("main.tf", &fixed)], "fixed");
    // The next sync is the retry, ten minutes away: ask for one now.
    let sync = agent.post("/api/environments/dev/sync", &[], b"");
    assert!(sync.status < 300, "{}", sync.status);
    agent.wait_current("dev", &c3);
    std::fs::write(&file, "tampered again").unwrap();
    wait_for(
        "the reverted webhook",
        || agent.logs(),
        || hooks.of("reverted").into_iter().next(),
    );
    assert_eq!(read(&file).as_deref(), Some("hi v1"));
}
