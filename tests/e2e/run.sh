#!/usr/bin/env bash
# `make e2e`: Konnect in a real cluster (issue #8). Creates a throwaway k3d cluster, builds the image (`make image`)
# and imports it, installs charts/konnect as README says, applies samples/quickstart and samples/auth/api-key.yaml,
# then checks through the cluster's load balancer (host port E2E_HTTP_PORT, default 18080) that:
#   - the quick start answers 200 from orders-v1 or orders-v2, and `x-canary: true` always reaches orders-v2;
#   - the API-key route answers 401 without the key and 200 (from its own upstream) with it;
#   - both KonnectRoutes say Accepted=True and Programmed=True in their status.
# The cluster is deleted on every exit. Without docker (or its daemon), k3d, helm, kubectl or curl it prints
# "make e2e: skipped: ..." and exits 0; it prints "make e2e: passed" only after every check passed.
set -euo pipefail

# Only shell builtins until the tools are known to exist: the skip must work on any PATH.
missing=()
for tool in docker k3d helm kubectl curl; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "make e2e: skipped: ${missing[*]} not available"
  exit 0
fi
if ! docker info >/dev/null 2>&1; then
  echo "make e2e: skipped: docker daemon not available (docker info failed)"
  exit 0
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' src/Konnect/Konnect.csproj)
# The samples' echo Deployments and the chart's default both name this image, so it is not configurable here.
repository=ghcr.io/konnect-dev/konnect
image="$repository:$version"
http_port=${E2E_HTTP_PORT:-18080}
attempts=${E2E_ATTEMPTS:-90} # each check retries this often, 2 s apart, while the cluster converges
base="http://127.0.0.1:$http_port"
cluster="konnect-e2e-$$"
work=$(mktemp -d)
export KUBECONFIG="$work/kubeconfig" # never touches the user's kubeconfig
created=""

log() { echo "e2e: $*" >&2; }
fail() {
  echo "make e2e: FAILED: $*" >&2
  exit 1
}

dump() {
  echo "---- diagnostics ----" >&2
  kubectl get pods -A -o wide >&2 || true
  kubectl get konnectroute,konnectpolicy,konnectconsumer -A -o yaml >&2 || true
  kubectl -n konnect describe pods >&2 || true
  for pod in $(kubectl -n konnect get pods -o name 2>/dev/null); do
    echo "---- logs $pod ----" >&2
    kubectl -n konnect logs "$pod" --all-containers --tail=300 >&2 || true
  done
  kubectl get events -A --sort-by=.lastTimestamp >&2 || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ "$status" -ne 0 ] && [ -n "$created" ]; then dump; fi
  if [ -n "$created" ]; then
    log "deleting cluster $cluster"
    k3d cluster delete "$cluster" >/dev/null 2>&1 || log "could not delete cluster $cluster; remove it with: k3d cluster delete $cluster"
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Retries a request until it answers HTTP $want (the cluster converges in its own time); the body is left in
# $work/body. Usage: expect_status "what" WANT curl-args...
expect_status() {
  local what=$1 want=$2 got=""
  shift 2
  for _ in $(seq 1 "$attempts"); do
    got=$(curl -s -m 5 -o "$work/body" -w '%{http_code}' "$@" || true)
    if [ "$got" = "$want" ]; then
      log "ok: $what: HTTP $got"
      return 0
    fi
    sleep 2
  done
  fail "$what: wanted HTTP $want, last answer HTTP $got: $(head -c 400 "$work/body" 2>/dev/null || true)"
}

# The "backend" field of the echo reply in $work/body.
backend() { sed -n 's/.*"backend": *"\([^"]*\)".*/\1/p' "$work/body" | head -n 1; }

# One request that must answer 200 from one of the named backends; prints the backend.
must_reach() {
  local what=$1 allowed=$2 got
  shift 2
  got=$(curl -s -m 5 -o "$work/body" -w '%{http_code}' "$@" || true)
  [ "$got" = "200" ] || fail "$what: HTTP $got: $(head -c 400 "$work/body" 2>/dev/null || true)"
  local name
  name=$(backend)
  case " $allowed " in
    *" $name "*) echo "$name" ;;
    *) fail "$what: answered by '$name', wanted one of: $allowed" ;;
  esac
}

