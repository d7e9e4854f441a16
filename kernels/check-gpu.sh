#!/usr/bin/env bash
# Prints what the admin page's GPU panel shows (NVML through FFM: name, utilization, memory, temperature,
# power), three samples half a second apart. For a GPU machine without network: it needs only a Java 25
# JDK and the NVIDIA driver, and compiles the four classes it uses from the sources (a few seconds).
# Exit status: 0 with the GPUs, 2 when NVML is not available here (the page then shows the CPU).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
java_home=""
for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*25*; do
    if [[ -n "$candidate" && -x "$candidate/bin/javac" ]] \
        && "$candidate/bin/java" -version 2>&1 | grep -q '"25'; then
        java_home="$candidate"
        break
    fi
done
[[ -n "$java_home" ]] || { echo "check-gpu: needs a Java 25 JDK (set JAVA_HOME or install one under /usr/lib/jvm)" >&2; exit 1; }

classes="$(mktemp -d)"
trap 'rm -rf "$classes"' EXIT
admin="$root/src/main/java/dev/lectern/admin"
"$java_home/bin/javac" -d "$classes" "$admin/Nvml.java" "$admin/NvmlCheck.java" "$admin/GpuStats.java" \
    "$admin/NvmlUnavailableException.java"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw \
    --format=csv || echo "(no nvidia-smi to compare with)"
exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -cp "$classes" dev.lectern.admin.NvmlCheck "$@"
