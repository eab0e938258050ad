"""Settings in words for the page, in its language (see :mod:`fiscal_sim.io.settings_words`)."""

from __future__ import annotations

from flask import g

from fiscal_sim.io import settings_words
from fiscal_sim.io.settings_words import Change

__all__ = ["Change", "changes_between", "describe", "summary"]


def describe(differences, scenario) -> list[Change]:
    return settings_words.describe(differences, scenario, g.get("lang", "zh"))


def changes_between(before, after) -> list[Change]:
    return settings_words.changes_between(before, after, g.get("lang", "zh"))


def summary(changes: list[Change]) -> str:
    return settings_words.summary(changes, g.get("lang", "zh"))