# Waits until `kubectl get konnectroute` shows Accepted=True and Programmed=True for namespace/name.
expect_programmed() {
  local route=$1 line=""
  local path='{range .items[*]}{.metadata.namespace}/{.metadata.name}{range .status.conditions[*]} {.type}={.status}{end}{"\n"}{end}'
  for _ in $(seq 1 "$attempts"); do
    line=$(kubectl get konnectroute -A -o jsonpath="$path" | grep "^$route " || true)
    if [[ "$line" == *" Accepted=True"* && "$line" == *" Programmed=True"* ]]; then
      log "ok: KonnectRoute $route: $line"
      return 0
    fi
    sleep 2
  done
  fail "KonnectRoute $route: wanted Accepted=True and Programmed=True, status says: '${line:-nothing}'"
}

log "creating k3d cluster $cluster (load balancer port 80 on 127.0.0.1:$http_port)"
created=yes
k3d cluster create "$cluster" --servers 1 --agents 0 \
  -p "127.0.0.1:$http_port:80@loadbalancer" \
  --k3s-arg "--disable=traefik@server:0" \
  --kubeconfig-update-default=false --kubeconfig-switch-context=false \
  --wait --timeout 180s
k3d kubeconfig get "$cluster" >"$KUBECONFIG"
kubectl wait --for=condition=Ready nodes --all --timeout=120s

log "building $image"
make --no-print-directory image IMAGE="$image"
docker image inspect "$image" >/dev/null || fail "make image did not produce $image"
k3d image import "$image" -c "$cluster"

log "installing the chart"
helm install konnect charts/konnect -n konnect --create-namespace \
  --set image.repository="$repository" --set image.tag="$version" --set image.pullPolicy=Never \
  --wait --timeout 5m
# Whatever the chart's kind (DaemonSet by default, or Deployment): every workload rolled out, every pod ready.
for workload in $(kubectl -n konnect get daemonset,deployment -o name); do
  kubectl -n konnect rollout status "$workload" --timeout=180s
done
kubectl -n konnect wait --for=condition=Ready pods --all --timeout=180s

log "applying the samples"
kubectl apply -f samples/quickstart
kubectl apply -f tests/e2e/api-key-upstream.yaml # the namespaces and upstream the API-key sample expects
kubectl apply -f samples/auth/api-key.yaml
kubectl -n default wait --for=condition=Available deployment/orders-v1 deployment/orders-v2 --timeout=180s
kubectl -n shop wait --for=condition=Available deployment/orders --timeout=180s

log "checking the quick start"
expect_status "GET /orders/42" 200 "$base/orders/42"
v1=0
for _ in $(seq 1 20); do
  name=$(must_reach "GET /orders/42" "orders-v1 orders-v2" "$base/orders/42") # an assignment, so a failure stops the run
  if [ "$name" = orders-v1 ]; then v1=$((v1 + 1)); fi
done
# A 90/10 split: twenty requests without one orders-v1 answer would mean the split is not applied.
[ "$v1" -gt 0 ] || fail "GET /orders/42: 20 answers, none from orders-v1 (the split sends it 90 %)"
log "ok: 20 answers from the split, $v1 from orders-v1"

expect_status "GET /orders/42 with x-canary: true" 200 -H 'x-canary: true' "$base/orders/42"
for _ in $(seq 1 10); do
  must_reach "GET /orders/42 with x-canary: true" "orders-v2" -H 'x-canary: true' "$base/orders/42" >/dev/null
done
log "ok: x-canary: true reached orders-v2 ten times out of ten"

log "checking the API-key route"
# Until shop/orders is served, partners.example.com falls through to the quick start: the 401 proves it is served.
expect_status "partners.example.com/orders without a key" 401 -H 'Host: partners.example.com' "$base/orders"
expect_status "partners.example.com/orders with the key" 200 -H 'Host: partners.example.com' -H 'x-api-key: change-me-1' "$base/orders"
[ "$(backend)" = shop-orders ] || fail "partners.example.com/orders with the key: answered by '$(backend)', wanted shop-orders"

log "checking status"
expect_programmed default/orders
expect_programmed shop/orders

echo "make e2e: passed"
