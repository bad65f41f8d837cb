//! `state list|show|rm|mv|history`, `taint`, `untaint`, `force-unlock` and
//! `output` on state databases written through gitform-state.

mod cli_support;

use cli_support::{gitform, hold_lock, network_state, open_state, scrub};
use gitform_state::StateStore;

#[test]
fn state_list_orders_like_terraform_and_filters() {
    let dir = network_state();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["state", "list"],
            0,
            "data.aws_region.current\naws_s3_bucket.logs[\"eu\"]\naws_subnet.private[0]\naws_subnet.private[1]\naws_subnet.private[10]\naws_vpc.main\nmodule.dns.aws_route53_zone.this\n",
        ),
        (
            &["state", "list", "aws_subnet.private"],
            0,
            "aws_subnet.private[0]\naws_subnet.private[1]\naws_subnet.private[10]\n",
        ),
        (&["state", "list", "aws_subnet.private[1]"], 0, "aws_subnet.private[1]\n"),
        (&["state", "list", "module.dns"], 0, "module.dns.aws_route53_zone.this\n"),
        (&["state", "list", "-id=subnet-10"], 0, "aws_subnet.private[10]\n"),
        (&["state", "list", "--id", "vpc-0abc"], 0, "aws_vpc.main\n"),
        (&["state", "list", "aws_vpc.nope"], 1, ""),
    ];
    for (args, code, stdout) in cases {
        let run = gitform(dir.path(), args, "");
        assert_eq!(run.code, *code, "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, *stdout, "{args:?}");
    }
}

