"""Words that are no field or column of their own but that every edge shows alike: yes and no, the class of
towns that are not in a named class, and how a list of changes is summed up."""

from __future__ import annotations

from .kinds import Text

YES = Text("是", "yes")
NO = Text("否", "no")
OTHER_TOWNS = Text("其他乡镇", "other towns")  # the ``other`` key of a by-class value ({pilot, other})
NO_CHANGE = Text("无设置变化", "no change of settings")
AND_MORE = Text("，另有 {n} 处", "; {n} more")


def yes_no(value, lang: str = "zh") -> str:
    """是 / 否 (yes / no) for a true/false value.

    >>> yes_no(True), yes_no(False, "en")
    ('是', 'no')
    """
    return (YES if value else NO).label(lang)
