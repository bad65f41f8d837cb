//! The real binary on hashicorp/aws's "attributes as blocks":
//! `aws_security_group.ingress`/`egress` written as blocks, as `= []`, or
//! both ways at once (refused with one diagnostic, snapshotted). The
//! provider points at a closed loopback port: none of these plans needs
//! an EC2 call (no state to refresh, credential checks skipped).

mod cli_support;

use cli_support::gitform;

const PROVIDER: &str = r#"
provider "aws" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"

  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    ec2 = "http://127.0.0.1:9"
  }
}
"#;

fn plan(resources: &str) -> cli_support::Run {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("main.tf"),
        format!("{PROVIDER}\n{resources}"),
    )
    .expect("write main.tf");
    gitform(tmp.path(), &["plan", "-no-color", "-input=false"], "")
}

#[test]
fn mixing_argument_and_blocks_is_one_clear_error() {
    let run = plan(
        r#"
resource "aws_security_group" "web" {
  name    = "web"
  ingress = []

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#,
    );
    assert_eq!(
        run.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert_eq!(
        run.stderr.matches("Error:").count(),
        1,
        "one diagnostic:\n{}",
        run.stderr
    );
    insta::assert_snapshot!("attributes_as_blocks_mixed", run.stderr);
}

#[test]
fn blocks_and_empty_argument_plan() {
    let run = plan(
        r#"
resource "aws_security_group" "web" {
  name    = "web"
  ingress = []

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "ports" {
  name = "ports"

  dynamic "ingress" {
    for_each = [22, 80]
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["10.0.0.0/8"]
    }
  }
}
"#,
    );
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(run.stdout.contains("2 to add"), "{}", run.stdout);
    insta::assert_snapshot!("attributes_as_blocks_plan", run.stdout);
}

/// `gitform validate` checks bodies by the same rule as plan: the
/// aws-vpc example writes `route` and `ingress`/`egress` as blocks, and
/// validate must accept it (it once said "Blocks of type \"route\" are not
/// expected here" while plan worked).
#[test]
fn validate_accepts_the_aws_example_written_with_blocks() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/aws-vpc");
    let run = gitform(&example, &["validate", "-no-color"], "");
    assert_eq!(
        (run.code, run.stdout.trim()),
        (0, "Success! The configuration is valid."),
        "stderr:\n{}",
        run.stderr
    );
}