#[test]
fn state_list_unknown_resource_error() {
    let dir = network_state();
    let run = gitform(
        dir.path(),
        &["state", "list", "-no-color", "aws_vpc.nope"],
        "",
    );
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn state_commands_without_state() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["state", "list"][..],
        &["state", "show", "a.b"],
        &["state", "rm", "a.b"],
        &["state", "mv", "a.b", "a.c"],
        &["state", "history"],
    ] {
        let run = gitform(dir.path(), args, "");
        assert_eq!(run.code, 1, "{args:?}");
        assert!(
            run.stderr.contains("No state file was found!"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert!(
        !dir.path().join(".gitform").exists(),
        "read commands must not create a state"
    );
    let run = gitform(dir.path(), &["taint", "-no-color", "a.b"], "");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("taint_without_state", run.stderr);
}

#[test]
fn state_show_renders_terraform_layout() {
    let dir = network_state();
    let run = gitform(dir.path(), &["state", "show", "aws_vpc.main"], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);

    let run = gitform(
        dir.path(),
        &["state", "show", "data.aws_region.current"],
        "",
    );
    assert_eq!(
        run.stdout,
        "# data.aws_region.current:\ndata \"aws_region\" \"current\" {\n    id   = \"eu-west-1\"\n    name = \"eu-west-1\"\n}\n"
    );
    let run = gitform(
        dir.path(),
        &["state", "show", "module.dns.aws_route53_zone.this"],
        "",
    );
    assert!(run.stdout.starts_with(
        "# module.dns.aws_route53_zone.this:\nresource \"aws_route53_zone\" \"this\" {\n"
    ));
}

#[test]
fn state_show_errors() {
    let dir = network_state();
    for (address, expected) in [
        ("aws_vpc.nope", "No instance found for the given address!"),
        (
            "aws_subnet.private",
            "No instance found for the given address!",
        ),
        ("module.dns", "Error parsing instance address: module.dns"),
    ] {
        let run = gitform(dir.path(), &["state", "show", address], "");
        assert_eq!(run.code, 1, "{address}");
        assert!(run.stderr.contains(expected), "{address}: {}", run.stderr);
        assert!(run
            .stderr
            .contains("This command requires that the address references one specific instance."));
    }
}

#[test]
fn state_rm_removes_and_records_a_version() {
    let dir = network_state();
    let run = gitform(
        dir.path(),
        &["state", "rm", "-dry-run", "aws_subnet.private"],
        "",
    );
    assert_eq!(run.stdout, "Would remove aws_subnet.private[0]\nWould remove aws_subnet.private[1]\nWould remove aws_subnet.private[10]\n");
    assert_eq!(open_state(dir.path()).list_resources().unwrap().len(), 7);

    let run = gitform(
        dir.path(),
        &["state", "rm", "aws_subnet.private", "aws_vpc.main"],
        "",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "Removed aws_subnet.private[0]\nRemoved aws_subnet.private[1]\nRemoved aws_subnet.private[10]\nRemoved aws_vpc.main\nSuccessfully removed 4 resource instance(s).\n"
    );
    let store = open_state(dir.path());
    assert_eq!(store.list_resources().unwrap().len(), 3);
    let versions = store.list_versions().unwrap();
    let last = versions.last().unwrap();
    assert_eq!(
        (last.serial, last.operation.as_str(), last.author.as_str()),
        (2, "state rm", last.author.as_str())
    );
    assert!(last.author.starts_with("tester@"), "{}", last.author);
    assert!(store.current_lock().unwrap().is_none(), "lock released");

    let run = gitform(
        dir.path(),
        &["state", "rm", "-no-color", "aws_vpc.main"],
        "",
    );
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("state_rm_nothing_matched", run.stderr);
}

#[test]
fn state_mv_moves_instances_resources_and_modules() {
    let dir = network_state();
    let cases: &[(&str, &str, &str)] = &[
        ("aws_vpc.main", "aws_vpc.primary", "aws_vpc.primary"),
        (
            "aws_subnet.private",
            "aws_subnet.internal",
            "aws_subnet.internal[10]",
        ),
        (
            "aws_s3_bucket.logs[\"eu\"]",
            "aws_s3_bucket.logs[\"us\"]",
            "aws_s3_bucket.logs[\"us\"]",
        ),
        (
            "module.dns",
            "module.names",
            "module.names.aws_route53_zone.this",
        ),
    ];
    for (src, dst, expect_present) in cases {
        let run = gitform(dir.path(), &["state", "mv", src, dst], "");
        assert_eq!(run.code, 0, "{src}: {}", run.stderr);
        assert_eq!(
            run.stdout,
            format!("Move {src:?} to {dst:?}\nSuccessfully moved 1 object(s).\n")
        );
        let list = gitform(dir.path(), &["state", "list"], "").stdout;
        assert!(
            list.lines().any(|l| l == *expect_present),
            "{src} -> {dst}: {list}"
        );
        assert!(
            !list.lines().any(|l| l == *src),
            "{src} still there: {list}"
        );
    }
    let list = gitform(dir.path(), &["state", "list", "aws_subnet.internal"], "").stdout;
    assert_eq!(
        list,
        "aws_subnet.internal[0]\naws_subnet.internal[1]\naws_subnet.internal[10]\n"
    );

    let run = gitform(
        dir.path(),
        &["state", "mv", "-dry-run", "aws_vpc.primary", "aws_vpc.x"],
        "",
    );
    assert_eq!(
        run.stdout,
        "Would move \"aws_vpc.primary\" to \"aws_vpc.x\"\n"
    );
    let run = gitform(
        dir.path(),
        &["state", "mv", "-no-color", "aws_vpc.nope", "aws_vpc.x"],
        "",
    );
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("state_mv_missing_source", run.stderr);
    let run = gitform(
        dir.path(),
        &[
            "state",
            "mv",
            "-no-color",
            "aws_subnet.internal[0]",
            "aws_subnet.internal[1]",
        ],
        "",
    );
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("state_mv_destination_exists", run.stderr);
}

#[test]
fn taint_and_untaint() {
    let dir = network_state();
    let run = gitform(dir.path(), &["taint", "aws_vpc.main"], "");
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "Resource instance aws_vpc.main has been marked as tainted.\n"
        )
    );
    assert!(
        open_state(dir.path())
            .get_resource("aws_vpc.main")
            .unwrap()
            .unwrap()
            .tainted
    );
    let show = gitform(dir.path(), &["state", "show", "aws_vpc.main"], "").stdout;
    assert!(show.starts_with("# aws_vpc.main: (tainted)\n"), "{show}");

    let run = gitform(dir.path(), &["untaint", "aws_vpc.main"], "");
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "Resource instance aws_vpc.main has been successfully untainted.\n"
        )
    );
    let run = gitform(dir.path(), &["untaint", "-no-color", "aws_vpc.main"], "");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("untaint_not_tainted", run.stderr);
    let run = gitform(dir.path(), &["taint", "-no-color", "aws_vpc.nope"], "");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("taint_missing", run.stderr);
    let run = gitform(dir.path(), &["taint", "-allow-missing", "aws_vpc.nope"], "");
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("-allow-missing was set"));

    let ops: Vec<String> = open_state(dir.path())
        .list_versions()
        .unwrap()
        .into_iter()
        .map(|v| v.operation)
        .collect();
    assert_eq!(ops, ["apply", "taint", "untaint"]);
}

