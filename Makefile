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

VENV := .venv
BIN  := $(VENV)/bin
# The locale is pinned so a LANG=en from the command line never reaches Python as a locale.
CLI  := env LANG=C.UTF-8 $(BIN)/nanogpt-video
RENDER_ARGS := --input "$(INPUT)" --lang "$(VIDEO_LANG)" --quality "$(QUALITY)" --voice "$(VOICE)" \
               $(if $(JOBS),--jobs "$(JOBS)")

.PHONY: setup test video scene slides stills weights eval bench bench-render doctor clean

setup:
	@bash tools/setup.sh

test: setup
	$(BIN)/python -m pytest

video: setup voices
	$(CLI) render $(RENDER_ARGS)

scene: setup
	$(CLI) scene "$(SCENE)" $(RENDER_ARGS)

# SCENE is optional here: one scene's deck, else every scene's.
slides: setup
	$(CLI) slides $(RENDER_ARGS) $(SCENE)

stills: setup
	$(CLI) stills --input "$(INPUT)" --lang "$(VIDEO_LANG)" --voice "$(VOICE)" \
	  $(if $(JOBS),--jobs "$(JOBS)") $(SCENE)

weights: setup
	$(CLI) train --out engine/weights/sort.npz

eval: setup
	$(CLI) eval

bench: setup
	$(BIN)/python benchmarks/engine.py

# Renders the whole video at low and high quality (slow: about 30 min on 2 cores).
bench-render: setup
	$(BIN)/python benchmarks/render.py

# The neural voice of the video's language (VOICE=auto or neural), installed the first time
# into .venv-voice-<lang> (tools/voices/install.sh); if that fails, espeak-ng speaks instead.
.PHONY: voices
voices:
	@case "$(VOICE)" in auto|neural) bash tools/voices/install.sh "$(VIDEO_LANG)" || true ;; esac

doctor: setup
	$(CLI) doctor

clean:
	rm -rf media/
