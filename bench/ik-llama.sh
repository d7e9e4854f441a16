#!/usr/bin/env bash
# Builds ik_llama.cpp's llama-bench (CPU only) from the source tarball in ../shared/peers/ik_llama.cpp for
# one instruction set, once per machine, and prints its path. The peer's own build.sh builds with
# -march=native only; bench/compare.sh --isa avx2 needs the AVX2 build to compare like with like.
#
# usage: bench/ik-llama.sh [native|avx512|avxvnni|avx2]      (default native)
#
# The binary is cached under ~/.cache/lectern-peers/ (~15 minutes on 2 cores the first time, at nice 10).
# LECTERN_PEERS overrides where the tarball is looked for.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peer="${LECTERN_PEERS:-$root/../../shared/peers}/ik_llama.cpp"
[[ -f "$peer/ik_llama.cpp-src.tar.xz" ]] || peer=/work/shared/peers/ik_llama.cpp
[[ -f "$peer/ik_llama.cpp-src.tar.xz" ]] || { echo "ik-llama.sh: no ik_llama.cpp-src.tar.xz (set LECTERN_PEERS)" >&2; exit 1; }
isa="${1:-native}"
case "$isa" in
    native) flags=(-DGGML_NATIVE=ON) ;;
    # The x86 variants as llama.cpp's own CPU builds define them: haswell = AVX2+FMA+F16C, alderlake adds
    # AVX-VNNI, zen4/icelake class = AVX-512 with VNNI, VBMI and BF16.
    avx2) flags=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON) ;;
    avxvnni) flags=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVXVNNI=ON) ;;
    avx512) flags=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON
                   -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON) ;;
    *) echo "usage: bench/ik-llama.sh [native|avx512|avxvnni|avx2]" >&2; exit 2 ;;
esac
cpu=$( (grep -m1 'model name' /proc/cpuinfo; grep -m1 '^flags' /proc/cpuinfo) | sha256sum | cut -c1-12)
out="${HOME}/.cache/lectern-peers/ik_llama.cpp-$(cut -c1-9 "$peer/COMMIT")-$isa-$cpu"
if [[ ! -x "$out/llama-bench" ]]; then
    for tool in cmake g++ make; do
        command -v $tool >/dev/null || { echo "ik-llama.sh: needs $tool (apt-get install -y cmake g++ make)" >&2; exit 1; }
    done
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    tar -xJf "$peer/ik_llama.cpp-src.tar.xz" -C "$work"
    cmake -S "$work" -B "$work/build" -DCMAKE_BUILD_TYPE=Release "${flags[@]}" -DLLAMA_CURL=OFF \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DGGML_IQK_FA_ALL_QUANTS=OFF >&2
    nice -n 10 cmake --build "$work/build" -j "$(nproc)" --target llama-bench >&2
    mkdir -p "$out/lib"
    cp "$work"/build/bin/llama-bench "$out/lib/llama-bench.bin"
    find "$work/build" -name '*.so*' -exec cp -P {} "$out/lib/" \;
    printf '#!/bin/sh\nLD_LIBRARY_PATH="%s/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "%s/lib/llama-bench.bin" "$@"\n' \
        "$out" "$out" > "$out/llama-bench"
    chmod +x "$out/llama-bench"
fi
echo "$out/llama-bench"
