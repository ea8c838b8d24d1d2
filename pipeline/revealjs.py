"""reveal.js for the HTML deck, carried with it so the deck opens without a network.

The pinned reveal.js release is taken once from the npm registry, checked against the
registry's sha512 integrity, and kept in a user cache; each deck gets a copy of its dist/
folder (reveal.js, its themes and plugins: the speaker view is plugin/notes.js) and LICENSE in
<deck>_assets/revealjs/ and loads them from there (pipeline/deck_html.py), never from a CDN.

    python -m pipeline.revealjs      # fetch into the cache now (tools/setup.sh does this)
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import sys
from pathlib import Path

from common.files import atomic_write

VERSION = "6.0.1"  # the version pipeline/deck_html.py's page is written for
TARBALL = f"https://registry.npmjs.org/reveal.js/-/reveal.js-{VERSION}.tgz"
# The npm registry's "dist.integrity" of reveal.js@6.0.1 (npm view reveal.js@6.0.1 dist.integrity)
INTEGRITY = "sha512-9eacArNIgqO2HGWOK+93gJNn+gvdGDVbSq+i2u3Ja9kjiHps0XNLpgYTZTYjKRH91uXy3clGimeGiw4umHG/tg=="
FOLDER = "revealjs"  # inside <deck>_assets/


class RevealMissing(RuntimeError):
    """reveal.js is not cached and cannot be fetched; the message says what to do."""


def cache_dir() -> Path:
    """$NANOGPT_REVEAL_CACHE, else $XDG_CACHE_HOME/nanogpt-explained (~/.cache/...)."""
    explicit = os.environ.get("NANOGPT_REVEAL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nanogpt-explained"


def tarball_path() -> Path:
    return cache_dir() / f"reveal.js-{VERSION}.tgz"


def verified(data: bytes) -> bool:
    algorithm, _, expected = INTEGRITY.partition("-")
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode() == expected


def fetch(timeout: float = 60.0) -> Path:
    """The verified tarball in the cache, downloaded from the npm registry if not there yet."""
    import urllib.request  # here: every command imports this module, only a deck needs the network

    path = tarball_path()
    if path.is_file() and verified(path.read_bytes()):
        return path
    try:
        with urllib.request.urlopen(TARBALL, timeout=timeout) as response:
            data = response.read()
    except OSError as err:
        raise RevealMissing(f"reveal.js {VERSION} is not cached and could not be fetched from the "
                            f"npm registry ({err}); run `make setup` once with a network") from None
    if not verified(data):
        raise RevealMissing(f"reveal.js {VERSION} from the npm registry does not match its "
                            "sha512 integrity; not used")
    return atomic_write(path, data)


def install(assets: Path) -> Path:
    """reveal.js's dist/ and LICENSE into `assets`/revealjs/ (replacing an older copy).
    Returns that folder."""
    import tarfile

    data = fetch().read_bytes()
    dest = assets / FOLDER
    tmp = assets / f".{FOLDER}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            name = member.name.removeprefix("package/")
            if not member.isfile() or not (name == "LICENSE" or name.startswith("dist/")):
                continue
            if name.endswith(".d.ts") or ".." in Path(name).parts:
                continue
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.extractfile(member).read())
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tmp, dest)
    return dest


def base_url(assets_dir: str) -> str:
    """What the deck's template puts before /dist/...: the copy beside the page."""
    return f"{assets_dir}/{FOLDER}"


if __name__ == "__main__":
    try:
        print(f"reveal.js {VERSION}: {fetch()}")
    except RevealMissing as err:
        print(f"warning: {err}", file=sys.stderr)
        sys.exit(1)
