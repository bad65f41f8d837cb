#!/usr/bin/env bash
# Runs this example against a throwaway moto_server in one command: apply,
# a second plan that must show no changes, destroy, and a check (through
# EC2 Describe calls, not the tool under test) that no resource tagged
# Project=<project> is left.
#
#   examples/aws-vpc/run-against-moto.sh                 # gitform, via cargo run
#   GITFORM=target/debug/gitform examples/aws-vpc/run-against-moto.sh
#   TOOL=terraform examples/aws-vpc/run-against-moto.sh  # Terraform + hashicorp/aws
#   STEPS="apply plan" examples/aws-vpc/run-against-moto.sh   # keep out destroy
#
# The configuration is copied into a temporary directory (the state of a
# moto that is gone is of no use), and moto is stopped on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tool="${TOOL:-gitform}"
steps="${STEPS:-apply plan destroy}"
project="aws-vpc-example"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
work="$(mktemp -d)"
cp "$here"/*.tf "$work"/
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 </dev/null &
moto_pid=$!
cleanup() {
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

endpoint="http://127.0.0.1:$port"
python3 - "$endpoint" <<'PY'
import sys, time, urllib.request
for _ in range(600):
    try:
        urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit("moto_server did not start")
PY
echo "moto_server (pid $moto_pid) on $endpoint"

export AWS_ENDPOINT_URL_EC2="$endpoint"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true

case "$tool" in
gitform)
    if [ -n "${GITFORM:-}" ]; then
        run=("$GITFORM")
    else
        run=(cargo run -q --manifest-path "$repo/Cargo.toml" --bin gitform --)
    fi
    ;;
terraform)
    cat >"$work/terraformrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "${TF_PLUGIN_MIRROR:-/opt/tf-plugins}"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
TFRC
    export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1
    run=(terraform)
    "${run[@]}" -chdir="$work" init -input=false -no-color >/dev/null
    ;;
*)
    echo "TOOL must be gitform or terraform" >&2
    exit 2
    ;;
esac

for step in $steps; do
    case "$step" in
    apply)
        echo "== $tool apply"
        "${run[@]}" -chdir="$work" apply -auto-approve -input=false -no-color
        ;;
    plan)
        echo "== $tool plan (expects no changes)"
        code=0
        "${run[@]}" -chdir="$work" plan -detailed-exitcode -input=false -no-color || code=$?
        if [ "$code" != 0 ]; then
            echo "the second plan was not empty (exit code $code)" >&2
            exit 1
        fi
        ;;
    destroy)
        echo "== $tool destroy"
        "${run[@]}" -chdir="$work" destroy -auto-approve -input=false -no-color
        python3 - "$project" <<'PY'
# Lists, through EC2's own Describe calls (boto3, which moto depends on),
# everything that still exists with the Project tag.
import sys, boto3
project = sys.argv[1]
ec2 = boto3.client("ec2")
def tagged(items):
    return [i for i in items if {"Key": "Project", "Value": project} in i.get("Tags", [])]
left = []
left += [("vpc", v["VpcId"]) for v in tagged(ec2.describe_vpcs()["Vpcs"])]
left += [("subnet", v["SubnetId"]) for v in tagged(ec2.describe_subnets()["Subnets"])]
left += [("igw", v["InternetGatewayId"]) for v in tagged(ec2.describe_internet_gateways()["InternetGateways"])]
left += [("nat", v["NatGatewayId"]) for v in tagged(ec2.describe_nat_gateways()["NatGateways"]) if v["State"] not in ("deleted", "deleting")]
left += [("eip", v["AllocationId"]) for v in tagged(ec2.describe_addresses()["Addresses"])]
left += [("rtb", v["RouteTableId"]) for v in tagged(ec2.describe_route_tables()["RouteTables"])]
left += [("sg", v["GroupId"]) for v in tagged(ec2.describe_security_groups()["SecurityGroups"])]
left += [("key", v["KeyPairId"]) for v in tagged(ec2.describe_key_pairs()["KeyPairs"])]
for r in ec2.describe_instances()["Reservations"]:
    left += [("instance", i["InstanceId"]) for i in tagged(r["Instances"]) if i["State"]["Name"] != "terminated"]
if left:
    sys.exit("left behind after destroy: %s" % left)
print("no resource tagged Project=%s is left" % project)
PY
        ;;
    *)
        echo "unknown step $step (apply, plan, destroy)" >&2
        exit 2
        ;;
    esac
done
