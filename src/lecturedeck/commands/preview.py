"""``make preview``: one warm build process; on save the open deck shows the edit in place.

One long-lived process watches ``slides/``, ``scripts/``, ``src/lecture_code/``,
``images/`` and ``conf.py`` (watchfiles). On each save it reruns the stale figure
scripts (the figure runner; only when something outside ``slides/`` changed), then
builds again with ONE Sphinx application kept in memory, so a save re-reads only the
decks that changed (or whose figures or imported ``lecture_code`` modules changed) and
pays no interpreter, Sphinx or extension start-up. The KaTeX process and the cell
workers' server stay up between builds (``lecturedeck_keep_processes``); the workers'
server is started afresh after a ``lecture_code`` edit, and a ``conf.py`` edit starts a
new application.

Sphinx writes into a staging folder; a good build is copied into ``_build/preview``
(served on 127.0.0.1 only, apart from ``make slides``' decks), and the browser is told
over a websocket which pages changed. An open page that did not change is left alone;
one that did swaps in the slides that changed and stays on the slide being looked at
(``preview.js``; it reloads when more than the slides changed). A broken save prints
the build's ``file:line: problem`` lines, publishes nothing, and the browser keeps the
last good preview; the decks it failed in are read again on the next save. An exception
inside Sphinx is one line, and the next save starts a fresh application.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from lecturedeck.project import BUILD, PACKAGE, SLIDES, show_path, write_atomic

WATCH = [SLIDES, "scripts", f"src/{PACKAGE}", "images", "conf.py"]
OUT = f"{BUILD}/preview"
CLIENT = Path(__file__).with_name("preview.js")
EVENTS = "/_preview/events"
CLIENT_URL = "/_preview/client.js"
# Files of the build that no open page shows.
UNSHOWN = (".buildinfo", "objects.inv", "searchindex.js")


@dataclass
class Result:
    """One build: whether it succeeded, what it took, and how each changed page updates."""

    ok: bool
    seconds: float = 0.0
    pages: dict[str, object] = field(default_factory=dict)  # page -> how it updates


class Preview:
    """The preview's builds: one Sphinx application, kept between saves."""

    def __init__(self, root: Path, jobs: str = "1", reload_only: bool = False) -> None:
        self.root = root
        self.srcdir = root / SLIDES
        self.out = root / OUT
        self.stage = root / BUILD / ".stage" / "preview"
        self.doctrees = root / BUILD / ".doctrees" / "preview"  # apart from make slides'
        self.unfinished = root / BUILD / ".stage" / "preview.unfinished"
        self.jobs = jobs
        self.reload_only = reload_only
        self.app = None
        self._contexts: contextlib.ExitStack | None = None
        self.retry: set[str] = set()  # decks a failed build read: read them again
        self._reading: set[str] = set()
        self._figures_checked = False
        self.served: dict[str, str] = {}  # each page's text as last published

    # -- the application ------------------------------------------------------------------------
    def _start_app(self) -> None:
        from sphinx.application import Sphinx
        from sphinx.cmd.build import jobs_argument
        from sphinx.util.docutils import docutils_namespace, patch_docutils

        if self.unfinished.exists():  # a build was stopped: its saved environment is suspect
            self._forget_environment()
        stack = contextlib.ExitStack()
        stack.enter_context(patch_docutils(self.root))
        stack.enter_context(docutils_namespace())
        try:
            app = Sphinx(
                srcdir=self.srcdir,
                confdir=self.root,
                outdir=self.stage,
                doctreedir=self.doctrees,
                buildername="revealjs",
                confoverrides={"lecturedeck_keep_processes": True},
                status=None,
                warning=sys.stderr,
                warningiserror=True,
                parallel=jobs_argument(self.jobs),
            )
        except BaseException:
            stack.close()
            raise
        app.connect("env-get-outdated", lambda _app, env, *_: sorted(self.retry & env.found_docs))
        app.connect("env-before-read-docs", self._note_reading)
        self.app, self._contexts, self._parallel = app, stack, app.parallel

    def _note_reading(self, _app: object, _env: object, docnames: list[str]) -> None:
        self._reading = set(docnames)

    def close(self) -> None:
        """Drop the application, and stop the processes it kept."""
        from lecturedeck.sphinxext import cellworker, mathrender

        self.app = None
        if self._contexts is not None:
            self._contexts.close()
            self._contexts = None
        mathrender.shutdown()
        cellworker.close_server()

    def _forget_environment(self) -> None:
        (self.doctrees / "environment.pickle").unlink(missing_ok=True)

    # -- one build ------------------------------------------------------------------------------
    def build(self, changed: set[Path] | None = None) -> Result:
        """Build after ``changed`` (None: the first build); never raises but for Ctrl-C."""
        t0 = time.perf_counter()
        changed = changed or set()
        if self.root / "conf.py" in changed and self.app is not None:
            self.close()  # a new conf.py: a new application reads it
        package = self.root / "src" / PACKAGE
        if any(package in p.parents for p in changed):
            self._forget_package()
        if not self._figures_checked or any(self.srcdir not in p.parents for p in changed):
            if not self._figures():
                return Result(False, time.perf_counter() - t0)
            self._figures_checked = True
        figures = time.perf_counter() - t0
        try:
            if self.app is None:
                self._start_app()
            app = self.app
            app._warncount, app.statuscode, app.parallel = 0, 0, self._parallel
            write_atomic(self.unfinished, f"pid {os.getpid()}\n")
            self._reading = set()
            app.build(False, [])
        except KeyboardInterrupt:
            raise
        except (Exception, SystemExit) as exc:  # the application is not to be trusted now
            print(self._describe(exc), file=sys.stderr)
            print("preview: the next save starts a fresh build", file=sys.stderr)
            self.close()
            self._forget_environment()
            return Result(False, time.perf_counter() - t0)
        if app.statuscode != 0:
            self.retry |= self._reading
            self._forget_environment()  # it holds the broken decks as read
            self.unfinished.unlink(missing_ok=True)
            print(
                f"preview: build FAILED; the problems are listed above as file:line. "
                f"The browser keeps the last good preview ({time.perf_counter() - t0:.2f} s)",
                file=sys.stderr,
            )
            return Result(False, time.perf_counter() - t0)
        self.retry.clear()
        pages = self._publish(app)
        self.unfinished.unlink(missing_ok=True)
        took = time.perf_counter() - t0
        shown = ", ".join(
            f"{p} ({'reload' if how == 'reload' else 'updated'})"
            for p, how in sorted(pages.items())
        )
        shown = shown or "no page changed"
        print(f"preview: built in {took:.2f} s (figures {figures:.2f} s): {shown}", flush=True)
        return Result(True, took, pages)

    def _describe(self, exc: BaseException) -> str:
        """One line for an exception in Sphinx; for one conf.py raised, conf.py's line."""
        import traceback

        from sphinx.errors import ConfigError

        from lecturedeck.commands.slides import describe_exception

        cause = exc.__cause__ if isinstance(exc, ConfigError) else None
        conf = str(self.root / "conf.py")
        frames = traceback.extract_tb(cause.__traceback__) if cause is not None else []
        lines = [frame.lineno for frame in frames if frame.filename == conf]
        if cause is not None and lines:
            text = str(cause).strip().splitlines()
            problem = f"{type(cause).__name__}: {text[0] if text else ''}".rstrip(": ")
            return f"conf.py:{lines[-1]}: error: {problem}"
        return describe_exception(exc, self.app, self.root, self.srcdir)

    def _figures(self) -> bool:
        from lecturedeck.commands import figs

        try:
            failed = figs.run(self.root, quiet=True)
        except figs.FigureError as exc:
            failed = 1
            print(exc, file=sys.stderr)
        if failed:
            print(
                f"preview: {failed} figure script(s) failed; the browser keeps the last good "
                "preview",
                file=sys.stderr,
            )
        return not failed

    def _forget_package(self) -> None:
        """A ``lecture_code`` file changed: import it afresh, here and in the cell workers."""
        import importlib

        from lecturedeck.sphinxext import cellworker

        name = self.app.config.lecturedeck_package if self.app is not None else PACKAGE
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]
        importlib.invalidate_caches()
        cellworker.close_server()  # it imported the old code for its workers

    def _publish(self, app: object) -> dict[str, object]:
        """Copy the build into the served folder; say how each page that changed updates."""
        from lecturedeck.commands.slides import built_files, publish

        files = built_files(app, self.stage)
        env, builder = app.env, app.builder  # type: ignore[attr-defined]
        pages = {builder.get_target_uri(doc) for doc in env.found_docs}
        for page in pages - self.served.keys():  # as the browser has it (once per page)
            with contextlib.suppress(OSError):
                self.served[page] = (self.out / page).read_text(encoding="utf-8")
        before = _stats(self.out)
        publish(self.stage, self.out, files)
        after = _stats(self.out)
        changed = sorted(r for r in before.keys() | after.keys() if before.get(r) != after.get(r))
        how = self._page_updates(app, pages, changed)
        for page, update in how.items():
            old = self.served.pop(page, None)
            if page in pages:
                self.served[page] = (self.out / page).read_text(encoding="utf-8")
            if update == "update":
                how[page] = slide_changes(old, self.served[page]) if old else "reload"
        return how

    def _page_updates(self, app: object, pages: set[str], changed: list[str]) -> dict[str, str]:
        env, builder = app.env, app.builder  # type: ignore[attr-defined]
        uri = builder.get_target_uri
        images = {f"_images/{unique}": docs for docs, unique in env.images.values()}
        how: dict[str, str] = {}
        for rel in changed:
            if rel in pages or (rel.endswith(".html") and not rel.startswith("_")):
                how.setdefault(rel, "update" if rel in pages and not self.reload_only else "reload")
            elif rel.startswith(("_sources/", "_static/py/")) or rel in UNSHOWN:
                # _static/py: the package live cells import, loaded with Python on the first
                # Run; a deck whose cells' output changed reloads, the others keep theirs.
                continue
            elif rel in images:  # a figure changed: the pages that show it
                how.update({uri(doc): "reload" for doc in images[rel]})
            else:  # a script, style sheet or data file a page may load
                how.update(dict.fromkeys(pages, "reload"))
        return how