#[test]
fn state_history_table_and_changes() {
    let dir = network_state();
    assert_eq!(
        gitform(
            dir.path(),
            &["state", "mv", "aws_vpc.main", "aws_vpc.primary"],
            ""
        )
        .code,
        0
    );
    assert_eq!(
        gitform(dir.path(), &["state", "rm", "aws_s3_bucket.logs"], "").code,
        0
    );
    assert_eq!(
        gitform(dir.path(), &["taint", "aws_vpc.primary"], "").code,
        0
    );

    let run = gitform(dir.path(), &["state", "history"], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Columns are aligned: every row has its second column at the same offset.
    let offsets: Vec<usize> = run
        .stdout
        .lines()
        .map(|l| l.find("  ").unwrap() + l[l.find("  ").unwrap()..].find(|c| c != ' ').unwrap())
        .collect();
    assert!(offsets.windows(2).all(|w| w[0] == w[1]), "{}", run.stdout);
    let spaces = regex::Regex::new(" {2,}").unwrap();
    let table = scrub(&run.stdout).replace(&format!("tester@{}", host()), "tester@HOST");
    insta::assert_snapshot!("state_history_table", spaces.replace_all(&table, " | "));

    for serial in ["1", "2", "3", "4"] {
        let run = gitform(dir.path(), &["state", "history", serial], "");
        assert_eq!(run.code, 0, "{}", run.stderr);
        let text = scrub(&run.stdout).replace(&format!("tester@{}", host()), "tester@HOST");
        insta::assert_snapshot!(format!("state_history_{serial}"), text);
    }
    let run = gitform(dir.path(), &["state", "history", "-json"], "");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json.as_array().map(Vec::len), Some(4));
    let run = gitform(dir.path(), &["state", "history", "9"], "");
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("No such state version"),
        "{}",
        run.stderr
    );
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string())
}

