"""Errors a user can act on: each names the file, the key or row, and the problem, in either language."""

from __future__ import annotations

from . import catalogue


class Message(str):
    """A message of :data:`fiscal_sim.catalogue.MESSAGES`: English text, readable in Chinese too.

    A ``str`` (the English text), so every place that shows or compares messages keeps working;
    :meth:`text` gives it in another language. Text values are inserted as given: quote them first.

    >>> m = Message("negative", value=-5)
    >>> str(m), m.text("zh")
    ('must not be negative, got -5', '不能为负数，收到 -5')
    """

    code: str
    params: dict

    def __new__(cls, code: str, **params):
        shown = {k: _shown(v) for k, v in params.items()}
        obj = super().__new__(cls, catalogue.message(code, "en", **shown))
        obj.code, obj.params = code, shown
        return obj

    def text(self, lang: str = "en") -> str:
        params = self.params
        column = params.get("column")
        if column is not None and lang == "zh":  # a table column by its label too: 人口（population）
            known = catalogue.column(column, "towns") or catalogue.column(column, "projects")
            if known is not None and known.key == column and known.label(lang) != column:
                params = {**params, "column": f"{known.label(lang)}（{column}）"}
        return catalogue.message(self.code, lang, **params)

    def format(self, *args, **kwargs) -> Message:
        """marshmallow formats its error messages with the field's values; keep ours whole."""
        return self

    def __reduce__(self):
        return (_rebuild, (self.code, self.params))


def _rebuild(code, params):
    obj = str.__new__(Message, catalogue.message(code, "en", **params))
    obj.code, obj.params = code, params
    return obj


def _shown(value) -> str:
    """A value inside a message: text as given (callers quote it), numbers without float noise, lists joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return str(value)


def text_of(message, lang: str = "en") -> str:
    """A message in ``lang`` (plain strings are the same in every language)."""
    return message.text(lang) if isinstance(message, Message) else str(message)


class ScenarioError(ValueError):
    """An invalid scenario, override or request.

    ``errors`` maps a key path (``revenue_items[vat].split.town_share``, ``towns row 4 (id T03)``) to its
    messages (:class:`Message` or plain text), the shape the HTTP API returns as ``{"errors": {...}}``.
    """

    def __init__(self, errors: dict | str, source: str | None = None):
        if isinstance(errors, str):
            errors = {"_schema": [errors]}
        self.errors = {str(k): [m if isinstance(m, Message) else str(m) for m in v] for k, v in errors.items()}
        self.source = source
        super().__init__(self.one_line())

    def one_line(self, lang: str = "en") -> str:
        """All problems on one line, keyed by path (the CLI's form)."""
        parts = []
        for key, messages in self.errors.items():
            text = " ".join(text_of(m, lang) for m in messages)
            parts.append(text if key == "_schema" else f"{key}: {text}")
        prefix = f"{self.source}: " if self.source else ""
        return prefix + "; ".join(parts)

    def localized(self, lang: str = "en", *, labels: bool = True) -> dict[str, list[str]]:
        """``{key path: ["label: message", …]}`` in ``lang``; the key path stays as it is."""
        out = {}
        for key, messages in self.errors.items():
            where = catalogue.describe_key(key, lang) if labels else ""
            sep = "：" if lang == "zh" else ": "
            out[key] = [
                f"{where}{sep}{text_of(m, lang)}" if where and where != key else text_of(m, lang) for m in messages
            ]
        return out


class SolveError(ValueError):
    """Goal seeking could not reach the target inside the bounds."""
