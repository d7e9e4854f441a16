#!/usr/bin/env bash
# Runs the same benchmark tests in llama.cpp (node-llama-cpp, bench/llama-cpp-bench.mjs), in Lectern
# (./lectern bench --json) and, with --ik, in ik_llama.cpp (its llama-bench, bench/ik-llama-bench.mjs), one
# test at a time and rotating which engine goes first, so that noise from other work on the machine lands on
# all; then prints a table with the ratios Lectern / llama.cpp (and Lectern / ik_llama.cpp).
#
# usage: bench/compare.sh MODEL [--prefill 512,2048] [--prefill-depth 0] [--decode 128] [--depth 0,8192]
#                         [--threads 2] [--reps 3] [--isa native|avx512|avxvnni|avx2] [--kv f16|q8_0] [--ik]
#                         [--one-process]
#
# --isa compares like with like on any machine: llama.cpp restricted to its CPU variant for that instruction
# set (a copy of node-llama-cpp's binaries holding only libggml-cpu-haswell.so for avx2, -alderlake for
# avxvnni, -icelake for avx512), Lectern forced to it (-Dlectern.cpu.isa, and -XX:UseAVX=2 below AVX-512 so
# its Java code is AVX2 code too), ik_llama.cpp built for it (bench/ik-llama.sh). native (the default) lets
# each engine pick the best the CPU has. --kv q8_0 stores the KV cache in Q8_0 in every engine.
#
# Each test runs in a fresh process of each engine (load, warm-up, repetitions); with --one-process each engine
# runs all tests in one process instead, so a long context prompt is evaluated once (the decode test at depth
# 32K extends the prefill test's 16K; ik_llama.cpp's llama-bench evaluates it per test regardless). Raw JSON
# lines and the engines' progress logs are kept under target/bench/compare-<time>/ (or $BENCH_OUT).
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
prefill_depths="0"
decode="128"
depths="0,8192"
threads=2
reps=3
isa=native
kv=f16
engines=(llama.cpp lectern)
one_process=no
while [[ $# -gt 0 ]]; do
    if [[ "$1" == --ik ]]; then
        engines+=(ik_llama.cpp)
        shift
        continue
    fi
    if [[ "$1" == --one-process ]]; then
        one_process=yes
        shift
        continue
    fi
    [[ $# -ge 2 ]] || usage
    case "$1" in
        --prefill) prefill="$2" ;;
        --prefill-depth) prefill_depths="$2" ;;
        --decode) decode="$2" ;;
        --depth) depths="$2" ;;
        --threads) threads="$2" ;;
        --reps) reps="$2" ;;
        --isa) isa="$2" ;;
        --kv) kv="$2" ;;
        *) usage ;;
    esac
    shift 2
done

case "$isa" in
    native) llama_variant="" ; lectern_opts="" ;;
    avx512) llama_variant=icelake ; lectern_opts="-Dlectern.cpu.isa=avx512" ;;
    avxvnni) llama_variant=alderlake ; lectern_opts="-Dlectern.cpu.isa=avxvnni -XX:UseAVX=2" ;;
    avx2) llama_variant=haswell ; lectern_opts="-Dlectern.cpu.isa=avx2 -XX:UseAVX=2" ;;
    *) echo "compare.sh: --isa takes native, avx512, avxvnni or avx2, not $isa" >&2; exit 2 ;;
esac
[[ "$kv" == f16 || "$kv" == q8_0 ]] || { echo "compare.sh: --kv takes f16 or q8_0, not $kv" >&2; exit 2; }

# llama.cpp restricted to one CPU variant: node-llama-cpp loads every libggml-cpu-*.so in its bins folder and
# picks the best the CPU runs, so the copy holds only the one wanted. Its own JS is copied too (Node resolves
# a package from its real path), every other package is linked.
node_modules="$root/frontend/node_modules"
if [[ -n "$llama_variant" ]]; then
    node_modules="$root/target/bench/llama-cpp-$llama_variant/node_modules"
    if [[ ! -f "$node_modules/.complete" ]]; then
        rm -rf "$node_modules"
        mkdir -p "$node_modules/@node-llama-cpp"
        for entry in "$root/frontend/node_modules"/* "$root/frontend/node_modules"/.bin; do
            name="$(basename "$entry")"
            [[ "$name" == node-llama-cpp || "$name" == @node-llama-cpp ]] || ln -s "$entry" "$node_modules/$name"
        done
        cp -a "$root/frontend/node_modules/node-llama-cpp" "$node_modules/"
        cp -a "$root/frontend/node_modules/@node-llama-cpp/linux-x64" "$node_modules/@node-llama-cpp/"
        found=no
        for library in "$node_modules"/@node-llama-cpp/linux-x64/bins/*/libggml-cpu-*.so; do
            if [[ "$(basename "$library")" == "libggml-cpu-$llama_variant.so" ]]; then found=yes; else rm "$library"; fi
        done
        [[ "$found" == yes ]] || { echo "compare.sh: node-llama-cpp has no libggml-cpu-$llama_variant.so" >&2; exit 1; }
        touch "$node_modules/.complete"
    fi
