"""A CJK font for chart labels (中文标签字体), found once per process.

Matplotlib's default DejaVu Sans has no Chinese glyphs and draws boxes. :func:`cjk_rc` returns the
rc settings that put a CJK family first, to apply with ``matplotlib.rc_context`` around each chart, so
nothing changes matplotlib's global settings. A font installed after matplotlib built its font cache
is invisible to it; the lookup then adds the system's unknown font files once and looks again.
"""

from __future__ import annotations

import threading
import warnings

from matplotlib import font_manager

PREFERRED_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "SimHei",
    "Microsoft YaHei",
)
FALLBACK_FAMILY = "DejaVu Sans"
NO_FONT_WARNING = "no CJK font found; Chinese labels will render as boxes — install fonts-wqy-microhei"

_lock = threading.Lock()
_found: dict[str, str | None] = {}  # "family" -> the family found (or None), once looked up


def _known_family(families=PREFERRED_FAMILIES) -> str | None:
    """The first preferred family that matplotlib's font list holds."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in families if family in names), None)


def _add_unknown_system_fonts() -> int:
    """Add font files on disk that matplotlib's (cached) font list misses; how many were added."""
    known = {f.fname for f in font_manager.fontManager.ttflist}
    added = 0
    for path in sorted(set(font_manager.findSystemFonts()) - known):
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):  # an unreadable or odd font file: skip it
            continue
        added += 1
    return added


def find_cjk_family(families=PREFERRED_FAMILIES) -> str | None:
    """The first preferred CJK family available, adding fonts installed after the cache was built."""
    family = _known_family(families)
    if family is None and _add_unknown_system_fonts():
        family = _known_family(families)
    return family


def cjk_family() -> str | None:
    """The CJK family for charts, looked up once per process; warns once when there is none."""
    with _lock:
        if "family" not in _found:
            family = find_cjk_family(PREFERRED_FAMILIES)
            _found["family"] = family
            if family is None:
                warnings.warn(NO_FONT_WARNING, UserWarning, stacklevel=3)
        return _found["family"]


def cjk_rc() -> dict:
    """rc settings for ``matplotlib.rc_context``: a CJK family first and an ASCII minus sign.

    Without a CJK font, only the minus setting (labels then fall back to the default font).
    """
    family = cjk_family()
    if family is None:
        return {"axes.unicode_minus": False}
    return {"font.sans-serif": [family, FALLBACK_FAMILY], "font.family": "sans-serif", "axes.unicode_minus": False}


def reset() -> None:
    """Forget the family found (tests; a font installed while the process runs)."""
    with _lock:
        _found.clear()