_SECTION = re.compile(r"<section\b[^>]*>|</section>")
SLIDES_DIV = re.compile(r'<div class="slides"[^>]*>')
# Slides whose content a script sets up when the page loads: a page with one reloads.
LIVE = re.compile(r'class="[^"]*\b(?:live-cell|explorable)\b')


def split_slides(html: str) -> tuple[str, list[str]] | None:
    """A deck page as (everything but its slides, its top-level slides); None if not a deck."""
    found = SLIDES_DIV.search(html)
    if found is None:
        return None
    start = found.start()
    sections: list[str] = []
    depth, begin, end = 0, 0, found.end()
    # sphinx-revealjs leaves the last vertical stack unclosed (the browser closes it at the
    # slides' </div>): the slides end at the last </section>.
    limit = html.rfind("</section>") + len("</section>")
    for tag in _SECTION.finditer(html, end, limit):
        if tag.group().startswith("</"):
            depth -= 1
            if depth < 0:
                return None
            if depth == 0:
                sections.append(html[begin : tag.end()])
                end = tag.end()
        else:
            if depth == 0:
                if html[end : tag.start()].strip():
                    return None  # something between two slides: not a plain deck
                begin = tag.start()
            depth += 1
    if depth:
        sections.append(html[begin:limit])
        end = limit
    return html[:start] + html[end:], sections


