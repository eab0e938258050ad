"""Command line ``fiscal-sim`` (README "Command line"). Errors are one line on stderr with exit code 2.

The core's commands are here; other packages add theirs through the ``fiscal_sim.commands`` entry
point group (the HTTP service adds ``serve``), so the command line never imports them by name.

This module holds the parser and ``main``; the commands are in :mod:`.commands` (on single results) and
:mod:`.scaling` (Monte Carlo and sweeps, with their Dask client), the files they write in :mod:`.output`,
and the usage error with the ``--set`` overrides in :mod:`.arguments`.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import entry_points

from ...errors import ScenarioError, SolveError
from .arguments import UsageError
from .commands import cmd_compare, cmd_explain, cmd_run, cmd_solve, cmd_template, cmd_validate
from .scaling import _cluster_options, cmd_montecarlo, cmd_sweep

COMMAND_GROUP = "fiscal_sim.commands"
LANGS = ("zh", "en")
LANG_HELP = "language of messages, explanations, workbooks and charts (default: $FISCAL_SIM_LANG or en)"


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")


def _plugin_commands(sub) -> None:
    """Commands other packages register (entry point group ``fiscal_sim.commands``: ``add(subparsers)``)."""
    for entry in sorted(entry_points(group=COMMAND_GROUP), key=lambda e: e.name):
        entry.load()(sub)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Every command's parser; the plugins' only when ``command`` is not a core one (their imports are heavy)."""
    parser = OneLineParser(prog="fiscal-sim", description="County–town fiscal revenue-sharing simulation")
    default_lang = os.environ.get("FISCAL_SIM_LANG") if os.environ.get("FISCAL_SIM_LANG") in LANGS else "en"
    parser.add_argument("--lang", choices=LANGS, default=default_lang, help=LANG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    def with_set(p):
        p.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a setting (repeatable)")
        p.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS, help=LANG_HELP)
        return p

    p = with_set(sub.add_parser("validate", help="check a scenario file"))
    p.add_argument("file")
    p.set_defaults(func=cmd_validate)

    p = with_set(sub.add_parser("run", help="simulate a scenario and write its tables"))
    p.add_argument("file")
    p.add_argument("--out", help="output folder (default out/<scenario>)")
    p.add_argument("--format", choices=("csv", "json", "xlsx"), default="csv")
    p.set_defaults(func=cmd_run)

    p = with_set(sub.add_parser("explain", help="how a number was computed"))
    p.add_argument("file")
    p.add_argument("--town")
    p.add_argument("--year", type=int)
    p.add_argument("--column", default="general_transfer")
    p.add_argument("--project", help="explain a special-transfer project's outcome instead")
    p.add_argument("--json", action="store_true", help="print the explanation as JSON")
    p.set_defaults(func=cmd_explain)

    p = with_set(sub.add_parser("compare", help="compare scenarios: tables, workbook and charts"))
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--baseline", help="label (file stem) of the baseline; default the first file")
    p.add_argument("--out", help="output folder (default out/comparison)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("template", help="write an empty scenario workbook to fill in")
    p.add_argument("out", metavar="OUT.xlsx")
    p.set_defaults(func=cmd_template)

    p = with_set(sub.add_parser("montecarlo", help="uncertainty of required transfers and county balance"))
    p.add_argument("file")
    p.add_argument("--draws", type=int, help="number of draws (default: the scenario's uncertainty.draws)")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's uncertainty.seed)")
    p.add_argument("--out", help="output folder (default out/<scenario>_montecarlo)")
    p.add_argument("--format", choices=("csv", "json", "xlsx"), default="csv")
    _cluster_options(p)
    p.set_defaults(func=cmd_montecarlo)

    p = with_set(sub.add_parser("sweep", help="indicators over every combination of one or two settings' values"))
    p.add_argument("file")
    p.add_argument("--param", action="append", required=True, metavar="PATH", help="e.g. general_transfer.pool")
    p.add_argument(
        "--values",
        action="append",
        required=True,
        metavar="V1,V2,…",
        help="the values of the --param before it (a first value below 0: --values=-5,0,5)",
    )
    p.add_argument("--metric", default="county_balance", help="the indicator charted (default county_balance)")
    p.add_argument("--year", type=int, help="the year charted (default: the last simulated year)")
    p.add_argument("--out", help="output folder (default out/<scenario>_sweep)")
    _cluster_options(p)
    p.set_defaults(func=cmd_sweep)

    p = with_set(sub.add_parser("solve", help="find the setting that makes a metric hit a value"))
    p.add_argument("file")
    p.add_argument("--parameter", required=True, metavar="PATH", help="e.g. revenue_items.vat.split.town_share")
    p.add_argument("--target", required=True, metavar="METRIC", help="an indicator, or county.<column>")
    p.add_argument("--value", required=True, type=float)
    p.add_argument("--year", type=int, help="default: the last simulated year")
    p.add_argument("--bounds", nargs=2, type=float, metavar=("LO", "HI"))
    p.set_defaults(func=cmd_solve)

    if command not in sub.choices:
        _plugin_commands(sub)
    return parser


def _command_of(argv: list[str]) -> str | None:
    """The command word of a command line (after ``--lang X``), or None."""
    words = iter(argv)
    for word in words:
        if word == "--lang":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main(argv: list[str] | None = None) -> int:
    lang = "en"
    try:
        args = build_parser(_command_of(sys.argv[1:] if argv is None else argv)).parse_args(argv)
        lang = args.lang
        return args.func(args)
    except (ScenarioError, SolveError, UsageError) as exc:
        message = exc.one_line(lang) if isinstance(exc, ScenarioError) else str(exc)
        print(f"error: {message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 2
