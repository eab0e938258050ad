"""The app: ``create_app(config)`` builds it, ``serve(host, port)`` runs it with waitress (see :mod:`api`)."""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import threading
from functools import lru_cache
from pathlib import Path

import flask
import flask_smorest

from . import auth
from .cache import ResponseCache, ScenarioCache
from .config import DEFAULTS, bundled_dir, database_url
from .errors import ApiError, ErrorSchema, error_response, http_exception_body, register_error_handlers
from .json_provider import JSONProvider
from .storage import Store

__all__ = ["NoUserError", "create_app", "serve"]

log = logging.getLogger(__name__)

# modules that add pages to the app: each defines a Flask blueprint ``bp`` (registered when the module exists)
PAGE_MODULES = ("api.web",)


def _check_json_body() -> None:
    """Parse a JSON body once through :meth:`JSONProvider.loads` (400 on deep nesting or broken Unicode)
    before anything else reads it (flask-smorest's parser reads the raw bytes itself)."""
    if flask.request.is_json and flask.request.content_length:
        try:
            flask.current_app.json.loads(flask.request.get_data(cache=True))
        except json.JSONDecodeError as exc:
            raise ApiError(
                400, {"_schema": [f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]}
            ) from None
        except ValueError as exc:  # our own refusals: too deep, not Unicode
            raise ApiError(400, {"_schema": [f"invalid body: {exc}"]}) from None


class Api(flask_smorest.Api):
    """flask-smorest's Api with our error body: ``{"errors": {field: [messages]}}``."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        status, errors, headers = http_exception_body(error)
        return error_response(status, errors, headers)


@lru_cache(maxsize=4)
def _bundled_entries(folder: str, stamp: tuple) -> tuple:
    """``(id, name, description, document, parent id)`` of each bundled scenario file (cached: tests start many
    apps); a file that ``extends`` another bundled file is stored as its variant.

    Only read (tables inlined, ``extends``/``set`` applied), not validated, to keep boot fast: the
    bundled files are validated by the test suite, and every run validates what it loads anyway.
    """
    import yaml

    from fiscal_sim import ScenarioError
    from fiscal_sim.scenario import read_document

    entries = []
    stems = {p.stem for p in Path(folder).glob("*.yaml")}
    for path in sorted(Path(folder).glob("*.yaml")):
        try:
            document = read_document(path)
        except ScenarioError as exc:
            log.warning("bundled scenario %s not loaded: %s", path.name, exc.one_line())
            continue
        extends = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("extends")
        parent = Path(str(extends)).stem if extends and Path(str(extends)).stem in stems else None
        name, description = str(document.get("name", path.stem)), str(document.get("description", ""))
        entries.append((path.stem, name, description, document, parent))
    return tuple(entries)


def seed_bundled(store: Store, folder: Path) -> int:
    """Store the bundled scenarios (ids = file stems) when the database holds no scenario yet."""
    if store.row_count():
        return 0
    files = sorted(folder.glob("*"))
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in files)
    return store.seed(_bundled_entries(str(folder), stamp))


def create_app(config: dict | None = None) -> flask.Flask:
    """The API app. ``config`` overrides the defaults of :mod:`api.config` and ``FISCAL_SIM_*`` variables."""
    app = flask.Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("FISCAL_SIM")  # FISCAL_SIM_DATABASE_URL, FISCAL_SIM_DATA_DIR, FISCAL_SIM_MAX_TOWNS …
    app.config.update(config or {})
    app.json = JSONProvider(app)
    app.json.ensure_ascii = False

    store = Store(database_url(app.config))
    app.extensions["fiscal_sim"] = {
        "store": store,
        "cache": ScenarioCache(app.config["SCENARIO_CACHE_SIZE"]),
        "responses": ResponseCache(app.config["RESPONSE_CACHE_BYTES"]),
    }
    if app.config["LOAD_BUNDLED_SCENARIOS"]:
        folder = bundled_dir(app.config)
        if folder is not None:
            seed_bundled(store, folder)

    register_error_handlers(app)
    auth.init_app(app, store)  # who is asking comes first: a stranger learns nothing about the body
    app.before_request(_check_json_body)
    api = Api(app)
    app.extensions["fiscal_sim"]["api"] = api

    from .docs import bp as docs_bp
    from .resources import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(docs_bp)
    for module_name in PAGE_MODULES:
        if importlib.util.find_spec(module_name) is not None:
            app.register_blueprint(importlib.import_module(module_name).bp)
    return app


def warm_pages(app: flask.Flask) -> threading.Thread:
    """In the background: compile the page's templates and make matplotlib ready to draw (its font list,
    the CJK font: :func:`fiscal_sim.io.charts.warm`), so the first page and its charts do not wait for them."""

    def start():
        try:
            for name in app.jinja_env.list_templates(filter_func=lambda n: n.startswith("web/")):
                app.jinja_env.get_template(name)
            from fiscal_sim.io import charts

            charts.warm()
        except Exception:  # noqa: BLE001 - the first page does the same work all the same
            log.debug("page warm-up failed", exc_info=True)

    thread = threading.Thread(target=start, name="fiscal-sim-warm-pages", daemon=True)
    thread.start()
    return thread


class NoUserError(RuntimeError):
    """Serving on a network address while no user exists (local mode is for loopback only)."""


def serve(
    host: str = "127.0.0.1", port: int = 8000, database_url: str | None = None, *, threads: int | None = None
) -> None:
    """Run the API with waitress until interrupted; prints the URL (port 0 picks a free port).

    On a loopback address with no user the app runs in local mode; on any other address it needs a user
    (:class:`NoUserError` otherwise, before anything listens). Threads, connection limit, idle timeout,
    cleanup interval and backlog come from the settings (``THREADS`` … ``BACKLOG`` in :mod:`api.config`),
    so slow or idle clients cannot starve the others.
    """
    import waitress

    loopback = auth.is_loopback(host)
    app = create_app({"LOCAL_MODE": loopback, **({"DATABASE_URL": database_url} if database_url else {})})
    if not loopback and app.extensions["fiscal_sim"]["store"].user_count() == 0:
        raise NoUserError(
            f"no user exists, so serving on {host} would open every scenario to the network; add one first:"
            " fiscal-sim user add NAME --role admin --password-stdin"
        )
    config = app.config
    server = waitress.create_server(
        app,
        host=host,
        port=port,
        threads=threads or config["THREADS"],
        connection_limit=config["CONNECTION_LIMIT"],
        channel_timeout=config["CHANNEL_TIMEOUT"],
        cleanup_interval=config["CLEANUP_INTERVAL"],
        backlog=config["BACKLOG"],
    )
    from .workers import warm

    warm(int(config["WORKERS"]))  # heavy requests' workers start while the first pages are served
    warm_pages(app)  # and the page's templates and chart drawing in this process
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{server.effective_port}"
    print(f"fiscal-sim: web page {base}/  ·  API {base}/api/v1  ·  API docs {base}/api/v1/docs", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