def slide_changes(old: str, new: str) -> dict[str, object] | str:
    """What an open page needs to show ``new`` instead of ``old``: the slides, or "reload".

    ``{"count": N, "slides": {index: html}}`` swaps the top-level slides that changed; with
    another number of slides, ``{"all": [html, ...]}`` replaces them all. Anything outside
    the slides that changed, or a live cell or explorable figure among what is replaced
    (their scripts set them up once, when the page loads), means a reload.
    """
    before, after = split_slides(old), split_slides(new)
    if before is None or after is None or before[0] != after[0]:
        return "reload"
    olds, news = before[1], after[1]
    if len(olds) != len(news):
        return "reload" if LIVE.search(old) or LIVE.search(new) else {"all": news}
    changed = {i: s for i, s in enumerate(news) if s != olds[i]}
    if any(LIVE.search(s) or LIVE.search(olds[i]) for i, s in changed.items()):
        return "reload"
    return {"count": len(news), "slides": changed}


def _stats(folder: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for path in folder.rglob("*") if folder.is_dir() else ():
        if not path.is_dir():
            st = path.stat()
            found[path.relative_to(folder).as_posix()] = (st.st_size, st.st_mtime_ns)
    return found


# -- The server -----------------------------------------------------------------------------------
class Hub:
    """The open pages' websockets; :meth:`send` is called from the build's thread."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queues: set[asyncio.Queue] = set()

    async def endpoint(self, websocket) -> None:  # noqa: ANN001 - a starlette WebSocket
        """One open page: send it every change until it goes."""
        from starlette.websockets import WebSocketDisconnect

        self.loop = asyncio.get_running_loop()
        await websocket.accept()
        queue: asyncio.Queue = asyncio.Queue()
        self.queues.add(queue)

        async def drain() -> None:
            with contextlib.suppress(WebSocketDisconnect):
                async for _ in websocket.iter_text():
                    pass

        closed = asyncio.ensure_future(drain())
        try:
            while not closed.done():
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    await websocket.send_text(getter.result())
                else:
                    getter.cancel()
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass
        finally:
            self.queues.discard(queue)
            closed.cancel()

    def send(self, pages: dict[str, object]) -> None:
        """Tell every open page which pages changed."""
        if self.loop is None or not pages:
            return
        message = json.dumps({"pages": pages})
        for queue in list(self.queues):
            self.loop.call_soon_threadsafe(queue.put_nowait, message)


class PageScript:
    """ASGI middleware: every HTML page gets the preview's script; nothing is cached stale."""

    def __init__(self, app) -> None:  # noqa: ANN001 - an ASGI application
        self.app = app
        self.tag = f'<script src="{CLIENT_URL}"></script>'.encode()

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        """Serve one request, adding the script to an HTML page."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.datastructures import MutableHeaders

        html = False

        async def wrapped(message) -> None:  # noqa: ANN001
            nonlocal html
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Cache-Control"] = "no-cache"  # revalidated on every load (ETag)
                html = scope["method"] != "HEAD"
                html = html and headers.get("content-type", "").startswith("text/html")
                if html and "content-length" in headers:
                    headers["content-length"] = str(int(headers["content-length"]) + len(self.tag))
            elif message["type"] == "http.response.body" and html:
                if not message.get("more_body", False):
                    message["body"] = message.get("body", b"") + self.tag
            await send(message)

        await self.app(scope, receive, wrapped)


def web_app(out: Path, hub: Hub):  # noqa: ANN201 - a Starlette application
    """The preview's site: the built decks, the page script, and the change events."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import FileResponse
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles

    async def client(_request) -> FileResponse:  # noqa: ANN001
        return FileResponse(CLIENT, media_type="text/javascript")

    out.mkdir(parents=True, exist_ok=True)
    return Starlette(
        routes=[
            WebSocketRoute(EVENTS, hub.endpoint),
            Route(CLIENT_URL, client),
            Mount("/", app=StaticFiles(directory=out, html=True)),
        ],
        middleware=[Middleware(PageScript)],
    )


def start_server(out: Path, hub: Hub, port: int):  # noqa: ANN201 - a uvicorn Server
    """Serve ``out`` on 127.0.0.1:``port`` from a thread of its own; the builds keep this one."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise SystemExit(
            f"preview: cannot serve on 127.0.0.1:{port} ({exc.strerror}); "
            f"is another preview running? Try make preview PORT={port + 1}"
        ) from None
    server = uvicorn.Server(uvicorn.Config(web_app(out, hub), log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    return server


# -- The loop -------------------------------------------------------------------------------------
def watched(root: Path) -> list[Path]:
    """The files and folders whose changes rebuild the preview (those that exist)."""
    return [root / rel for rel in WATCH if (root / rel).exists()]


def run(root: Path, port: int, jobs: str = "1", reload_only: bool = False) -> int:
    """Build, serve, and build again on every save until Ctrl-C."""
    preview = Preview(root, jobs, reload_only)
    hub = Hub()
    server = start_server(preview.out, hub, port)
    saves = Saves(watched(root))  # watching before the first build: no save is missed
    try:
        preview.build()
        print(f"preview: http://127.0.0.1:{port}/  (updates on save; Ctrl+C to stop)", flush=True)
        while True:
            paths = saves.next()
            shown = ", ".join(sorted(show_path(p, root) for p in paths)[:3])
            print(f"preview: changed {shown}", flush=True)
            hub.send(preview.build(paths).pages)
    except KeyboardInterrupt:
        print("preview: stopped")
    finally:
        saves.stop.set()
        server.should_exit = True
        preview.close()
    return 0


class Saves:
    """The files saved under ``paths``, watched from a thread (watchfiles)."""

    def __init__(self, paths: list[Path]) -> None:
        import queue

        import watchfiles

        self.stop = threading.Event()
        self.queue: queue.Queue[set[Path]] = queue.Queue()

        def watch() -> None:
            for changes in watchfiles.watch(
                *paths, watch_filter=watchfiles.DefaultFilter(), step=30, stop_event=self.stop
            ):
                self.queue.put({Path(path) for _, path in changes})

        threading.Thread(target=watch, daemon=True).start()

    def next(self) -> set[Path]:
        """The next save, with every one made since (while the last build ran)."""
        import queue

        while True:
            try:
                paths = self.queue.get(timeout=1)
                break
            except queue.Empty:
                continue
        while not self.queue.empty():
            paths |= self.queue.get_nowait()
        return paths


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lecturedeck.commands.preview [--port 8000] [--root DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--jobs", default=os.environ.get("JOBS", "1"), help="Sphinx workers")
    parser.add_argument(
        "--reload", action="store_true", help="reload a changed page instead of updating it"
    )
    args = parser.parse_args(argv)
    return run(args.root.resolve(), args.port, args.jobs, args.reload)


if __name__ == "__main__":
    sys.exit(main())
