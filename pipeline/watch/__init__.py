"""Author mode (`make watch`, `nanogpt-video watch`): save a narration line, see and hear its beat.

A `make video` rerun after a one-line edit pays fixed costs again: Python and the voice worker
starting, Manim imported, the scene laid out, the beats before the edited one played. The
watcher pays them once and keeps them:

    app.py       the command's loop: watchfiles on the narration, words, lexicon and recordings;
                 on a save, Session.update(); Ctrl-C (or SIGTERM) takes everything down
    session.py   the engine's Run, every line's voice (the neural worker stays up), the
                 timeline as `make video` builds it, the rows of the page and their clips
    warm.py      a process set up as a render process (speed-ups installed, Manim and the
                 scenes imported) forking a child per request: a layout (every beat's start
                 snapshotted, missing beats drawn), or a render from the snapshot of the first
                 beat not in the store; while the edited line is voiced, a child restores that
                 beat's snapshot ahead ("arm")
    snapshot.py  a scene's state at a beat's start, pickled and restored
    server.py    the preview page on 127.0.0.1: beats.json, status.json, server-sent events,
                 files of the media folder only
    page/        the page itself (copied into media/watch/page/ so that it too is served from
                 the media folder)

The beats it draws go to the beat store (pipeline/segments.py) under the keys `make video`
computes, drawn by the same scene code from the same state: `make video` afterwards draws none
of them (tests/test_watch.py checks the frames, and benchmarks/watch.py the count).
"""
