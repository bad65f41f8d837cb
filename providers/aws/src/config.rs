//! The `provider "aws"` block: its schema (hashicorp/aws 5.x names and
//! types), decoding it into a [`ProviderConfig`], and building the one
//! `aws_sdk_ec2::Client` every call goes through ([`connect`]).
//!
//! Where settings come from, in order:
//! - the block's `region`, `access_key`/`secret_key`/`token`, `profile` and
//!   `endpoints { ec2 = ... }`;
//! - otherwise aws-config's default chains, which read `AWS_REGION`,
//!   `AWS_ACCESS_KEY_ID`..., the shared config files, SSO, web identity,
//!   ECS, and the instance metadata service (IMDS), and honour
//!   `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_EC2`.
//!
//! Nothing can hang: IMDS is left out of the chains when
//! `skip_metadata_api_check` is set (or `AWS_EC2_METADATA_DISABLED`), and
//! otherwise aws-config's IMDS client has one-second connect and read
//! timeouts; credential resolution is bounded by [`CREDENTIALS_TIMEOUT`];
//! every call by [`CONNECT_TIMEOUT`] and [`ATTEMPT_TIMEOUT`]. Retries use the
//! SDK's adaptive mode (`retry_mode`, else `AWS_RETRY_MODE`) with
//! `max_retries` (else `AWS_MAX_ATTEMPTS` - 1, else 25 as hashicorp/aws).
//! Measured against moto behind a proxy that throttles 25% of calls
//! regardless of rate, adaptive mode's client-side rate limiter falls to its
//! floor (0.5 requests/s): about 50 calls took 121 s, against 13 s in
//! standard mode. Real throttling follows the request rate, which adaptive
//! mode is made for.

use crate::error::Error;
use crate::session::{Counters, CountingInterceptor, Session};
use crate::tags::TagConfig;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::meta::region::RegionProviderChain;
use aws_config::BehaviorVersion;
use aws_sdk_ec2::config::retry::{RetryConfig, RetryMode, RetryPartition, TokenBucket};
use aws_sdk_ec2::config::timeout::TimeoutConfig;
use aws_sdk_ec2::config::{Credentials, ProvideCredentials, Region};
use gitform_provider::{Attribute, Block, NestedBlock, Schema};
use gitform_value::{AttrPath, Diagnostic, Type, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// hashicorp/aws's default `max_retries`.
pub const DEFAULT_MAX_RETRIES: u32 = 25;
/// Time to open a TCP/TLS connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time for one HTTP attempt of one call.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
/// Time for one call, retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(600);
/// Time to resolve credentials when validating them in `configure`.
pub const CREDENTIALS_TIMEOUT: Duration = Duration::from_secs(15);
/// Retry quota of one provider instance (the SDK's default is 500, which a
/// few hundred throttled calls in parallel can use up).
const RETRY_QUOTA: usize = 100_000;

/// The decoded provider block. Its `Debug` shows `secret_key` and `token`
/// as `Some("<redacted>")`, so logs and panics never print them.
#[derive(Clone, PartialEq)]
pub struct ProviderConfig {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    /// `endpoints { ec2 = "..." }`.
    pub ec2_endpoint: Option<String>,
    /// `endpoints { sts = "..." }`, for the account id lookup.
    pub sts_endpoint: Option<String>,
    pub skip_credentials_validation: bool,
    pub skip_requesting_account_id: bool,
    pub skip_metadata_api_check: bool,
    pub skip_region_validation: bool,
    pub max_retries: u32,
    pub retry_mode: RetryMode,
    /// `token_bucket_rate_limiter_capacity`: the retry quota.
    pub retry_quota: usize,
    pub tags: TagConfig,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |s: &Option<String>| s.as_ref().map(|_| "<redacted>");
        f.debug_struct("ProviderConfig")
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("access_key", &self.access_key)
            .field("secret_key", &redacted(&self.secret_key))
            .field("token", &redacted(&self.token))
            .field("ec2_endpoint", &self.ec2_endpoint)
            .field("sts_endpoint", &self.sts_endpoint)
            .field(
                "skip_credentials_validation",
                &self.skip_credentials_validation,
            )
            .field(
                "skip_requesting_account_id",
                &self.skip_requesting_account_id,
            )
            .field("skip_metadata_api_check", &self.skip_metadata_api_check)
            .field("skip_region_validation", &self.skip_region_validation)
            .field("max_retries", &self.max_retries)
            .field("retry_mode", &self.retry_mode)
            .field("retry_quota", &self.retry_quota)
            .field("tags", &self.tags)
            .finish()
    }
}

