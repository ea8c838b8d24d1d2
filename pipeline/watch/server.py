"""The preview page's server: the standard library's threading HTTP server on 127.0.0.1 only.

    GET /             the page (media/watch/page/index.html)
    GET /page/<file>  its script and style (media/watch/page/)
    GET /beats.json   the beats in video order: id, section, caption, duration, clip, still, updated
    GET /status.json  the chapters, the problems now (errors, warnings) and what is being drawn
    GET /events       server-sent events: {"type": "beats" | "problems" | "status", ...}
    GET /media/<path> a file of the media folder (the clips and stills), with byte ranges

Everything it sends is in the media folder or made from the session; a path with `..` in it,
or one that leads outside the media folder (a link), is refused with 403.
"""
from __future__ import annotations

import json
import mimetypes
import queue
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from common.files import atomic_write

HOST = "127.0.0.1"
PAGE_FILES = ("index.html", "watch.js", "watch.css")
KEEPALIVE_SECONDS = 15   # an SSE comment this often: a closed page is noticed, proxies stay open
RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def install_page(media: Path) -> Path:
    """The page's files into media/watch/page/ (so everything served is in the media folder)."""
    source, folder = Path(__file__).parent / "page", media / "watch" / "page"
    for name in PAGE_FILES:
        atomic_write(folder / name, (source / name).read_bytes())
    return folder


class Events:
    """Server-sent events to every open page."""

    def __init__(self):
        self._queues: list[queue.Queue] = []
        self._lock = threading.Lock()

    def publish(self, event: dict) -> None:
        with self._lock:
            for q in self._queues:
                q.put(event)

    def subscribe(self) -> queue.Queue:
        q: queue.Queue = queue.Queue()
        with self._lock:
            self._queues.append(q)
        return q

    def unsubscribe(self, q: queue.Queue) -> None:
        with self._lock:
            if q in self._queues:
                self._queues.remove(q)

    def close(self) -> None:
        self.publish({"type": "bye"})


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, media: Path, session, events: Events):
        self.media, self.session, self.events = media.resolve(), session, events
        self.page = media / "watch" / "page"
        super().__init__((HOST, port), Handler)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"

    serving = False

    def start(self) -> threading.Thread:
        self.serving = True
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        thread.start()
        return thread


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:   # quiet: the terminal is the author's
        pass

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        if ".." in path.split("/") or "\\" in path or "\0" in path:
            return self._error(HTTPStatus.FORBIDDEN, "a path with '..' is refused")
        if path in ("/", "/index.html"):
            return self._file(self.server.page / "index.html", head)
        if path == "/beats.json":
            return self._json(self.server.session.rows(), head)
        if path == "/status.json":
            return self._json(self.server.session.status(), head)
        if path == "/events":
            return self._events()
        if path.startswith("/page/") and path[len("/page/"):] in PAGE_FILES:
            return self._file(self.server.page / path[len("/page/"):], head)
        if path.startswith("/media/"):
            target = (self.server.media / path[len("/media/"):]).resolve()
            if not target.is_relative_to(self.server.media):
                return self._error(HTTPStatus.FORBIDDEN, "outside the media folder")
            if target.suffix == ".mp4" and target.parent.name == "clips":
                try:
                    self.server.session.ensure_clip(target)
                except (OSError, RuntimeError) as err:
                    return self._error(HTTPStatus.INTERNAL_SERVER_ERROR, str(err))
            return self._file(target, head)
        return self._error(HTTPStatus.NOT_FOUND, "not found")

    # ---- answers --------------------------------------------------------------------------

    def _error(self, status: HTTPStatus, text: str) -> None:
        body = f"{status.value} {status.phrase}: {text}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data, head: bool) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _file(self, path: Path, head: bool) -> None:
        """A file, whole or the one byte range asked for (a video element seeks with ranges)."""
        try:
            file = open(path, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return self._error(HTTPStatus.NOT_FOUND, "not found")
        except OSError as err:
            return self._error(HTTPStatus.FORBIDDEN, err.strerror or "unreadable")
        with file:
            size = Path(path).stat().st_size
            start, end = 0, size - 1
            wanted = RANGE.match(self.headers.get("Range", "").strip())
            if wanted and (wanted.group(1) or wanted.group(2)):
                if wanted.group(1):
                    start = int(wanted.group(1))
                    end = min(int(wanted.group(2)), size - 1) if wanted.group(2) else size - 1
                else:   # the last N bytes
                    start = max(0, size - int(wanted.group(2)))
                if start > end or start >= size:
                    self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                    self.send_header("Content-Range", f"bytes */{size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(HTTPStatus.PARTIAL_CONTENT)
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            else:
                self.send_response(HTTPStatus.OK)
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self.send_header("Content-Type", kind + ("; charset=utf-8" if kind.startswith("text/") else ""))
            self.send_header("Content-Length", str(end - start + 1))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if head:
                return
            file.seek(start)
            try:
                _copy(file, self.wfile, end - start + 1)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def _events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        events = self.server.events.subscribe()
        try:
            self._send_event({"type": "hello"})
            while True:
                try:
                    event = events.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    self.wfile.write(b": keepalive\n\n")
                    self.wfile.flush()
                    continue
                self._send_event(event)
                if event.get("type") == "bye":
                    return
        except (BrokenPipeError, ConnectionResetError, OSError):
            return
        finally:
            self.server.events.unsubscribe(events)

    def _send_event(self, event: dict) -> None:
        self.wfile.write(f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode())
        self.wfile.flush()


def _copy(source, target, length: int) -> None:
    while length > 0:
        chunk = source.read(min(length, 256 * 1024))
        if not chunk:
            return
        target.write(chunk)
        length -= len(chunk)


__all__ = ["PreviewServer", "Events", "install_page", "HOST"]
