#!/usr/bin/env bash
# `make bench`: throughput and latency of Konnect side by side with nginx on this machine (issue #9, part 1).
# Everything listens on loopback; wrk, the backend, nginx and Konnect share the machine's cores, so the numbers
# compare the proxies with each other, not with another machine's. Propagation and memory: tests/bench/Konnect.Bench.Scale.
# AI calls (added latency and time to first token over the model stand-in, events forwarded, tokenizer cost):
# tests/bench/Konnect.Bench.Ai, which `make bench` runs after the scale part.
#
# Settings (environment): ROUNDS (5), DURATION (5s), THREADS (2), CONNECTIONS (50), LAT_CONNECTIONS (1, the low-load
# latency part), LAT_ROUNDS (7), LAT_WARMUP (10s), NGINX_WORKERS (2), CONFIG (Release), KONNECT_BIN (the build).
set -euo pipefail

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
NGINX_WORKERS=${NGINX_WORKERS:-2}
CONFIG=${CONFIG:-Release}
API_KEY=bench-key-not-secret

for tool in wrk:wrk nginx:nginx curl:curl taskset:util-linux; do
  if ! command -v "${tool%%:*}" >/dev/null; then
    echo "make bench: '${tool%%:*}' not found; install the Debian package: apt-get install ${tool#*:}" >&2
    exit 2
  fi
done

root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# KONNECT_BIN: the binary to measure (`make bench` passes its ReadyToRun publish); else the Release build.
if [[ -n ${KONNECT_BIN:-} ]]; then
  konnect=$KONNECT_BIN
else
  echo "building Konnect ($CONFIG)..." >&2
  dotnet build "$root/src/Konnect/Konnect.csproj" -c "$CONFIG" -v q -nologo >&2
  konnect="$root/src/Konnect/bin/$CONFIG/net10.0/konnect"
fi
dotnet build "$root/tests/bench/Konnect.Bench.Floor/Konnect.Bench.Floor.csproj" -c "$CONFIG" -v q -nologo >&2
floor="$root/tests/bench/Konnect.Bench.Floor/bin/$CONFIG/net10.0/konnect-bench-floor"

# Ports: backend 18081; nginx proxy 18082 (access log off) and 18083 (on, to /dev/null);
# Konnect with access log off 18090 (admin 18091), with access log on 18092 (admin 18093), with metrics and access log
# both off 18094 (admin 18095); the floor relay 18096.
nginx_conf() { # name, body of the http block
  mkdir -p "$work/$1"
  cat >"$work/$1/nginx.conf" <<EOF
worker_processes $2;
daemon off;
pid $work/$1/nginx.pid;
error_log $work/$1/error.log warn;
events { worker_connections 4096; }
http {
  client_body_temp_path $work/$1; proxy_temp_path $work/$1; fastcgi_temp_path $work/$1;
  uwsgi_temp_path $work/$1; scgi_temp_path $work/$1;
  $3
}
EOF
}
# The backend: a fixed 200 body, one worker (it does less work per request than any proxy in front of it).
nginx_conf backend 1 'access_log off;
  server { listen 127.0.0.1:18081; location / { return 200 "hello from the bench backend\n"; } }'
# The peer: nginx as a reverse proxy with upstream keep-alive.
nginx_conf proxy "$NGINX_WORKERS" 'upstream backend { server 127.0.0.1:18081; keepalive 64; }
  server { listen 127.0.0.1:18082; access_log off;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } }
  server { listen 127.0.0.1:18083; access_log /dev/null;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } }'

# Konnect's manifests: /plain with no policy; /chain with apiKey + a local rate limit far above what wrk reaches.
mkdir -p "$work/manifests"
cat >"$work/manifests/bench.yaml" <<EOF
apiVersion: konnect.dev/v1alpha1
kind: KonnectRoute
metadata: { name: plain, namespace: bench }
spec:
  rules:
    - matches: [{ path: { type: PathPrefix, value: /plain } }]
      backends: [{ url: "http://127.0.0.1:18081" }]
---
apiVersion: v1
kind: Secret
metadata: { name: bench-key, namespace: bench }
stringData: { api-key: $API_KEY }
---
apiVersion: konnect.dev/v1alpha1
kind: KonnectConsumer
metadata: { name: bench, namespace: bench }
spec:
  credentials: { apiKeys: [{ secretName: bench-key }] }
---
apiVersion: konnect.dev/v1alpha1
kind: KonnectPolicy
metadata: { name: chain, namespace: bench }
spec:
  authentication: { apiKey: {} }
  rateLimit:
    key: clientIp
    limits: [{ requests: 100000000, period: 1s }]