/// Every service name hashicorp/aws 5.100 accepts in `endpoints`; only
/// `ec2` is used, the others are accepted so that existing configurations
/// load unchanged.
const ENDPOINT_NAMES: [&str; 303] = [
    "accessanalyzer",
    "account",
    "acm",
    "acmpca",
    "amg",
    "amp",
    "amplify",
    "apigateway",
    "apigatewayv2",
    "appautoscaling",
    "appconfig",
    "appfabric",
    "appflow",
    "appintegrations",
    "appintegrationsservice",
    "applicationautoscaling",
    "applicationinsights",
    "applicationsignals",
    "appmesh",
    "appregistry",
    "apprunner",
    "appstream",
    "appsync",
    "athena",
    "auditmanager",
    "autoscaling",
    "autoscalingplans",
    "backup",
    "batch",
    "bcmdataexports",
    "beanstalk",
    "bedrock",
    "bedrockagent",
    "billing",
    "budgets",
    "ce",
    "chatbot",
    "chime",
    "chimesdkmediapipelines",
    "chimesdkvoice",
    "cleanrooms",
    "cloud9",
    "cloudcontrol",
    "cloudcontrolapi",
    "cloudformation",
    "cloudfront",
    "cloudfrontkeyvaluestore",
    "cloudhsm",
    "cloudhsmv2",
    "cloudsearch",
    "cloudtrail",
    "cloudwatch",
    "cloudwatchevents",
    "cloudwatchevidently",
    "cloudwatchlog",
    "cloudwatchlogs",
    "cloudwatchobservabilityaccessmanager",
    "cloudwatchrum",
    "codeartifact",
    "codebuild",
    "codecatalyst",
    "codecommit",
    "codeconnections",
    "codedeploy",
    "codeguruprofiler",
    "codegurureviewer",
    "codepipeline",
    "codestarconnections",
    "codestarnotifications",
    "cognitoidentity",
    "cognitoidentityprovider",
    "cognitoidp",
    "comprehend",
    "computeoptimizer",
    "config",
    "configservice",
    "connect",
    "connectcases",
    "controltower",
    "costandusagereportservice",
    "costexplorer",
    "costoptimizationhub",
    "cur",
    "customerprofiles",
    "databasemigration",
    "databasemigrationservice",
    "databrew",
    "dataexchange",
    "datapipeline",
    "datasync",
    "datazone",
    "dax",
    "deploy",
    "detective",
    "devicefarm",
    "devopsguru",
    "directconnect",
    "directoryservice",
    "dlm",
    "dms",
    "docdb",
    "docdbelastic",
    "drs",
    "ds",
    "dsql",
    "dynamodb",
    "ec2",
    "ecr",
    "ecrpublic",
    "ecs",
    "efs",
    "eks",
    "elasticache",
    "elasticbeanstalk",
    "elasticloadbalancing",
    "elasticloadbalancingv2",
    "elasticsearch",
    "elasticsearchservice",
    "elastictranscoder",
    "elb",
    "elbv2",
    "emr",
    "emrcontainers",
    "emrserverless",
    "es",
    "eventbridge",
    "events",
    "evidently",
    "evs",
    "finspace",
    "firehose",
    "fis",
    "fms",
    "fsx",
    "gamelift",
    "glacier",
    "globalaccelerator",
    "glue",
    "gluedatabrew",
    "grafana",
    "greengrass",
    "groundstation",
    "guardduty",
    "healthlake",
    "iam",
    "identitystore",
    "imagebuilder",
    "inspector",
    "inspector2",
    "inspectorv2",
    "internetmonitor",
    "invoicing",
    "iot",
    "iotanalytics",
    "iotevents",
    "ivs",
    "ivschat",
    "kafka",
    "kafkaconnect",
    "kendra",
    "keyspaces",
    "kinesis",
    "kinesisanalytics",
    "kinesisanalyticsv2",
    "kinesisvideo",
    "kms",
    "lakeformation",
    "lambda",
    "launchwizard",
    "lex",
    "lexmodelbuilding",
    "lexmodelbuildingservice",
    "lexmodels",
    "lexmodelsv2",
    "lexv2models",
    "licensemanager",
    "lightsail",
    "location",
    "locationservice",
    "logs",
    "lookoutmetrics",
    "m2",
    "macie2",
    "managedgrafana",
    "mediaconnect",
    "mediaconvert",
    "medialive",
    "mediapackage",
    "mediapackagev2",
    "mediapackagevod",
    "mediastore",
    "memorydb",
    "mgn",
    "mq",
    "msk",
    "mwaa",
    "neptune",
    "neptunegraph",
    "networkfirewall",
    "networkmanager",
    "networkmonitor",
    "notifications",
    "notificationscontacts",
    "oam",
    "opensearch",
    "opensearchingestion",
    "opensearchserverless",
    "opensearchservice",
    "opsworks",
    "organizations",
    "osis",
    "outposts",
    "paymentcryptography",
    "pcaconnectorad",
    "pcs",
    "pinpoint",
    "pinpointsmsvoicev2",
    "pipes",
    "polly",
    "pricing",
    "prometheus",
    "prometheusservice",
    "qbusiness",
    "qldb",
    "quicksight",
    "ram",
    "rbin",
    "rds",
    "recyclebin",
    "redshift",
    "redshiftdata",
    "redshiftdataapiservice",
    "redshiftserverless",
    "rekognition",
    "resiliencehub",
    "resourceexplorer2",
    "resourcegroups",
    "resourcegroupstagging",
    "resourcegroupstaggingapi",
    "rolesanywhere",
    "route53",
    "route53domains",
    "route53profiles",
    "route53recoverycontrolconfig",
    "route53recoveryreadiness",
    "route53resolver",
    "rum",
    "s3",
    "s3api",
    "s3control",
    "s3outposts",
    "s3tables",
    "sagemaker",
    "scheduler",
    "schemas",
    "sdb",
    "secretsmanager",
    "securityhub",
    "securitylake",
    "serverlessapplicationrepository",
    "serverlessapprepo",
    "serverlessrepo",
    "servicecatalog",
    "servicecatalogappregistry",
    "servicediscovery",
    "servicequotas",
    "ses",
    "sesv2",
    "sfn",
    "shield",
    "signer",
    "simpledb",
    "sns",
    "sqs",
    "ssm",
    "ssmcontacts",
    "ssmincidents",
    "ssmquicksetup",
    "ssmsap",
    "sso",
    "ssoadmin",
    "stepfunctions",
    "storagegateway",
    "sts",
    "swf",
    "synthetics",
    "taxsettings",
    "timestreaminfluxdb",
    "timestreamquery",
    "timestreamwrite",
    "transcribe",
    "transcribeservice",
    "transfer",
    "verifiedpermissions",
    "vpclattice",
    "waf",
    "wafregional",
    "wafv2",
    "wellarchitected",
    "worklink",
    "workspaces",
    "workspacesweb",
    "xray",
];

