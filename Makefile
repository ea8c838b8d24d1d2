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

VENV := .venv
BIN  := $(VENV)/bin
# The locale is pinned so a LANG=en from the command line never reaches Python as a locale.
CLI  := env LANG=C.UTF-8 $(BIN)/nanogpt-video
RENDER_ARGS := --input "$(INPUT)" --lang "$(VIDEO_LANG)" --quality "$(QUALITY)" --voice "$(VOICE)"

.PHONY: setup test video scene slides stills weights eval bench doctor clean

setup:
	@bash tools/setup.sh

test: setup
	$(BIN)/python -m pytest

video: setup
	$(CLI) render $(RENDER_ARGS)

scene: setup
	$(CLI) scene "$(SCENE)" $(RENDER_ARGS)

slides: setup
	$(CLI) slides $(RENDER_ARGS)

stills: setup
	$(CLI) stills --input "$(INPUT)" --lang "$(VIDEO_LANG)"

weights: setup
	$(CLI) train --out engine/weights/sort.npz

eval: setup
	$(CLI) eval

bench: setup
	$(BIN)/python benchmarks/engine.py

doctor: setup
	$(CLI) doctor

clean:
	rm -rf media/
