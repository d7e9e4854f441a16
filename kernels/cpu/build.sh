#!/bin/sh
# Builds the native CPU kernels into one shared library: lectern_cpu.c for any x86-64, avx2.c twice (AVX2,
# then AVX-VNNI), avx512.c for AVX-512. Each instruction set's object is compiled with its own -m flags, so
# its kernels use those instructions freely; the Java side calls a set's functions only on a CPU that has it
# (lectern_cpu_supports_*). A compiler too old for one set (AVX-VNNI needs GCC 11 or Clang 12) leaves that
# set out, with a message; the others still build.
#
# usage: kernels/cpu/build.sh OUTPUT.so        (run by Maven's native-cpu-kernels step)
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
out="$1"
cc="${CC:-cc}"
sources="$here/lectern_cpu.h $here/lectern_cpu.c $here/avx2.c $here/avx512.c $here/build.sh"
if [ -f "$out" ]; then
    stale=no
    for source in $sources; do
        [ "$source" -nt "$out" ] && stale=yes
    done
    [ "$stale" = no ] && exit 0
fi
mkdir -p "$(dirname "$out")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
flags="-O3 -Wall -Wextra -Werror -std=gnu11 -fPIC"
haswell="-mavx2 -mfma -mf16c"
"$cc" $flags -c "$here/lectern_cpu.c" -o "$work/lectern_cpu.o"
built=""
object() {
    name="$1"
    shift
    if "$cc" $flags "$@" -o "$work/$name.o" 2> "$work/$name.err"; then
        built="$built $name"
    else
        echo "native kernels: $name left out, the compiler refused it:" >&2
        cat "$work/$name.err" >&2
    fi
}
object avx2 $haswell -c "$here/avx2.c"
object avxvnni $haswell -mavxvnni -DLECTERN_AVXVNNI -c "$here/avx2.c"
object avx512 $haswell -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vnni -mavx512vbmi -c "$here/avx512.c"
"$cc" -shared -o "$out.tmp" "$work"/*.o -lm
mv "$out.tmp" "$out"
echo "native kernels: built $out (${built# })"
