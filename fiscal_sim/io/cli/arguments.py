"""What the command line's words mean beyond argparse: the usage error, ``--set`` overrides, the scenario a
command names."""

from __future__ import annotations

import yaml


class UsageError(Exception):
    """A command line that cannot be run as given."""


def _overrides(pairs: list[str] | None) -> dict:
    """``--set PATH=VALUE`` pairs; VALUE is read as YAML (numbers, null, lists)."""
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise UsageError(f"--set expects PATH=VALUE, got {pair!r}")
        path, value = pair.split("=", 1)
        try:
            out[path.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise UsageError(f"--set {path}: cannot read value {value!r}") from None
    return out


def _scenario(args):
    from ...scenario import load_scenario

    return load_scenario(args.file, _overrides(args.set))
