"""Uploaded scenario files (YAML, JSON, XLSX): read, refused when not self-contained, validated."""

from __future__ import annotations

import io
import json
from pathlib import Path

import yaml

from fiscal_sim import Scenario, ScenarioError, catalogue
from fiscal_sim.errors import Message

from .. import sources
from ..errors import ApiError
from .words import t

UPLOAD_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx", ".xlsm")


# ------------------------------------------------------------------------------------------------
# uploads


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases, so a small upload cannot expand into a huge document."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, t("no_aliases"), event.start_mark)
        return super().compose_node(parent, index)


def parse_upload(filename: str, data: bytes) -> dict:
    """The scenario document in an uploaded file; ScenarioError (by field) when it cannot be read."""
    suffix = Path(filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ScenarioError({"file": [t("bad_suffix", name=filename)]})
    if suffix in (".xlsx", ".xlsm"):
        from fiscal_sim.io.excel_reader import read_scenario_workbook

        try:
            return read_scenario_workbook(io.BytesIO(data))
        except ScenarioError as exc:
            if set(exc.errors) != {"_schema"}:
                raise
            # a file-level problem (not a workbook, broken XML, no scenario sheet): shown at the file field
            raise ScenarioError({"file": [t("not_valid", kind="Excel (.xlsx)", detail=exc.one_line())]}) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError({"file": [t("not_utf8")]}) from None
    kind = "JSON" if suffix == ".json" else "YAML"
    try:
        document = json.loads(text) if kind == "JSON" else yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ScenarioError({"file": [t("not_valid", kind=kind, detail=" ".join(str(exc).split()))]}) from None
    except RecursionError:
        raise ScenarioError({"file": [Message("too_deep", n=catalogue.MAX_DEPTH)]}) from None
    if not isinstance(document, dict):
        raise ScenarioError({"file": [t("not_mapping")]})
    refuse_paths(document)
    return document


def refuse_paths(document: dict) -> None:
    """An upload is self-contained: towns and projects inline, no ``extends`` (README bodies)."""
    errors = {}
    if isinstance(document.get("towns"), str):
        errors["towns"] = [t("towns_is_path", path=document["towns"])]
    special = document.get("special_transfers")
    if isinstance(special, dict) and isinstance(special.get("projects"), str):
        errors["special_transfers.projects"] = [t("projects_is_path", path=special["projects"])]
    if "extends" in document:
        errors["extends"] = [t("no_extends")]
    if errors:
        raise ScenarioError(errors)


def validated(document: dict) -> Scenario:
    """:func:`api.sources.validated` (the API's path and limits), errors keyed as the loader names them."""
    try:
        return sources.validated(document, "document")
    except ApiError as exc:
        errors = {(k[len("document.") :] if k.startswith("document.") else "_schema"): v for k, v in exc.errors.items()}
        raise ScenarioError(errors) from None
