# The two commands a newcomer needs: `make video` and `make test`. Both set up first.
INPUT   ?= CBABBC
# LANG is also the locale variable every shell exports, so only a LANG given on the make
# command line (make video LANG=en) picks the narration language; otherwise Chinese.
ifeq ($(origin LANG),command line)
  VIDEO_LANG := $(LANG)
else
  VIDEO_LANG := zh
endif
QUALITY ?= high
VOICE   ?= auto
SCENE   ?=
JOBS    ?=

# Every value reaches the recipes as an environment variable that the shell reads as data
# ("$$INPUT"), never pasted into the command line: a quote, ;, $$(...) or a backtick in a value
# is just a bad value (one line, exit code 2), never a command.
export INPUT VIDEO_LANG QUALITY VOICE SCENE JOBS

VENV := .venv
BIN  := $(VENV)/bin
# The locale is pinned so a LANG=en from the command line never reaches Python as a locale.
CLI  := env LANG=C.UTF-8 $(BIN)/nanogpt-video
# --opt="$$VALUE" keeps a value starting with '-' a value; JOBS is optional.
SETTINGS    := --input="$$INPUT" --lang="$$VIDEO_LANG" --voice="$$VOICE" $${JOBS:+--jobs="$$JOBS"}
RENDER_ARGS := $(SETTINGS) --quality="$$QUALITY"

.PHONY: setup test video scene slides stills weights eval bench bench-render doctor clean

setup:
	@bash tools/setup.sh

test: setup
	$(BIN)/python -m pytest

video: setup
	$(CLI) render $(RENDER_ARGS)

scene: setup
	$(CLI) scene $(RENDER_ARGS) -- "$$SCENE"

# SCENE is optional here: one scene's deck, else every scene's.
slides: setup
	$(CLI) slides $(RENDER_ARGS) -- $${SCENE:+"$$SCENE"}

stills: setup
	$(CLI) stills $(SETTINGS) -- $${SCENE:+"$$SCENE"}

weights: setup
	$(CLI) train --out engine/weights/sort.npz

eval: setup
	$(CLI) eval

bench: setup
	$(BIN)/python benchmarks/engine.py

# Renders the whole video at low and high quality (slow: about 30 min on 2 cores).
bench-render: setup
	$(BIN)/python benchmarks/render.py

doctor: setup
	$(CLI) doctor

clean:
	rm -rf media/
