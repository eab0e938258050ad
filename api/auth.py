"""Who may do what (用户与权限): users and roles, local mode, sign-in sessions, API tokens, CSRF and
security headers.

- Roles are ordered: ``viewer`` (read, run, compare, download) < ``editor`` (also save, edit, delete
  scenarios) < ``admin`` (also manage users). Every route needs ``viewer`` except the public ones
  (health, the OpenAPI document, static assets, the sign-in page); :data:`EDITOR_ROUTES` and
  :data:`ADMIN_BLUEPRINTS` name the rest. One rule table, checked before every request.
- Local mode (本机单用户模式): while no user exists and the server listens on a loopback address only
  (``LOCAL_MODE``), everything is open and saves are authored ``local``. Adding a user ends it at once.
- The page signs in with name and password (flask-login keeps the session cookie: HttpOnly,
  SameSite=Lax); scripts send ``Authorization: Bearer TOKEN``. Passwords are hashed with argon2
  (argon2-cffi); tokens are 256-bit random strings stored as SHA-256, shown once.
- Forms carry a CSRF token (flask-wtf's CSRFProtect). The JSON API takes JSON bodies only, so a
  cross-site form cannot reach it; when it is called with the session cookie (the page's scripts), it
  wants the CSRF token too. A state-changing request whose ``Origin`` names another site is refused.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import flask
import flask_login
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import g, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from .errors import ApiError
from .storage import LOCAL_AUTHOR, MAX_USER_LENGTH, Store, UserEntry

API_PREFIX = "/api/v1"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "fs_"

_hasher = PasswordHasher()
csrf = CSRFProtect()
login_manager = flask_login.LoginManager()


class Role(enum.IntEnum):
    """A user's role; a higher role may do everything a lower one may."""

    VIEWER = 1
    EDITOR = 2
    ADMIN = 3

    @property
    def code(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, code: str) -> Role:
        try:
            return cls[str(code).upper()]
        except KeyError:
            raise ValueError(f"role must be one of {', '.join(r.code for r in cls)}, got {code!r}") from None


ROLES = tuple(r.code for r in Role)

# routes anyone may call (endpoint names)
PUBLIC_ENDPOINTS = frozenset({"health.Health", "api-docs.openapi_json", "static", "web.signin", "web.signout"})
# (endpoint, method) that change saved scenarios
EDITOR_ROUTES = frozenset(
    {
        ("scenarios.Scenarios", "POST"),
        ("scenarios.ScenarioById", "PUT"),
        ("scenarios.ScenarioById", "DELETE"),
        ("web.edit", "POST"),
        ("web.upload", "POST"),
        ("web.delete", "POST"),
        ("web.restore", "POST"),
        ("web.restore_version", "POST"),
    }
)
ADMIN_BLUEPRINTS = frozenset({"users"})


def required_role(endpoint: str | None, method: str) -> Role | None:
    """The least role a request needs (None: anyone)."""
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None
    if endpoint.split(".", 1)[0] in ADMIN_BLUEPRINTS:
        return Role.ADMIN
    if (endpoint, method) in EDITOR_ROUTES:
        return Role.EDITOR
    return Role.VIEWER


# ------------------------------------------------------------------------------------------------
# passwords, tokens, names


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash("not a password of anyone")  # unknown names cost as much time as wrong passwords


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """``(token, its hash)``: the token is shown once, only the hash is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_hash(token)


def check_user_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_USER_LENGTH or not name.isprintable():
        raise ValueError(f"a user name is 1–{MAX_USER_LENGTH} printable characters, got {name!r}")
    if name == LOCAL_AUTHOR:
        raise ValueError(f"{LOCAL_AUTHOR!r} is reserved for local mode")
    return name.strip()


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1 (what local mode may listen on)."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# ------------------------------------------------------------------------------------------------
# who is asking


@dataclass(frozen=True)
class Principal(flask_login.UserMixin):
    """The one asking: a user, or the local user of local mode."""

    name: str
    role: Role
    local: bool = False
    via: str = "session"  # session | token | local

    def get_id(self) -> str:
        return self.name

    def may(self, role: Role | str) -> bool:
        return self.role >= (Role.parse(role) if isinstance(role, str) else role)


LOCAL_USER = Principal(LOCAL_AUTHOR, Role.ADMIN, local=True, via="local")


def _store() -> Store:
    return flask.current_app.extensions["fiscal_sim"]["store"]


PROXY_HEADERS = ("X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP", "Forwarded")


def local_mode() -> bool:
    """No user exists, the app is allowed local mode (it listens on loopback only), and the request did not
    come through a proxy (which would bring the network to a loopback address)."""
    if not flask.current_app.config["LOCAL_MODE"] or any(h in request.headers for h in PROXY_HEADERS):
        return False
    return _store().user_count() == 0


def _principal(user: UserEntry, via: str) -> Principal | None:
    try:
        return Principal(user.name, Role.parse(user.role), via=via)
    except ValueError:
        return None


@login_manager.user_loader
def _load_user(name: str) -> Principal | None:
    user = _store().user(name)
    return None if user is None else _principal(user, "session")


def current() -> Principal | None:
    """The principal of this request (resolved once per request)."""
    if "principal" not in g:
        g.principal = _resolve()
    return g.principal


def _resolve() -> Principal | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        user = _store().token_user(token_hash(header[7:].strip()))
        if user is None:
            raise ApiError(401, {"Authorization": ["unknown or revoked API token"]})
        return _principal(user, "token")
    if local_mode():
        return LOCAL_USER
    user = flask_login.current_user
    return user if getattr(user, "is_authenticated", False) else None


def author() -> str:
    """Who a save is recorded under: the user's name, or ``local``."""
    who = current()
    return who.name if who is not None else LOCAL_AUTHOR


