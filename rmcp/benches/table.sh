#!/usr/bin/env bash
# Runs every criterion bench of ipmi-core and rmcp (release build) with a short measurement time
# and prints the results as markdown tables (median of each bench):
#   wire layers parse/emit ns, command bodies parse/emit ns (min/median/max and the full list),
#   endpoint cost per in-session request vs the raw crypto with the ratio, handshake µs per suite.
#
#   rmcp/benches/table.sh                 run (a few minutes on 2 cores) and print
#   NO_RUN=1 rmcp/benches/table.sh        print the tables from the last run's results
#   WARMUP=1 MEASURE=3 rmcp/benches/table.sh   longer, steadier run
#
# Results are read from $CARGO_TARGET_DIR/criterion (default target/criterion); the cargo output
# goes to $CARGO_TARGET_DIR/bench-table.log. Needs python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}
log="$target/bench-table.log"
args=(--warm-up-time "${WARMUP:-0.3}" --measurement-time "${MEASURE:-0.7}" --nresamples 10000)
since=0
if [ "${NO_RUN:-0}" != 1 ]; then
    mkdir -p "$target"
    since=$(date +%s)
    echo "running benches (log: $log) ..." >&2
    {
        cargo bench -p ipmi-core --bench commands -- "${args[@]}"
        cargo bench -p rmcp --bench wire --bench endpoint --bench handshake -- "${args[@]}"
    } >"$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
fi

python3 - "$target/criterion" "$since" "$log" <<'EOF'
import json, os, statistics, sys

root, since, log = sys.argv[1], float(sys.argv[2]), sys.argv[3]
# The endpoint bench's interleaved ratio lines: `ratio suite=3 handle_ns=... ...`.
ratios = {}
if os.path.exists(log):
    for line in open(log):
        if line.startswith("ratio "):
            kv = dict(f.split("=", 1) for f in line.split()[1:])
            ratios[int(kv["suite"])] = kv
res = {}  # full_id -> median ns
for group in ("command-request", "command-response", "wire", "endpoint", "handshake"):
    for dirpath, _, files in os.walk(os.path.join(root, group)):
        if not dirpath.endswith(os.sep + "new") or "estimates.json" not in files:
            continue
        est = os.path.join(dirpath, "estimates.json")
        if os.path.getmtime(est) < since:
            continue  # stale: from an earlier run with other ids
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            full_id = json.load(f)["full_id"]
        with open(est) as f:
            res[full_id] = json.load(f)["median"]["point_estimate"]

if not res:
    sys.exit("no criterion results under " + root)

def ns(v):
    return "-" if v is None else (f"{v:.1f}" if v < 100 else f"{v:.0f}")

def us(v):
    return "-" if v is None else f"{v / 1000:.2f}"

print(f"<!-- {len(res)} benchmarks, median of each; machine: {os.cpu_count()} CPUs -->\n")

# Wire layers.
layers = []
for fid in res:
    parts = fid.split("/")
    if parts[0] == "wire" and parts[2] not in layers:
        layers.append(parts[2])
order = ["rmcp-header", "asf-ping", "asf-pong", "datagram-asf", "datagram-v15", "datagram-v20",
         "v15-session", "v15-session-md5", "v20-header", "v20-packet-trailer",
         "open-session-request", "open-session-response", "rakp1", "rakp2", "rakp3", "rakp4",
         "lan-request", "lan-response"]
print("### Wire layers (ns per message)\n")
print("| layer | parse | emit |\n|---|---:|---:|")
for l in [l for l in order if l in layers] + [l for l in layers if l not in order and not l.startswith("suite-")]:
    print(f"| {l} | {ns(res.get(f'wire/parse/{l}'))} | {ns(res.get(f'wire/emit/{l}'))} |")
print("\nWhole in-session RMCP+ packet, wire work plus the suite's crypto (ns):\n")
print("| suite | open (verify, decrypt) | seal (encrypt, sign) |\n|---|---:|---:|")
for s in sorted({int(f.split("-")[-1]) for f in res if f.startswith("wire/open/suite-")}):
    print(f"| {s} | {ns(res.get(f'wire/open/suite-{s}'))} | {ns(res.get(f'wire/seal/suite-{s}'))} |")

# Commands.
cmds = []
for fid in res:
    p = fid.split("/")
    if p[0].startswith("command-") and p[2] not in cmds:
        cmds.append(p[2])
print("\n### Command bodies (ns per message)\n")
print("| | min | median | max |\n|---|---:|---:|---:|")
for d in ("request", "response"):
    for op in ("parse", "emit"):
        v = [res[f"command-{d}/{op}/{c}"] for c in cmds if f"command-{d}/{op}/{c}" in res]
        if v:
            print(f"| {d} {op} ({len(v)} commands) | {ns(min(v))} | {ns(statistics.median(v))} | {ns(max(v))} |")
print("\n<details><summary>every command</summary>\n")
print("| command | request parse | request emit | response parse | response emit |\n|---|---:|---:|---:|---:|")
for c in cmds:
    print(f"| {c} | " + " | ".join(ns(res.get(f"command-{d}/{op}/{c}")) for d in ("request", "response") for op in ("parse", "emit")) + " |")
print("\n</details>")

# Endpoint vs raw crypto.
print("\n### Endpoint cost per in-session request vs the raw crypto (µs)\n")
print("| suite | Endpoint::handle, Get Device ID | handle + complete, Get Chassis Status | raw crypto via SessionKeys | raw crypto, pre-keyed HMAC/AES | handle / SessionKeys | handle / pre-keyed |")
print("|---|---:|---:|---:|---:|---:|---:|")
for s in (3, 17):
    h = res.get(f"endpoint/handle/get-device-id/suite-{s}")
    hc = res.get(f"endpoint/handle+complete/get-chassis-status/suite-{s}")
    rk = res.get(f"endpoint/raw-keys/get-device-id/suite-{s}")
    rp = res.get(f"endpoint/raw-prekeyed/get-device-id/suite-{s}")
    r = ratios.get(s, {})
    print(f"| {s} | {us(h)} | {us(hc)} | {us(rk)} | {us(rp)} | {r.get('handle_over_keys', '-')} | {r.get('handle_over_prekeyed', '-')} |")
if ratios:
    r = next(iter(ratios.values()))
    print(f"\nRatios: measured interleaved ({r['rounds']} rounds of handle / SessionKeys / pre-keyed on the"
          " same request and reply bytes, median of the per-round ratios), so that load drifting on"
          " a shared machine cancels out. Per-call times of that run: "
          + "; ".join(f"suite {k}: {int(v['handle_ns'])/1000:.2f} / {int(v['keys_ns'])/1000:.2f} / {int(v['prekeyed_ns'])/1000:.2f} µs"
                      for k, v in sorted(ratios.items())) + ".")

# Handshake.
print("\n### One RMCP+ handshake (Open Session, RAKP1-4), µs\n")
print("| suite | BMC side (Endpoint::handle x3) | whole exchange (rmcp::client + Endpoint) |\n|---|---:|---:|")
for s in sorted({int(f.split("-")[-1]) for f in res if f.startswith("handshake/")}):
    print(f"| {s} | {us(res.get(f'handshake/bmc/suite-{s}'))} | {us(res.get(f'handshake/exchange/suite-{s}'))} |")
EOF