/// Attributes gitform accepts but does not act on; setting them draws a warning.
const IGNORED_ATTRIBUTES: [&str; 11] = [
    "custom_ca_bundle",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "insecure",
    "s3_us_east_1_regional_endpoint",
    "s3_use_path_style",
    "sts_region",
    "use_dualstack_endpoint",
    "use_fips_endpoint",
    "ec2_metadata_service_endpoint_mode",
];

/// Settings that change who gitform acts as, or refuse to act: not
/// supported yet, so setting them is an error rather than silently ignored.
const UNSUPPORTED: [&str; 7] = [
    "allowed_account_ids",
    "forbidden_account_ids",
    "shared_config_files",
    "shared_credentials_files",
    "ec2_metadata_service_endpoint",
    "assume_role",
    "assume_role_with_web_identity",
];

/// The schema of the `provider "aws"` block.
pub fn schema() -> Schema {
    let s = || Attribute::optional(Type::String);
    let b = || Attribute::optional(Type::Bool);
    let mut block = Block::new()
        .attr("region", s().describe("The AWS region, e.g. us-east-1."))
        .attr("profile", s())
        .attr("access_key", s().sensitive())
        .attr("secret_key", s().sensitive())
        .attr("token", s().sensitive())
        .attr("max_retries", Attribute::optional(Type::Number))
        .attr("retry_mode", s())
        .attr(
            "token_bucket_rate_limiter_capacity",
            Attribute::optional(Type::Number),
        )
        .attr("skip_credentials_validation", b())
        .attr("skip_requesting_account_id", b())
        .attr("skip_region_validation", b())
        // A string in hashicorp/aws ("true", "false" or unset).
        .attr("skip_metadata_api_check", s())
        .attr(
            "allowed_account_ids",
            Attribute::optional(Type::set(Type::String)),
        )
        .attr(
            "forbidden_account_ids",
            Attribute::optional(Type::set(Type::String)),
        )
        .attr(
            "shared_config_files",
            Attribute::optional(Type::list(Type::String)),
        )
        .attr(
            "shared_credentials_files",
            Attribute::optional(Type::list(Type::String)),
        )
        .attr("ec2_metadata_service_endpoint", s())
        .attr("ec2_metadata_service_endpoint_mode", s())
        .attr("custom_ca_bundle", s())
        .attr("http_proxy", s())
        .attr("https_proxy", s())
        .attr("no_proxy", s())
        .attr("insecure", b())
        .attr("s3_us_east_1_regional_endpoint", s())
        .attr("s3_use_path_style", b())
        .attr("sts_region", s())
        .attr("use_dualstack_endpoint", b())
        .attr("use_fips_endpoint", b());
    let endpoints = ENDPOINT_NAMES
        .iter()
        .fold(Block::new(), |blk, name| blk.attr(*name, s()));
    block = block
        .block("endpoints", NestedBlock::set(endpoints))
        .block(
            "default_tags",
            NestedBlock::list(
                Block::new().attr("tags", Attribute::optional(Type::map(Type::String))),
            )
            .max_items(1),
        )
        .block(
            "ignore_tags",
            NestedBlock::list(
                Block::new()
                    .attr("keys", Attribute::optional(Type::set(Type::String)))
                    .attr("key_prefixes", Attribute::optional(Type::set(Type::String))),
            )
            .max_items(1),
        )
        .block(
            "assume_role",
            NestedBlock::list(
                Block::new()
                    .attr("role_arn", s())
                    .attr("session_name", s())
                    .attr("external_id", s())
                    .attr("duration", s())
                    .attr("policy", s())
                    .attr("policy_arns", Attribute::optional(Type::set(Type::String)))
                    .attr("source_identity", s())
                    .attr("tags", Attribute::optional(Type::map(Type::String)))
                    .attr(
                        "transitive_tag_keys",
                        Attribute::optional(Type::set(Type::String)),
                    ),
            ),
        )
        .block(
            "assume_role_with_web_identity",
            NestedBlock::list(
                Block::new()
                    .attr("role_arn", s())
                    .attr("session_name", s())
                    .attr("duration", s())
                    .attr("policy", s())
                    .attr("policy_arns", Attribute::optional(Type::set(Type::String)))
                    .attr("web_identity_token", s())
                    .attr("web_identity_token_file", s()),
            ),
        );
    Schema::new(block)
}

