"""Settings of the API: these defaults, then ``FISCAL_SIM_<KEY>`` variables, then ``create_app(config)``.

E.g. ``FISCAL_SIM_DATABASE_URL=postgresql+psycopg://…``, ``FISCAL_SIM_DATA_DIR=/srv/fiscal-sim``,
``FISCAL_SIM_MAX_TOWNS=10000`` (values are read as JSON when they parse, else as text).
"""

from __future__ import annotations

from pathlib import Path

import fiscal_sim
from fiscal_sim.scenario import BUNDLED_DIR

DEFAULTS = {
    # request limits (per request)
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,  # bytes of a request body → 413 above
    "MAX_TOWNS": 5_000,
    "MAX_PROJECTS": 20_000,
    "MAX_YEARS": 50,
    "MAX_DRAWS_PER_REQUEST": 20_000,
    "MAX_MONTECARLO_CELLS": 10_000_000,  # draws × towns × years held in memory by one Monte Carlo run
    "MAX_SCENARIOS_PER_REQUEST": 10,  # scenarios in one comparison, chart or export
    # users: local mode (everything open, no sign-in) while no user exists, for a server on loopback only;
    # ``api.serve`` sets it from the address it listens on; an app made otherwise (a WSGI server) has it off
    "LOCAL_MODE": False,
    "SECRET_KEY": None,  # signs session cookies; default: made once and kept in the database
    "MAX_CELLS": 2_000_000,  # towns × years summed over the scenarios of one request (solve, Monte Carlo: one)
    # heavy work (simulations, comparisons, charts, exports, Monte Carlo, solve) runs in worker processes
    "WORKERS": 2,  # worker processes (started on the first such request); 0: in the request's thread (tests)
    "REQUEST_TIMEOUT": 60,  # whole seconds a computation may run (then its worker is killed: 503); also the
    # longest a request waits for a free worker (then 503)
    # the waitress server (api.serve): slow or idle clients must not starve the others
    "THREADS": 8,  # threads answering requests
    "CONNECTION_LIMIT": 500,  # open connections at most (each a file descriptor); more wait in the backlog
    "CHANNEL_TIMEOUT": 30,  # seconds a connection may stay idle (or send nothing of its request) before it is closed
    "CLEANUP_INTERVAL": 10,  # seconds between checks for such connections
    "BACKLOG": 1024,  # connections the operating system queues before the server accepts them
    # storage
    "DATABASE_URL": None,  # any SQLAlchemy URL; default: the SQLite file DATA_DIR/fiscal_sim.sqlite3
    "DATA_DIR": None,  # default: ./instance
    "LOAD_BUNDLED_SCENARIOS": True,  # store scenarios/*.yaml on first start (empty database only)
    "SCENARIOS_DIR": None,  # the bundled scenarios; default: those installed with fiscal_sim
    "SCENARIO_CACHE_SIZE": 64,  # validated stored versions kept in memory
    "RESPONSE_CACHE_BYTES": 64 * 1024 * 1024,  # answers of deterministic endpoints kept in memory (0: none)
    # OpenAPI (flask-smorest)
    "API_TITLE": "fiscal-sim",
    "API_VERSION": fiscal_sim.__version__,
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
        "security": [{"token": []}],  # every operation but health (and the page's session cookie works too)
    },
}

SQLITE_FILE = "fiscal_sim.sqlite3"


def settings(**overrides) -> dict:
    """The settings an app would have: DEFAULTS, then ``FISCAL_SIM_*`` variables, then ``overrides``
    (the command line's ``--database-url`` and the like; None values are ignored)."""
    from flask import Config

    config = Config(".")
    config.update(DEFAULTS)
    config.from_prefixed_env("FISCAL_SIM")
    config.update({k: v for k, v in overrides.items() if v is not None})
    return dict(config)


def data_dir(config) -> Path:
    """Where the default SQLite file lives: DATA_DIR, else ./instance."""
    chosen = config.get("DATA_DIR")
    return Path(str(chosen)) if chosen else Path.cwd() / "instance"


def database_url(config) -> str:
    """DATABASE_URL, else a SQLite file in the data dir (the folder is created)."""
    url = config.get("DATABASE_URL")
    if url:
        return str(url)
    folder = data_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / SQLITE_FILE).resolve()}"


def bundled_dir(config) -> Path | None:
    """The folder of bundled scenarios, if there is one."""
    chosen = config.get("SCENARIOS_DIR")
    folder = Path(str(chosen)) if chosen else BUNDLED_DIR
    return folder if folder.is_dir() else None
