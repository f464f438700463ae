#!/usr/bin/env bash
# Helm post-renderer: adds the Engine's preStop hook (engine-prestop.patch.yaml) to the
# rendered chart with kustomize (kubectl kustomize), since the chart has no value for it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/all.yaml"
cp "$here/engine-prestop.patch.yaml" "$work/engine-prestop.patch.yaml"
cat > "$work/kustomization.yaml" <<'YAML'
resources: [all.yaml]
patches:
  - path: engine-prestop.patch.yaml
    target: { kind: Deployment, name: deepgram-engine }
YAML
kubectl kustomize "$work"