---
apiVersion: konnect.dev/v1alpha1
kind: KonnectRoute
metadata: { name: chain, namespace: bench }
spec:
  policies: [chain]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /chain } }]
      backends: [{ url: "http://127.0.0.1:18081" }]
EOF

nginx -c "$work/backend/nginx.conf" & pids+=($!)
nginx -c "$work/proxy/nginx.conf" & pids+=($!)
"$konnect" run --manifests "$work/manifests" --listen http://127.0.0.1:18090 --admin-listen http://127.0.0.1:18091 --listen-tls none \
  --access-log off >"$work/konnect-off.log" 2>&1 & pids+=($!)
"$konnect" run --manifests "$work/manifests" --listen http://127.0.0.1:18092 --admin-listen http://127.0.0.1:18093 --listen-tls none \
  --access-log on >/dev/null 2>"$work/konnect-on.err" & pids+=($!)
"$konnect" run --manifests "$work/manifests" --listen http://127.0.0.1:18094 --admin-listen http://127.0.0.1:18095 --listen-tls none \
  --access-log off --metrics off >"$work/konnect-bare.log" 2>&1 & pids+=($!)
"$floor" 18096 18081 >"$work/floor.log" 2>&1 & pids+=($!)

wait_200() { # url [header]
  for _ in $(seq 1 300); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' ${2:+-H "$2"} "$1" || true) == 200 ]] && return 0
    sleep 0.1
  done
  echo "make bench: $1 never answered 200" >&2; cat "$work"/*.log "$work"/*.err >&2 2>/dev/null || true; exit 1
}
for url in 18081/ 18082/ 18083/ 18090/plain 18092/plain 18094/plain 18096/; do wait_200 "http://127.0.0.1:$url"; done
for port in 18090 18092; do wait_200 "http://127.0.0.1:$port/chain" "x-api-key: $API_KEY"; done
# The chain really enforces: no key, no entry.
[[ $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18092/chain) == 401 ]] \
  || { echo "make bench: /chain without a key did not answer 401" >&2; exit 1; }

# name|url|header|index in pids of the process that serves it (whose CPU time is counted)
targets=(
  "direct|http://127.0.0.1:18081/||0"
  "nginx, log off|http://127.0.0.1:18082/||1"
  "konnect plain, log off|http://127.0.0.1:18090/plain||2"
  "nginx, log on|http://127.0.0.1:18083/||1"
  "konnect chain, log on|http://127.0.0.1:18092/chain|x-api-key: $API_KEY|3"
  "konnect plain, log on|http://127.0.0.1:18092/plain||3"
  "konnect plain, both off|http://127.0.0.1:18094/plain||4"
  "floor: .NET socket relay|http://127.0.0.1:18096/||5"
)

# One wrk run; prints "rps p50_ms p99_ms". Any non-2xx response or socket error fails the bench.
run_wrk() { # duration url header
  local out
  out=$(${WRK:-wrk} -t "$THREADS" -c "$CONNECTIONS" -d "$1" --latency ${3:+-H "$3"} "$2")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then echo "make bench: errors against $2:" >&2; echo "$out" >&2; exit 1; fi
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /requests in/ { n = $1 }
    END { printf "%s %s %s %s\n", rps, p50, p99, n }' <<<"$out"
}

# CPU time (user + system, in clock ticks) of a process and its children (nginx's workers), from /proc/<pid>/stat.
# Per request it is the cost that does not depend on how the shared cores were scheduled during the run.
cpu_ticks() { # pid
  local total=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    [[ -r /proc/$p/stat ]] && total=$((total + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
  done
  echo "$total"
}
tick_us=$((1000000 / $(getconf CLK_TCK)))

echo "warming up..." >&2
for t in "${targets[@]}"; do IFS='|' read -r _ url header _ <<<"$t"; run_wrk 3s "$url" "$header" >/dev/null; done

declare -A results
for round in $(seq 1 "$ROUNDS"); do
  for i in "${!targets[@]}"; do
    IFS='|' read -r name url header served_by <<<"${targets[$i]}"
    before=$(cpu_ticks "${pids[$served_by]}")
    r=$(run_wrk "$DURATION" "$url" "$header")
    after=$(cpu_ticks "${pids[$served_by]}")
    r=$(awk -v r="$r" -v t=$((after - before)) -v us="$tick_us" 'BEGIN { split(r, f, " "); printf "%s %s %s %.2f", f[1], f[2], f[3], (f[4] > 0) ? t * us / f[4] : 0 }')
    echo "round $round  $name: $r" >&2
    results[$i]+="$r"$'\n'
  done
done

# Latency at low load: one request at a time (wrk -t1 -c$LAT_CONNECTIONS), with wrk, the backend and the process under
# test pinned to one core (taskset) and the bench's other processes moved off it. Unpinned, a lone request's tail is how long an
# idle virtual CPU takes to wake, which is worst for "direct" (the fewest processes awake): its p99 came out above the
# proxies' and no added p99 could be computed. On one core the request path runs as a sequence, so p50 is the work each
# hop does and p99 the tail of that work (collections, timers, background compilation), comparable from round to round.
LAT_CONNECTIONS=${LAT_CONNECTIONS:-1}
LAT_ROUNDS=${LAT_ROUNDS:-7}
lat_targets=(0 1 2 7)
# The cores this script may use (a cpuset need not start at 0): the last measures, the others take the rest.
cores=()
for range in $(taskset -pc $$ | sed 's/.*: //' | tr ',' ' '); do
  if [[ $range == *-* ]]; then cores+=($(seq "${range%-*}" "${range#*-}")); else cores+=("$range"); fi
done
lat_core=${cores[-1]}
others=$(IFS=,; echo "${cores[*]:0:${#cores[@]}-1}")
if [[ -z $others ]]; then
  echo "make bench: one core only: the low-load part shares it with every other process" >&2
  others=$lat_core
fi
pin() { # pid cpu-list: the process, its children (nginx's workers) and all their threads
  local p
  for p in "$1" $(pgrep -P "$1" || true); do
    taskset -a -p -c "$2" "$p" >/dev/null || { echo "make bench: could not pin process $p to cores $2" >&2; exit 1; }
  done
}
pin_for() { # index in targets: its serving process and the backend on the measuring core, the rest off it
  local pid
  for pid in "${pids[@]}"; do pin "$pid" "$others"; done
  pin "${pids[0]}" "$lat_core"; pin "${pids[${1}]}" "$lat_core"
}
run_low_load() { # duration index-in-targets: pins, then one wrk run on the measuring core
  local url header served_by
  IFS='|' read -r _ url header served_by <<<"${targets[$2]}"
  pin_for "$served_by"
  THREADS=1 CONNECTIONS=$LAT_CONNECTIONS WRK="taskset -c $lat_core wrk" run_wrk "$1" "$url" "$header"
}
# A discarded warm-up per target, this way: a .NET process keeps compiling methods at a higher tier for minutes
# (rarely called ones, like the folder rescan every 2 s and the first request of a new connection, reach the call
# count late), each compile a 1–3 ms slice on the one core that delays the request in flight (perf sched timehist).
for i in "${lat_targets[@]}"; do run_low_load "${LAT_WARMUP:-10s}" "$i" >/dev/null; done
declare -A lat_results
for round in $(seq 1 "$LAT_ROUNDS"); do
  for i in "${lat_targets[@]}"; do
    r=$(run_low_load "$DURATION" "$i")
    echo "low-load round $round  ${targets[$i]%%|*}: $r" >&2
    lat_results[$i]+="$r"$'\n'
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column_median() { awk -v c="$2" 'NF { print $c }' <<<"$1" | median; } # rounds' lines, field: its median
declare -A rps p50 p99 cpu_us
for i in "${!targets[@]}"; do
  rps[$i]=$(column_median "${results[$i]}" 1)
  p50[$i]=$(column_median "${results[$i]}" 2)
  p99[$i]=$(column_median "${results[$i]}" 3)
  cpu_us[$i]=$(column_median "${results[$i]}" 4)
done

declare -A lat_rps lat_p50 lat_p99
for i in "${lat_targets[@]}"; do
  lat_rps[$i]=$(column_median "${lat_results[$i]}" 1)
  lat_p50[$i]=$(column_median "${lat_results[$i]}" 2)
  lat_p99[$i]=$(column_median "${lat_results[$i]}" 3)
done

cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo
echo "Konnect bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($cpu), nginx $(nginx -v 2>&1 | sed 's/.*nginx\///')"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency; median of $ROUNDS interleaved rounds; nginx proxy: $NGINX_WORKERS workers, upstream keepalive 64"
echo
printf '| %-24s | %9s | %8s | %8s | %14s |\n' target RPS "p50 ms" "p99 ms" "CPU us / req"
printf '| %-24s | %9s | %8s | %8s | %14s |\n' ------------------------ --------: -------: -------: -------------:
for i in "${!targets[@]}"; do
  IFS='|' read -r name _ <<<"${targets[$i]}"
  printf '| %-24s | %9.0f | %8.3f | %8.3f | %14.1f |\n' "$name" "${rps[$i]}" "${p50[$i]}" "${p99[$i]}" "${cpu_us[$i]}"
done
echo "(CPU us / req: user + system time of the process serving the row, its workers included, per request; the backend's"
echo " for \"direct\". It does not depend on how the shared cores were scheduled, so it compares the proxies more steadily.)"
echo
echo "At low load (wrk -t1 -c$LAT_CONNECTIONS -d$DURATION --latency; wrk, the backend and the proxy pinned to core $lat_core; median of $LAT_ROUNDS interleaved rounds):"
echo
printf '| %-24s | %9s | %8s | %8s |\n' target RPS "p50 ms" "p99 ms"
printf '| %-24s | %9s | %8s | %8s |\n' ------------------------ --------: -------: -------:
for i in "${lat_targets[@]}"; do
  IFS='|' read -r name _ <<<"${targets[$i]}"
  printf '| %-24s | %9.0f | %8.3f | %8.3f |\n' "$name" "${lat_rps[$i]}" "${lat_p50[$i]}" "${lat_p99[$i]}"
done
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b == 0) ? 0 : a / b }'; }
added() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
echo "plain RPS, konnect / nginx (log off):              $(ratio "${rps[2]}" "${rps[1]}")  (target >= 1.00)"
echo "plain CPU per request, nginx / konnect (log off):  $(ratio "${cpu_us[1]}" "${cpu_us[2]}")  (the same ratio by cost: 1.00 = as cheap as nginx)"
echo "chain RPS, konnect chain (log on) / nginx log off: $(ratio "${rps[4]}" "${rps[1]}")  (target >= 0.85)"
echo "chain RPS, konnect chain / nginx (both log on):    $(ratio "${rps[4]}" "${rps[3]}")"
# A ratio of added p99s means nothing when nginx added none or Konnect's came out negative (noise): say so.
added_ratio() { awk -v n="$2" -v k="$1" 'BEGIN { if (n > 0 && k >= 0) printf "%.2f", k / n; else print "n/a" }'; }
k_added=$(added "${lat_p99[2]}" "${lat_p99[0]}"); n_added=$(added "${lat_p99[1]}" "${lat_p99[0]}")
echo "p99 added over direct at low load, konnect / nginx: $(added_ratio "$k_added" "$n_added")  (target <= 1.50; added ms: konnect $k_added, nginx $n_added)"
# The proxies' p99s side by side, and the floor's: how much of the tail any .NET process has here.
echo "p99 at low load, konnect / nginx:                   $(ratio "${lat_p99[2]}" "${lat_p99[1]}")  (ms: konnect ${lat_p99[2]}, nginx ${lat_p99[1]}, direct ${lat_p99[0]})"
k_added=$(added "${lat_p50[2]}" "${lat_p50[0]}"); n_added=$(added "${lat_p50[1]}" "${lat_p50[0]}")
echo "p50 added over direct at low load, konnect / nginx: $(added_ratio "$k_added" "$n_added")  (added ms: konnect $k_added, nginx $n_added)"
k_added=$(added "${p99[2]}" "${p99[0]}"); n_added=$(added "${p99[1]}" "${p99[0]}")
echo "p99 added over direct at full load, konnect / nginx: $(added_ratio "$k_added" "$n_added")  (added ms: konnect $k_added, nginx $n_added; mostly queueing)"
echo "plain RPS, konnect metrics off too / nginx:        $(ratio "${rps[6]}" "${rps[1]}")"
echo "konnect plain RPS, access log on / off:            $(ratio "${rps[5]}" "${rps[2]}")  (metrics on in both)"
echo "konnect plain RPS, metrics on / off:               $(ratio "${rps[2]}" "${rps[6]}")  (access log off in both)"
echo "konnect plain RPS, metrics and access log on / both off: $(ratio "${rps[5]}" "${rps[6]}")  (issue #7)"
echo "floor RPS, .NET socket relay / nginx (log off):    $(ratio "${rps[7]}" "${rps[1]}")  (no HTTP server, no features: what the runtime's sockets allow)"
echo "floor CPU per request, relay / nginx:              $(ratio "${cpu_us[7]}" "${cpu_us[1]}")"
echo
