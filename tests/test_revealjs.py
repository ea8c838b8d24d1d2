"""reveal.js for the offline deck (pipeline/revealjs.py): only a tarball matching the npm
registry's sha512 integrity is used, and a deck gets its dist/ and LICENSE."""
from __future__ import annotations

import io

import pytest

from pipeline import revealjs


def test_a_deck_gets_reveal_dist_and_licence(tmp_path):
    try:
        revealjs.fetch()
    except revealjs.RevealMissing as err:  # no cache and no registry: nothing to check here
        pytest.skip(str(err))
    folder = revealjs.install(tmp_path / "deck_assets")
    assert folder == tmp_path / "deck_assets" / "revealjs"
    for name in ("LICENSE", "dist/reveal.js", "dist/reveal.css", "dist/theme/black.css",
                 "dist/plugin/notes.js", "dist/plugin/markdown.js", "dist/plugin/highlight/zenburn.css"):
        assert (folder / name).is_file(), name
    assert "MIT" in (folder / "LICENSE").read_text()
    assert not list(folder.rglob("*.d.ts")) and not list(tmp_path.glob("deck_assets/.*"))


def test_a_tarball_not_matching_its_integrity_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("NANOGPT_REVEAL_CACHE", str(tmp_path))
    (tmp_path / f"reveal.js-{revealjs.VERSION}.tgz").write_bytes(b"not reveal.js")  # a bad cache
    monkeypatch.setattr("urllib.request.urlopen",
                        lambda url, timeout: io.BytesIO(b"tampered"))
    with pytest.raises(revealjs.RevealMissing, match="does not match its sha512"):
        revealjs.fetch()
    assert (tmp_path / f"reveal.js-{revealjs.VERSION}.tgz").read_bytes() == b"not reveal.js"


def test_no_cache_and_no_network_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("NANOGPT_REVEAL_CACHE", str(tmp_path))

    def offline(url, timeout):
        raise OSError("network is unreachable")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(revealjs.RevealMissing, match="run `make setup` once with a network"):
        revealjs.install(tmp_path / "deck_assets")
    assert not (tmp_path / "deck_assets").exists()
