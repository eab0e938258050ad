"""Signing in and out (登录), and what a visitor who may not see a page gets instead."""

from __future__ import annotations

from urllib.parse import urlsplit

import flask
from flask import g, request

from .. import auth
from .base import bp, render
from .words import chosen_lang, t


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    if not target:
        return flask.url_for("web.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return flask.url_for("web.index")
    return target


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    """The sign-in form; a wrong name or password says so without telling which."""
    if auth.local_mode():
        return flask.redirect(flask.url_for("web.index"))
    target = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render("signin.html", next=target, error=None, name="")
    name = request.form.get("name", "").strip()
    if auth.sign_in(name, request.form.get("password", "")) is None:
        return render("signin.html", 401, next=target, error=t("signin_failed"), name=name)
    return flask.redirect(target, 303)


@bp.post("/signout")
def signout():
    auth.sign_out()
    return flask.redirect(flask.url_for("web.signin"), 303)


def page_denied(error: auth.Denied):
    """401: the sign-in form (a GET is sent there and comes back); 403: an error page naming the role."""
    g.lang = g.get("lang") or chosen_lang()
    if error.status == 401:
        if request.method == "GET":
            return flask.redirect(flask.url_for("web.signin", next=request.full_path.rstrip("?")))
        return render("signin.html", 401, next=flask.url_for("web.index"), error=t("signin_first"), name="")
    return render("error.html", 403, code=403, errors={"_schema": [t("not_allowed")]})


@bp.record_once
def _register(state):
    state.app.extensions["fiscal_sim"]["page_denied"] = page_denied