fn is_set(v: Option<&Value>) -> bool {
    match v.map(Value::unmarked) {
        None | Some(Value::Null) => false,
        Some(Value::List(e) | Value::Set(e)) => !e.is_empty(),
        Some(_) => true,
    }
}

fn text(v: &Value, name: &str) -> Option<String> {
    v.get_attr(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn flag(v: &Value, name: &str) -> bool {
    v.get_attr(name).and_then(Value::as_bool).unwrap_or(false)
}

fn first_block<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.get_attr(name)
        .and_then(Value::as_elements)
        .and_then(|e| e.first())
}

fn attr_error(name: &str, summary: &str, detail: String) -> Diagnostic {
    Diagnostic::error(summary, detail).with_attr_path(AttrPath::attr(name))
}

/// Decodes the provider block. Returns the configuration (`None` when it
/// has errors) and the diagnostics (warnings for settings gitform ignores).
pub fn decode(v: &Value) -> (Option<ProviderConfig>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    if !v.is_wholly_known() {
        diags.push(Diagnostic::error(
            "Invalid provider configuration",
            "The provider \"aws\" configuration depends on values that are not known until apply. Use values known at plan time (variables, literals, data sources).",
        ));
        return (None, diags);
    }
    let v = &v.clone().unmark_deep().0;
    for name in IGNORED_ATTRIBUTES {
        if is_set(v.get_attr(name)) {
            diags.push(
                Diagnostic::warning(
                    "Provider setting ignored",
                    format!("gitform's aws provider does not support \"{name}\" yet; the setting has no effect."),
                )
                .with_attr_path(AttrPath::attr(name)),
            );
        }
    }
    for name in UNSUPPORTED {
        if is_set(v.get_attr(name)) {
            diags.push(attr_error(
                name,
                "Unsupported provider setting",
                format!("gitform's aws provider does not support \"{name}\" yet. Remove it, or set the equivalent AWS_* environment variables or shared config profile."),
            ));
        }
    }
    let max_retries = match v.get_attr("max_retries").and_then(Value::as_number) {
        // AWS_MAX_ATTEMPTS counts the first try too.
        None => std::env::var("AWS_MAX_ATTEMPTS")
            .ok()
            .and_then(|a| a.trim().parse::<u32>().ok())
            .filter(|a| *a >= 1)
            .map_or(DEFAULT_MAX_RETRIES, |a| a - 1),
        Some(n) => match n.to_i64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => n,
            None => {
                diags.push(attr_error(
                    "max_retries",
                    "Invalid max_retries",
                    format!("max_retries must be a whole number from 0 up, not {n}."),
                ));
                DEFAULT_MAX_RETRIES
            }
        },
    };
    let retry_mode_setting = text(v, "retry_mode").or_else(|| {
        std::env::var("AWS_RETRY_MODE")
            .ok()
            .map(|m| m.trim().to_ascii_lowercase())
            .filter(|m| !m.is_empty())
    });
    let retry_mode = match retry_mode_setting.as_deref() {
        None | Some("adaptive") => RetryMode::Adaptive,
        Some("standard") => RetryMode::Standard,
        Some(other) => {
            diags.push(attr_error(
                "retry_mode",
                "Invalid retry_mode",
                format!("retry_mode must be \"standard\" or \"adaptive\", not \"{other}\"."),
            ));
            RetryMode::Adaptive
        }
    };
    let retry_quota = match v
        .get_attr("token_bucket_rate_limiter_capacity")
        .and_then(Value::as_number)
    {
        None => RETRY_QUOTA,
        Some(n) => match n.to_i64().and_then(|n| usize::try_from(n).ok()) {
            Some(0) | None => {
                diags.push(attr_error(
                    "token_bucket_rate_limiter_capacity",
                    "Invalid token_bucket_rate_limiter_capacity",
                    format!("The capacity must be a positive whole number, not {n}."),
                ));
                RETRY_QUOTA
            }
            Some(n) => n,
        },
    };
    let skip_metadata_api_check = match text(v, "skip_metadata_api_check").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            diags.push(attr_error(
                "skip_metadata_api_check",
                "Invalid skip_metadata_api_check",
                format!("skip_metadata_api_check must be \"true\" or \"false\", not \"{other}\"."),
            ));
            false
        }
    };
    let access_key = text(v, "access_key");
    let secret_key = text(v, "secret_key");
    if access_key.is_some() != secret_key.is_some() {
        let missing = if access_key.is_some() {
            "secret_key"
        } else {
            "access_key"
        };
        diags.push(attr_error(
            missing,
            "Incomplete static credentials",
            "access_key and secret_key must be set together (or neither, to use the default credential chain).".to_string(),
        ));
    }
    let endpoint = |service: &str| {
        v.get_attr("endpoints")
            .and_then(Value::as_elements)
            .unwrap_or(&[])
            .iter()
            .find_map(|e| text(e, service))
    };
    let ec2_endpoint = endpoint("ec2");
    let sts_endpoint = endpoint("sts");
    if let Some(ep) = &ec2_endpoint {
        if !(ep.starts_with("http://") || ep.starts_with("https://")) {
            diags.push(attr_error(
                "endpoints",
                "Invalid endpoint",
                format!(
                    "The ec2 endpoint \"{ep}\" must be a URL starting with http:// or https://."
                ),
            ));
        }
    }
    let region = text(v, "region");
    let skip_region_validation = flag(v, "skip_region_validation");
    if let (Some(r), false) = (&region, skip_region_validation) {
        if !is_region_name(r) {
            diags.push(attr_error(
                "region",
                "Invalid AWS Region",
                format!("\"{r}\" is not an AWS region name (such as \"us-east-1\"). Set skip_region_validation = true to use it anyway."),
            ));
        }
    }
    let tags = TagConfig {
        default_tags: first_block(v, "default_tags")
            .map(|b| crate::attrs::string_map(b, "tags"))
            .unwrap_or_default(),
        ignore_keys: first_block(v, "ignore_tags")
            .map(|b| crate::attrs::strings(b, "keys"))
            .unwrap_or_default(),
        ignore_key_prefixes: first_block(v, "ignore_tags")
            .map(|b| crate::attrs::strings(b, "key_prefixes"))
            .unwrap_or_default(),
    };
    let config = ProviderConfig {
        region,
        profile: text(v, "profile"),
        access_key,
        secret_key,
        token: text(v, "token"),
        ec2_endpoint,
        sts_endpoint,
        skip_credentials_validation: flag(v, "skip_credentials_validation"),
        skip_requesting_account_id: flag(v, "skip_requesting_account_id"),
        skip_metadata_api_check,
        skip_region_validation,
        max_retries,
        retry_mode,
        retry_quota,
        tags,
    };
    let ok = !diags.iter().any(Diagnostic::is_error);
    (ok.then_some(config), diags)
}

