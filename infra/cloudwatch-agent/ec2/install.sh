#!/bin/bash
# Installs and starts the CloudWatch agent so that this GPU instance publishes Engine's
# Prometheus metrics into CloudWatch (namespace Deepgram/Engine) under the dimension
# sets the controller queries (lib/fleet/engine-metrics.ts).
#
# Runs as EC2 user data or from the project's SSM State Manager association
# (infra/cloudwatch-agent/association.yml): the same text either way, and it is safe to
# run again at any time: it rewrites the two files and restarts the agent.
#
# Usage: install.sh [--asg-name NAME]
#   --asg-name  the Auto Scaling group, when instance metadata tags are off and the AWS
#               CLI is not installed (user data in a launch template written per group).
#
# The configuration between the CONFIG markers is a verbatim copy of
# amazon-cloudwatch-agent.json and prometheus.yaml next to this file; test/agent fails
# when they drift apart.
set -euo pipefail

ASG_NAME=""
while [ $# -gt 0 ]; do
  case "$1" in
    --asg-name) ASG_NAME="${2:-}"; shift 2 ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# Overridable so that test/agent can run this very script against a scratch directory.
AGENT_ROOT="${CWAGENT_ROOT:-/opt/aws/amazon-cloudwatch-agent}"
IMDS="${IMDS_ENDPOINT:-http://169.254.169.254}"
ETC="$AGENT_ROOT/etc"
CTL="$AGENT_ROOT/bin/amazon-cloudwatch-agent-ctl"

if [ -d "${EKS_MARKER_DIR:-/etc/eks}" ]; then
  # EKS nodes publish ClusterName/NodegroupName, not AutoScalingGroupName: their agent
  # runs as the DaemonSet in infra/cloudwatch-agent/eks, and a second copy here would
  # publish every sample twice under the wrong fleet dimension.
  echo "install.sh: EKS node detected; Engine metrics come from the cloudwatch-agent DaemonSet, nothing to do"
  exit 0
fi

imds() {
  curl -sf --max-time 2 -H "X-aws-ec2-metadata-token: ${TOKEN}" "$IMDS/latest/$1"
}
TOKEN=$(curl -sf --max-time 2 -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" "$IMDS/latest/api/token")
INSTANCE_ID=$(imds meta-data/instance-id)
REGION=$(imds meta-data/placement/region)

if [ -z "$ASG_NAME" ]; then
  # Tags in instance metadata are opt-in per launch template (InstanceMetadataTags).
  ASG_NAME=$(imds "meta-data/tags/instance/aws:autoscaling:groupName" || true)
fi
if [ -z "$ASG_NAME" ] && command -v aws >/dev/null 2>&1; then
  ASG_NAME=$(aws autoscaling describe-auto-scaling-instances --region "$REGION" --instance-ids "$INSTANCE_ID" \
    --query 'AutoScalingInstances[0].AutoScalingGroupName' --output text 2>/dev/null || true)
  [ "$ASG_NAME" = "None" ] && ASG_NAME=""
fi
if [ -z "$ASG_NAME" ]; then
  # Without the group name every sample would land under a dimension set no query asks
  # for: better to fail loudly here than to leave the controller silently blind.
  echo "install.sh: cannot tell which Auto Scaling group $INSTANCE_ID belongs to; enable instance metadata tags, install the AWS CLI, or pass --asg-name" >&2
  exit 1
fi
case "$ASG_NAME" in
  *[!A-Za-z0-9_.:/@+=-]*) echo "install.sh: Auto Scaling group name '$ASG_NAME' has characters the controller's schema rejects" >&2; exit 1 ;;
esac

if [ ! -x "$CTL" ]; then
  # The State Manager association installs the agent with AWS-ConfigureAWSPackage before
  # this runs; in user data, Amazon Linux ships it as a package.
  if command -v dnf >/dev/null 2>&1; then dnf install -y amazon-cloudwatch-agent
  elif command -v yum >/dev/null 2>&1; then yum install -y amazon-cloudwatch-agent
  else
    echo "install.sh: the CloudWatch agent is not installed and this OS has no package for it; use the SSM association (AWS-ConfigureAWSPackage) or bake it into the AMI" >&2
    exit 1
  fi
fi

