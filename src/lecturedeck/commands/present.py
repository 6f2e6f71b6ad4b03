"""``make present``: serve the built decks for the lecture, on this machine only.

Serves ``_build/slides`` on http://127.0.0.1 over HTTP/1.1, with the headers that make
the decks cross-origin isolated, so that Stop interrupts a live cell's Python instead of
restarting it (see ``static/livecode.js``). Ctrl+C stops the server.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from lecturedeck.commands.browser import serve
from lecturedeck.project import DECKS_OUT


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lecturedeck.commands.present [--port N] [--out _build/slides]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    parser.add_argument("--out", type=Path, default=Path(DECKS_OUT), help="built decks")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"present: --port {args.port}: not a port number (0 to 65535)", file=sys.stderr)
        return 2
    if not (args.out / "index.html").is_file():
        print(f"present: no decks in {args.out}/; run `make slides` first", file=sys.stderr)
        return 1
    try:
        with serve(args.out, args.port, isolate=True) as url:
            print(f"Presenting {args.out} on {url}/  (Ctrl+C to stop)", flush=True)
            threading.Event().wait()
    except OSError as exc:
        print(f"present: cannot serve on 127.0.0.1:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
