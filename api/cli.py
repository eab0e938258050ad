"""``fiscal-sim serve``: the HTTP service's command, added to the command line through the
``fiscal_sim.commands`` entry point (so the core's command line never imports the service)."""

from __future__ import annotations

from fiscal_sim.io.cli import UsageError


def add(sub) -> None:
    """Register ``serve`` on the ``fiscal-sim`` subparsers."""
    p = sub.add_parser("serve", help="run the HTTP API and web page (waitress)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in ./instance)")
    p.set_defaults(func=serve)


def serve(args) -> int:
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    from . import serve as run_server

    run_server(args.host, args.port, args.database_url)
    return 0
