"""The language of a request (zh or en): ``?lang=``, the page's choice, or the browser's Accept-Language."""

from __future__ import annotations

import re

import flask

from fiscal_sim import catalogue
from fiscal_sim.errors import Message, text_of

# what precedes a scenario key in a request's error keys: scenario., document., scenarios[1].overrides. …
_REQUEST_PREFIX = re.compile(r"^(?:scenarios\[\d+\]\.)?(?:scenario|document|scenario_id|overrides)\.")


def language() -> str:
    lang = flask.request.args.get("lang") or flask.g.get("lang")
    if lang in catalogue.LANGS:
        return lang
    best = flask.request.accept_languages.best_match(["en", "zh"], default="en")
    return "zh" if best.startswith("zh") else "en"


def localized(errors: dict, lang: str) -> dict[str, list[str]]:
    """``{key: [messages]}`` with each catalogue message in ``lang`` after the words of its key (the keys stay).

    A plain-text message (the service's own, e.g. a request limit) is given as it is.
    """
    sep = "：" if lang == "zh" else ": "
    out = {}
    for key, messages in errors.items():
        path = _REQUEST_PREFIX.sub("", key)
        field = catalogue.field(path)
        shown = field.label(lang) if field is not None else catalogue.describe_key(path, lang)
        shown = "" if shown == path else shown
        out[key] = [
            f"{shown}{sep}{text_of(m, lang)}" if shown and isinstance(m, Message) else text_of(m, lang)
            for m in messages
        ]
    return out
