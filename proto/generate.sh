#!/usr/bin/env bash
# Regenerates everything derived from proto/**/*.proto. It is the only writer of
# Sources/CProtos and Sources/Protos/Generated; CI reruns it and fails on `git diff`.
#
#   proto/generate.sh            # from anywhere in the repo
#
# Needs protoc-c (Debian protobuf-c-compiler), protoc (protobuf-compiler), python3 (no
# packages) and the Swift toolchain (for swift-format). The output depends only on the .proto files and the tool versions.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

for tool in protoc protoc-c python3 swift; do
    command -v "$tool" >/dev/null || { echo "generate.sh: $tool is not installed" >&2; exit 1; }
done

c_target="Sources/CProtos"
swift_dir="Sources/Protos/Generated"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# Every .proto, in a fixed order, as paths relative to proto/.
mapfile -t protos < <(cd proto && find . -name '*.proto' -print | sed 's|^\./||' | LC_ALL=C sort)
if [ "${#protos[@]}" -eq 0 ]; then
    echo "generate.sh: no .proto files under proto/" >&2
    exit 1
fi

# 1. protoc-c: <area>/v1/x.pb-c.c next to its header, in a scratch tree.
mkdir -p "$scratch/c"
(cd proto && protoc-c --c_out="$scratch/c" "${protos[@]}")

# 2. The descriptor set, with comments, for the Swift generator.
(cd proto && protoc --include_source_info --descriptor_set_out="$scratch/set.pb" "${protos[@]}")

# 3. Replace the generated files. Headers keep the proto path under include/, because the
#    .c files include "asr/v1/asr.pb-c.h"; there is deliberately no umbrella header.
find "$c_target" -mindepth 1 -delete 2>/dev/null || true
mkdir -p "$c_target/include"
for proto in "${protos[@]}"; do
    stem="${proto%.proto}"
    mkdir -p "$c_target/$(dirname "$stem")" "$c_target/include/$(dirname "$stem")"
    cp "$scratch/c/$stem.pb-c.c" "$c_target/$stem.pb-c.c"
    cp "$scratch/c/$stem.pb-c.h" "$c_target/include/$stem.pb-c.h"
done

rm -rf "$swift_dir"
mkdir -p "$swift_dir"

# 4. The C descriptor registry and the Swift code.
python3 -B proto/generator/protogen.py \
    --descriptor-set "$scratch/set.pb" \
    --c-dir "$scratch/c" \
    --registry-c "$c_target/registry.c" \
    --registry-h "$c_target/include/voiceshop_registry.h" \
    --swift-dir "$swift_dir"

# 5. Lay the Swift out in the house style (4 spaces, 120 columns) with the toolchain's
#    swift-format and a pinned configuration, so the output passes `swift format lint`.
swift format format --in-place --configuration proto/generator/swift-format.json "$swift_dir"/*.swift

echo "generate.sh: ${#protos[@]} proto files -> $c_target, $swift_dir"