def sign_in(name: str, password: str) -> Principal | None:
    """The user when the password matches (constant work for unknown names)."""
    user = _store().user(name)
    if user is None:
        password_matches(_DUMMY_HASH, password)
        return None
    if not password_matches(user.password_hash, password):
        return None
    principal = _principal(user, "session")
    if principal is not None:
        flask_login.login_user(principal)
        g.principal = principal
    return principal


def sign_out() -> None:
    flask_login.logout_user()
    g.pop("principal", None)


# ------------------------------------------------------------------------------------------------
# the checks before every request


def _is_api() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def _same_origin() -> bool:
    """No ``Origin`` (a script, curl) or one naming this host; ``null`` and other sites are refused."""
    origin = request.headers.get("Origin")
    if origin is None:
        return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
    return origin != "null" and hmac.compare_digest(urlsplit(origin).netloc.lower(), request.host.lower())


def _too_large() -> bool:
    """A body over MAX_CONTENT_LENGTH cannot be read for its token; the view answers 413 and saves nothing."""
    limit = flask.current_app.config.get("MAX_CONTENT_LENGTH")
    return bool(limit and request.content_length and request.content_length > limit)


class Denied(Exception):
    """Not signed in (401) or not allowed (403); the page answers with the sign-in form or an error page."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def denied_response(error: Denied):
    """JSON for the API (with ``WWW-Authenticate`` on 401); the page's own answer otherwise."""
    page = flask.current_app.extensions["fiscal_sim"].get("page_denied")
    if _is_api() or page is None:
        from .errors import error_response

        headers = [("WWW-Authenticate", 'Bearer realm="fiscal-sim"')] if error.status == 401 else None
        return error_response(error.status, {"_schema": [error.message]}, headers)
    return page(error)


def authorize() -> None:
    """The app's before-request check: origin, content type, CSRF, then the role the route needs."""
    unsafe = request.method in UNSAFE_METHODS
    if unsafe and not _same_origin():
        raise Denied(403, "a request from another site is refused")
    role = required_role(request.endpoint, request.method)
    who = current()
    if unsafe and _is_api():
        if request.content_length and not request.is_json:
            raise ApiError(400, {"_schema": ["the body must be JSON (Content-Type: application/json)"]})
        if who is not None and who.via == "session":
            csrf.protect()  # the page's scripts send X-CSRFToken: the cookie alone does not do
    elif unsafe and not _too_large():
        csrf.protect()  # every form of the page carries the token (the sign-in form too)
    if role is None:
        return
    if who is None:
        raise Denied(401, "sign in first (or send Authorization: Bearer TOKEN)")
    if not who.may(role):
        raise Denied(403, f"this needs the {role.code} role; {who.name} is {who.role.code}")


def security_headers(response: flask.Response) -> flask.Response:
    """nosniff, no framing, a strict CSP (no inline scripts) and same-origin referrers on every answer."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: flask.Flask, store: Store) -> None:
    """Sessions, CSRF, the checks and the headers; the signing key is shared through the database."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = store.setting("secret_key", lambda: secrets.token_hex(32))
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session: a form left open still saves
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked in authorize(), which knows API from page
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)  # Origin is checked instead (works behind a TLS proxy)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    app.before_request(authorize)
    app.after_request(security_headers)
    app.register_error_handler(Denied, denied_response)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return denied_response(Denied(403, f"the security token is missing or expired ({error.description})"))