/// True for names shaped like AWS regions: `us-east-1`, `eu-central-2`,
/// `us-gov-west-1`, `cn-north-1`, `us-iso-east-1`, `ap-southeast-7`.
pub fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    parts.len() >= 3
        && first.len() == 2
        && first.chars().all(|c| c.is_ascii_lowercase())
        && !last.is_empty()
        && last.chars().all(|c| c.is_ascii_digit())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

/// True when the environment turns IMDS off (`AWS_EC2_METADATA_DISABLED`).
fn imds_disabled_by_env() -> bool {
    std::env::var("AWS_EC2_METADATA_DISABLED").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

static PARTITIONS: AtomicU64 = AtomicU64::new(0);

/// Builds the EC2 client of a provider configuration, and checks that
/// credentials resolve (unless `skip_credentials_validation`).
pub async fn connect(cfg: &ProviderConfig) -> Result<Session, Error> {
    let no_imds = cfg.skip_metadata_api_check || imds_disabled_by_env();
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = &cfg.profile {
        loader = loader.profile_name(p);
    }
    match (&cfg.region, no_imds) {
        (Some(r), _) => loader = loader.region(Region::new(r.clone())),
        (None, true) => {
            let mut profile = aws_config::profile::region::Builder::default();
            if let Some(p) = &cfg.profile {
                profile = profile.profile_name(p);
            }
            loader = loader.region(
                RegionProviderChain::first_try(
                    aws_config::environment::EnvironmentVariableRegionProvider::new(),
                )
                .or_else(profile.build()),
            );
        }
        (None, false) => {}
    }
    match (&cfg.access_key, &cfg.secret_key, no_imds) {
        (Some(ak), Some(sk), _) => {
            loader = loader.credentials_provider(Credentials::new(
                ak,
                sk,
                cfg.token.clone(),
                None,
                "gitform-provider-block",
            ));
        }
        (_, _, true) => {
            let mut profile = aws_config::profile::ProfileFileCredentialsProvider::builder();
            if let Some(p) = &cfg.profile {
                profile = profile.profile_name(p);
            }
            let chain = CredentialsProviderChain::first_try(
                "Environment",
                aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
            )
            .or_else("Profile", profile.build())
            .or_else(
                "WebIdentityToken",
                aws_config::web_identity_token::WebIdentityTokenCredentialsProvider::builder()
                    .build(),
            )
            .or_else(
                "EcsContainer",
                aws_config::ecs::EcsCredentialsProvider::builder().build(),
            );
            loader = loader.credentials_provider(chain);
        }
        _ => {}
    }
    let sdk = loader
        .retry_config(
            RetryConfig::standard()
                .with_retry_mode(cfg.retry_mode)
                .with_max_attempts(cfg.max_retries.saturating_add(1))
                .with_max_backoff(Duration::from_secs(20)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .load()
        .await;
    let region = sdk.region().map(|r| r.to_string()).ok_or_else(|| {
        Error::invalid(
            "region",
            "Missing region value",
            "The \"region\" attribute or the \"AWS_REGION\" or \"AWS_DEFAULT_REGION\" environment variables must be set in order to configure the aws provider.",
        )
    })?;
    if !cfg.skip_credentials_validation {
        validate_credentials(&sdk).await?;
    }
    let account_id = if cfg.skip_requesting_account_id {
        String::new()
    } else {
        account_id(&sdk, cfg.sts_endpoint.as_deref()).await?
    };
    let counters = Arc::new(Counters::default());
    let partition = PARTITIONS.fetch_add(1, Ordering::Relaxed);
    let mut builder = aws_sdk_ec2::config::Builder::from(&sdk)
        .interceptor(CountingInterceptor {
            counters: counters.clone(),
        })
        .retry_partition(
            RetryPartition::custom(format!("gitform-aws-{partition}"))
                .token_bucket(TokenBucket::new(cfg.retry_quota))
                .build(),
        );
    if let Some(ep) = &cfg.ec2_endpoint {
        builder = builder.endpoint_url(ep);
    }
    Ok(Session {
        ec2: aws_sdk_ec2::Client::from_conf(builder.build()),
        region,
        account_id,
        tags: cfg.tags.clone(),
        counters,
        stopped: Default::default(),
        route_tables: Default::default(),
    })
}

/// The account id of the credentials (STS GetCallerIdentity), as
/// hashicorp/aws looks it up for ARNs.
async fn account_id(sdk: &aws_config::SdkConfig, endpoint: Option<&str>) -> Result<String, Error> {
    let mut builder = aws_sdk_sts::config::Builder::from(sdk);
    if let Some(ep) = endpoint {
        builder = builder.endpoint_url(ep);
    }
    let sts = aws_sdk_sts::Client::from_conf(builder.build());
    let call = sts.get_caller_identity().send();
    match tokio::time::timeout(CREDENTIALS_TIMEOUT, call).await {
        Ok(Ok(out)) => Ok(out.account().unwrap_or_default().to_string()),
        Ok(Err(e)) => Err(Error::Invalid {
            summary: "Retrieving AWS account details failed".into(),
            detail: format!(
                "STS GetCallerIdentity: {}\n\nSet skip_requesting_account_id = true in the provider block to go without it (ARNs that need the account id are then left without one).",
                aws_sdk_ec2::error::DisplayErrorContext(&e)
            ),
            path: None,
        }),
        Err(_) => Err(Error::Invalid {
            summary: "Retrieving AWS account details failed".into(),
            detail: format!("STS GetCallerIdentity took longer than {CREDENTIALS_TIMEOUT:?}. Set skip_requesting_account_id = true to go without it."),
            path: None,
        }),
    }
}

async fn validate_credentials(sdk: &aws_config::SdkConfig) -> Result<(), Error> {
    let no_creds = |detail: String| {
        Error::Invalid {
        summary: "No valid credential sources found".to_string(),
        detail: format!("{detail}\n\nSet access_key and secret_key in the provider block, use a profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Set skip_credentials_validation = true to skip this check."),
        path: None,
    }
    };
    let Some(provider) = sdk.credentials_provider() else {
        return Err(no_creds("No credentials provider is configured.".into()));
    };
    match tokio::time::timeout(CREDENTIALS_TIMEOUT, provider.provide_credentials()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(no_creds(
            aws_sdk_ec2::error::DisplayErrorContext(&e).to_string(),
        )),
        Err(_) => Err(no_creds(format!(
            "Resolving credentials took longer than {CREDENTIALS_TIMEOUT:?}."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(attrs: &[(&str, Value)]) -> Value {
        let mut v = schema().block.null_object();
        for (k, a) in attrs {
            crate::attrs::set_attr(&mut v, k, a.clone());
        }
        v
    }

    #[test]
    fn decodes_the_moto_style_block() {
        let v = block(&[
            ("region", Value::from("us-east-1")),
            ("access_key", Value::from("test")),
            ("secret_key", Value::from("test").sensitive()),
            ("skip_credentials_validation", Value::Bool(true)),
            ("skip_metadata_api_check", Value::from("true")),
            ("max_retries", Value::int(3)),
            (
                "endpoints",
                Value::set(vec![{
                    let mut e = schema().block.blocks["endpoints"].block.null_object();
                    crate::attrs::set_attr(&mut e, "ec2", Value::from("http://127.0.0.1:5000"));
                    e
                }]),
            ),
            (
                "default_tags",
                Value::List(vec![Value::object([(
                    "tags",
                    Value::Map([("Env".to_string(), Value::from("dev"))].into()),
                )])]),
            ),
        ]);
        let (cfg, diags) = decode(&v);
        assert!(diags.is_empty(), "{diags:?}");
        let cfg = cfg.unwrap();
        assert_eq!(cfg.ec2_endpoint.as_deref(), Some("http://127.0.0.1:5000"));
        assert_eq!(cfg.max_retries, 3);
        assert!(cfg.skip_metadata_api_check);
        assert_eq!(cfg.secret_key.as_deref(), Some("test"));
        assert_eq!(
            cfg.tags.default_tags.get("Env").map(String::as_str),
            Some("dev")
        );
    }

    #[test]
    fn rejects_bad_settings_with_the_attribute_named() {
        for (attrs, path) in [
            (vec![("region", Value::from("moon-1"))], "region"),
            (vec![("access_key", Value::from("a"))], "secret_key"),
            (vec![("max_retries", Value::int(-1))], "max_retries"),
            (
                vec![("skip_metadata_api_check", Value::from("yes"))],
                "skip_metadata_api_check",
            ),
            (vec![("retry_mode", Value::from("fast"))], "retry_mode"),
            (
                vec![("allowed_account_ids", Value::set(vec![Value::from("1")]))],
                "allowed_account_ids",
            ),
        ] {
            let (cfg, diags) = decode(&block(&attrs));
            assert!(cfg.is_none(), "{path}");
            assert_eq!(
                diags[0]
                    .attr_path
                    .as_ref()
                    .map(ToString::to_string)
                    .as_deref(),
                Some(path)
            );
        }
        let (cfg, diags) = decode(&block(&[("http_proxy", Value::from("http://p"))]));
        assert!(cfg.is_some() && !diags[0].is_error());
    }

    #[test]
    fn region_names() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "cn-north-1",
            "us-iso-east-1",
            "ap-southeast-7",
        ] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in ["", "us-east", "useast1", "US-EAST-1", "us--1", "u-east-1"] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }

    #[test]
    fn debug_redacts_the_secret_key_and_token() {
        for (token, shown) in [
            (
                Some("FwoGZXIvYXdzEXAMPLESESSION"),
                r#"token: Some("<redacted>")"#,
            ),
            (None, "token: None"),
        ] {
            let mut attrs = vec![
                ("region", Value::from("us-east-1")),
                ("access_key", Value::from("AKIAEXAMPLEKEYID")),
                (
                    "secret_key",
                    Value::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").sensitive(),
                ),
                ("skip_credentials_validation", Value::Bool(true)),
            ];
            if let Some(t) = token {
                attrs.push(("token", Value::from(t)));
            }
            let (cfg, diags) = decode(&block(&attrs));
            assert!(diags.is_empty(), "{diags:?}");
            let cfg = cfg.unwrap();
            // The secrets are decoded, only their display is redacted.
            assert_eq!(cfg.token.as_deref(), token);
            for text in [format!("{cfg:?}"), format!("{cfg:#?}")] {
                assert!(!text.contains("wJalrXUtnFEMI"), "{text}");
                assert!(!text.contains("EXAMPLESESSION"), "{text}");
                assert!(text.contains("AKIAEXAMPLEKEYID"), "{text}");
                assert!(text.contains("us-east-1"), "{text}");
            }
            let compact = format!("{cfg:?}");
            assert!(
                compact.contains(r#"secret_key: Some("<redacted>")"#),
                "{compact}"
            );
            assert!(compact.contains(shown), "{compact}");
        }
    }
}