fi

out="${BENCH_OUT:-$root/target/bench/compare-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"

# One test per entry: "prefill N DEPTH" or "decode N DEPTH".
tests=()
IFS=, read -ra prefill_sizes <<< "$prefill"
IFS=, read -ra prefill_depth_sizes <<< "$prefill_depths"
IFS=, read -ra decode_sizes <<< "$decode"
IFS=, read -ra depth_sizes <<< "$depths"
for depth in "${prefill_depth_sizes[@]}"; do
    for n in "${prefill_sizes[@]}"; do
        [[ "$n" -gt 0 ]] && tests+=("prefill $n $depth")
    done
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
    if [[ "$kind" == all ]]; then
        echo "--prefill $2 --prefill-depth $3 --decode $4 --depth $5"
    elif [[ "$kind" == prefill ]]; then
        echo "--prefill $n --prefill-depth $depth --decode 0 --depth 0"
    else
        echo "--prefill 0 --prefill-depth 0 --decode $n --depth $depth"
    fi
}

# Runs one engine on one test; tags its JSON lines with the engine and the load average before it ran.
run_engine() {
    local engine="$1" log="$2"
    shift 2
    local load
    load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo null)"
    local lines status=0
    if [[ "$engine" == llama.cpp ]]; then
        lines="$(node "$root/bench/llama-cpp-bench.mjs" --model "$model" --threads "$threads" --reps "$reps" \
            --kv "$kv" --node-modules "$node_modules" "$@" 2>>"$log")" || status=$?
    elif [[ "$engine" == ik_llama.cpp ]]; then
        lines="$(node "$root/bench/ik-llama-bench.mjs" --model "$model" --threads "$threads" --reps "$reps" \
            --kv "$kv" --isa "$isa" "$@" 2>>"$log")" || status=$?
    else
        lines="$(LECTERN_JAVA_OPTS="${LECTERN_JAVA_OPTS:-} $lectern_opts" "$root/lectern" bench --model "$model" \
            --threads "$threads" --reps "$reps" --kv "$kv" --json "$@" 2>>"$log")" || status=$?
    fi
    # One engine failing (a peer that lacks a test, a crash) leaves its cells "failed", not the whole run.
    if (( status != 0 )); then
        echo "compare.sh: $engine exited with $status on $* (see $log)" >&2
    fi
    while IFS= read -r line; do
        [[ -n "$line" ]] && echo "{\"engine\":\"$engine\",\"load_before\":$load,${line#\{}" >> "$results"
    done <<< "$lines"
}

# Build Lectern's jar (and ik_llama.cpp, the first time) now, so the first timed test does not wait for them.
"$root/lectern" --version > /dev/null
if [[ " ${engines[*]} " == *" ik_llama.cpp "* ]]; then
    "$root/bench/ik-llama.sh" "$isa" > /dev/null
fi

echo "model $model, $threads threads, $reps repetitions, instruction set $isa, KV $kv; logs in $out" >&2
{ echo "date $(date -u +%FT%TZ)"; lscpu | grep -E '^(Model name|CPU\(s\)|Flags)'; } > "$out/machine.txt"
if [[ "$one_process" == yes ]]; then
    # Prefill tests first, then decode tests, as lectern bench and llama-cpp-bench.mjs order them.
    tests=("all $prefill $prefill_depths $decode $depths")
fi
index=0
for entry in "${tests[@]}"; do
    read -ra test <<< "$entry"
    # shellcheck disable=SC2207
    arguments=($(test_arguments "${test[@]}"))
    # Rotate which engine goes first.
    order=("${engines[@]:index % ${#engines[@]}}" "${engines[@]:0:index % ${#engines[@]}}")
    for engine in "${order[@]}"; do
        echo "[$((index + 1))/${#tests[@]}] ${entry} in $engine..." >&2
        run_engine "$engine" "$out/$engine.log" "${arguments[@]}"
    done
    index=$((index + 1))
done

node "$root/bench/compare-table.mjs" "$results" | tee "$out/table.md"