mkdir -p "$ETC"
cat > "$ETC/gpu-fleet-scaler-agent.json" <<'CONFIG_AGENT_JSON'
{
  "agent": {
    "logfile": "/opt/aws/amazon-cloudwatch-agent/logs/amazon-cloudwatch-agent.log"
  },
  "logs": {
    "force_flush_interval": 5,
    "metrics_collected": {
      "prometheus": {
        "log_group_name": "/deepgram/engine/prometheus",
        "prometheus_config_path": "/opt/aws/amazon-cloudwatch-agent/etc/gpu-fleet-scaler-prometheus.yaml",
        "emf_processor": {
          "metric_declaration_dedup": true,
          "metric_namespace": "Deepgram/Engine",
          "metric_declaration": [
            {
              "source_labels": [
                "job"
              ],
              "label_matcher": "^deepgram-engine$",
              "dimensions": [
                [
                  "AutoScalingGroupName",
                  "kind"
                ],
                [
                  "AutoScalingGroupName",
                  "InstanceId",
                  "kind"
                ]
              ],
              "metric_selectors": [
                "^engine_active_requests$"
              ]
            },
            {
              "source_labels": [
                "job"
              ],
              "label_matcher": "^deepgram-engine$",
              "dimensions": [
                [
                  "AutoScalingGroupName"
                ],
                [
                  "AutoScalingGroupName",
                  "InstanceId"
                ]
              ],
              "metric_selectors": [
                "^engine_estimated_stream_capacity$",
                "^engine_max_active_requests$"
              ]
            },
            {
              "source_labels": [
                "job"
              ],
              "label_matcher": "^deepgram-engine$",
              "dimensions": [
                [
                  "AutoScalingGroupName",
                  "response_status"
                ],
                [
                  "AutoScalingGroupName",
                  "InstanceId",
                  "response_status"
                ]
              ],
              "metric_selectors": [
                "^engine_requests_total$"
              ]
            }
          ]
        }
      }
    }
  }
}
CONFIG_AGENT_JSON
cat > "$ETC/gpu-fleet-scaler-prometheus.yaml.template" <<'CONFIG_PROMETHEUS_YAML'
# Scrape configuration the CloudWatch agent reads on each GPU instance (EC2 Auto Scaling
# fleets). install.sh fills the two placeholders from instance metadata.
#
# scrape_interval must equal the controller's scrapeIntervalSeconds (default 60) and
# divide its periodSeconds (default 60): a Sum over one period then holds exactly one
# sample per instance, so the fleet-level Sum is the fleet's total and SampleCount is
# the number of reporting instances (test/agent checks the two agree).
global:
  scrape_interval: 60s
  scrape_timeout: 10s
scrape_configs:
  - job_name: deepgram-engine
    metrics_path: /metrics
    static_configs:
      - targets: ['localhost:9991']
        # The agent's append_dimensions only applies to its own host metrics, never to
        # Prometheus metrics, so the fleet and instance dimensions are static labels
        # written here once, at install time, from the instance's metadata.
        labels:
          AutoScalingGroupName: '__AUTOSCALING_GROUP_NAME__'
          InstanceId: '__INSTANCE_ID__'
    metric_relabel_configs:
      # Only the series the controller reads reach CloudWatch Logs; everything else
      # Engine exports would cost ingestion and never be queried.
      - source_labels: [__name__]
        regex: 'engine_(active_requests|estimated_stream_capacity|max_active_requests|requests_total)'
        action: keep
CONFIG_PROMETHEUS_YAML

# sed replacement text: escape the delimiter, "&" and backslashes (the name was checked
# above, so this is belt and braces for "/" which the schema allows).
escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }
sed -e "s|__AUTOSCALING_GROUP_NAME__|$(escape "$ASG_NAME")|g" \
    -e "s|__INSTANCE_ID__|$(escape "$INSTANCE_ID")|g" \
    "$ETC/gpu-fleet-scaler-prometheus.yaml.template" > "$ETC/gpu-fleet-scaler-prometheus.yaml"

"$CTL" -a fetch-config -m ec2 -c "file:$ETC/gpu-fleet-scaler-agent.json" -s
echo "install.sh: CloudWatch agent publishing Engine metrics for $INSTANCE_ID in $ASG_NAME"
