#!/usr/bin/env bash
# Runs the same benchmark tests in llama.cpp (node-llama-cpp, bench/llama-cpp-bench.mjs) and in Lectern
# (./lectern bench --json), one test at a time and alternating which engine goes first, so that noise from
# other work on the machine lands on both; then prints a table with the ratio Lectern / llama.cpp.
#
# usage: bench/compare.sh MODEL [--prefill 512,2048] [--decode 128] [--depth 0,8192] [--threads 2] [--reps 3]
#
# Each test runs in a fresh process of each engine (load, warm-up, repetitions). Raw JSON lines and the
# engines' progress logs are kept under target/bench/compare-<time>/ (or $BENCH_OUT).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
    sed -n 's/^# usage: //p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

[[ $# -ge 1 && "$1" != -* ]] || usage
model="$1"
shift
[[ -f "$model" ]] || { echo "compare.sh: no such model file: $model" >&2; exit 1; }
prefill="512,2048"
decode="128"
depths="0,8192"
threads=2
reps=3
while [[ $# -gt 0 ]]; do
    [[ $# -ge 2 ]] || usage
    case "$1" in
        --prefill) prefill="$2" ;;
        --decode) decode="$2" ;;
        --depth) depths="$2" ;;
        --threads) threads="$2" ;;
        --reps) reps="$2" ;;
        *) usage ;;
    esac
    shift 2
done

out="${BENCH_OUT:-$root/target/bench/compare-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"

# One test per entry: "prefill N" or "decode N DEPTH".
tests=()
IFS=, read -ra prefill_sizes <<< "$prefill"
IFS=, read -ra decode_sizes <<< "$decode"
IFS=, read -ra depth_sizes <<< "$depths"
for n in "${prefill_sizes[@]}"; do
    [[ "$n" -gt 0 ]] && tests+=("prefill $n")
done
for depth in "${depth_sizes[@]}"; do
    for n in "${decode_sizes[@]}"; do
        [[ "$n" -gt 0 ]] && tests+=("decode $n $depth")
    done
done
[[ ${#tests[@]} -gt 0 ]] || { echo "compare.sh: nothing to measure" >&2; exit 2; }

# Arguments selecting one test, the same for both engines.
test_arguments() {
    local kind="$1" n="$2" depth="${3:-0}"
    if [[ "$kind" == prefill ]]; then
        echo "--prefill $n --decode 0 --depth 0"
    else
        echo "--prefill 0 --decode $n --depth $depth"
    fi
}

# Runs one engine on one test; tags its JSON lines with the engine and the load average before it ran.
run_engine() {
    local engine="$1" log="$2"
    shift 2
    local load
    load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo null)"
    local lines
    if [[ "$engine" == llama.cpp ]]; then
        lines="$(node "$root/bench/llama-cpp-bench.mjs" --model "$model" --threads "$threads" --reps "$reps" "$@" 2>>"$log")"
    else
        lines="$("$root/lectern" bench --model "$model" --threads "$threads" --reps "$reps" --json "$@" 2>>"$log")"
    fi
    while IFS= read -r line; do
        [[ -n "$line" ]] && echo "{\"engine\":\"$engine\",\"load_before\":$load,${line#\{}" >> "$results"
    done <<< "$lines"
}

# Build Lectern's jar now, so the first timed test does not wait for it.
"$root/lectern" --version > /dev/null

echo "model $model, $threads threads, $reps repetitions; logs in $out" >&2
index=0
for entry in "${tests[@]}"; do
    read -ra test <<< "$entry"
    # shellcheck disable=SC2207
    arguments=($(test_arguments "${test[@]}"))
    if (( index % 2 == 0 )); then order=(llama.cpp lectern); else order=(lectern llama.cpp); fi
    for engine in "${order[@]}"; do
        echo "[$((index + 1))/${#tests[@]}] ${entry} in $engine..." >&2
        run_engine "$engine" "$out/$engine.log" "${arguments[@]}"
    done
    index=$((index + 1))
done

node "$root/bench/compare-table.mjs" "$results" | tee "$out/table.md"