#[test]
fn lock_held_by_someone_else() {
    let dir = network_state();
    let id = hold_lock(dir.path(), "apply");
    for args in [
        &["state", "rm", "-no-color", "aws_vpc.main"][..],
        &["state", "mv", "-no-color", "aws_vpc.main", "aws_vpc.x"],
        &["taint", "-no-color", "aws_vpc.main"],
    ] {
        let run = gitform(dir.path(), args, "");
        assert_eq!(run.code, 1, "{args:?}");
        assert!(run.stderr.contains(&id), "{args:?}");
        insta::assert_snapshot!("lock_held", scrub(&run.stderr));
    }
    let run = gitform(dir.path(), &["state", "rm", "aws_vpc.main"], "");
    assert!(
        run.stderr
            .starts_with("╷\n│ Error: Error acquiring the state lock\n"),
        "{}",
        run.stderr
    );
    assert_eq!(
        open_state(dir.path()).list_resources().unwrap().len(),
        7,
        "nothing changed"
    );

    // -lock=false skips locking.
    let run = gitform(
        dir.path(),
        &["state", "rm", "-lock=false", "aws_vpc.main"],
        "",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    // force-unlock: a wrong id fails, confirmation is required, -force skips it.
    let run = gitform(dir.path(), &["force-unlock", "-force", "not-the-id"], "");
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("Failed to unlock state: "),
        "{}",
        run.stderr
    );
    let run = gitform(dir.path(), &["force-unlock", &id], "no\n");
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("Do you really want to force-unlock?"));
    assert!(
        run.stdout.ends_with("force-unlock cancelled.\n"),
        "{}",
        run.stdout
    );
    let run = gitform(dir.path(), &["force-unlock", &id], "yes\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run
        .stdout
        .contains("gitform state has been successfully unlocked!"));
    assert!(open_state(dir.path()).current_lock().unwrap().is_none());
    let run = gitform(dir.path(), &["taint", "aws_subnet.private[0]"], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn lock_timeout_waits_for_release() {
    let dir = network_state();
    let id = hold_lock(dir.path(), "apply");
    let path = dir.path().to_path_buf();
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(600));
        open_state(&path).release_lock(&id).unwrap();
    });
    let run = gitform(
        dir.path(),
        &["taint", "-lock-timeout=20s", "aws_vpc.main"],
        "",
    );
    releaser.join().unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn output_formats() {
    let dir = network_state();
    let run = gitform(dir.path(), &["output"], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("output_all", run.stdout);
    let run = gitform(dir.path(), &["output", "-json"], "");
    insta::assert_snapshot!("output_all_json", run.stdout);

    let cases: &[(&[&str], i32, &str)] = &[
        (&["output", "vpc_id"], 0, "\"vpc-0abc\"\n"),
        (&["output", "-raw", "vpc_id"], 0, "vpc-0abc"),
        (&["output", "-json", "vpc_id"], 0, "\"vpc-0abc\"\n"),
        (&["output", "db_password"], 0, "\"s3cret\"\n"),
        (&["output", "-raw", "db_password"], 0, "s3cret"),
        (&["output", "count"], 0, "3\n"),
        (&["output", "-raw", "count"], 0, "3"),
        (&["output", "-raw", "enabled"], 0, "true"),
        (
            &["output", "-json", "config"],
            0,
            "{\"a\":[1,\"two\"],\"b\":null,\"c d\":{\"x\":\"\\u003c1\\u003e\"}}\n",
        ),
        (
            &["output", "subnets"],
            0,
            "tolist([\n  \"subnet-0\",\n  \"subnet-1\",\n])\n",
        ),
        (&["output", "motd"], 0, "<<EOT\nhello\nworld\n\nEOT\n"),
        (&["output", "-raw", "motd"], 0, "hello\nworld\n"),
        (&["output", "-raw", "subnets"], 1, ""),
        (&["output", "nope"], 1, ""),
        (&["output", "-raw", "-json", "count"], 1, ""),
    ];
    for (args, code, stdout) in cases {
        let run = gitform(dir.path(), args, "");
        assert_eq!(run.code, *code, "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, *stdout, "{args:?}");
    }
    let run = gitform(dir.path(), &["output", "-no-color", "-raw", "subnets"], "");
    insta::assert_snapshot!("output_raw_list", run.stderr);
    let run = gitform(dir.path(), &["output", "-no-color", "nope"], "");
    insta::assert_snapshot!("output_not_found", run.stderr);
}

#[test]
fn output_without_state() {
    let dir = tempfile::tempdir().unwrap();
    let run = gitform(dir.path(), &["output", "-no-color"], "");
    assert_eq!(run.code, 0);
    insta::assert_snapshot!("output_none", run.stdout);
    let run = gitform(dir.path(), &["output", "-json"], "");
    assert_eq!((run.code, run.stdout.as_str()), (0, "{}\n"));
}

#[test]
fn state_flag_points_elsewhere() {
    let dir = network_state();
    let other = tempfile::tempdir().unwrap();
    let db = dir.path().join(".gitform/state.db");
    let db = db.to_str().unwrap();
    let run = gitform(
        other.path(),
        &["state", "list", &format!("-state={db}"), "aws_vpc.main"],
        "",
    );
    assert_eq!((run.code, run.stdout.as_str()), (0, "aws_vpc.main\n"));
    let run = gitform(other.path(), &["output", "-state", db, "count"], "");
    assert_eq!(run.stdout, "3\n");
    // -chdir applies before the default state path is resolved.
    let chdir = format!("-chdir={}", dir.path().display());
    let run = gitform(other.path(), &[&chdir, "state", "list", "module.dns"], "");
    assert_eq!(run.stdout, "module.dns.aws_route53_zone.this\n");
}
