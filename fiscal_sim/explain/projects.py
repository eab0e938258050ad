"""Why a project was or was not funded, and why a pilot lost its status (docs/model.md §1.5, §1.7)."""

from __future__ import annotations

import numpy as np

from ..catalogue import Text
from ..errors import Message, ScenarioError
from .node import Explanation, bilingual


def revocation_reason(result, i: int, year: int) -> Text:
    """Why town i stopped being a pilot from ``year``: the failed years and their indicators."""
    m = result.model
    failed = []
    for t, step in enumerate(result.trace.assessments):
        if m.years[t] >= year:
            break
        if step.verdict[0, i] == 1:
            targets = {name: float(np.asarray(target).ravel()[0]) for name, target in step.targets.items()}
            shown = ", ".join(
                f"{name} {step.indicators[name][0, i]:.2%} < {target:.2%}"
                for name, target in targets.items()
                if step.indicators[name][0, i] < target
            )
            failed.append(f"{m.years[t]} ({shown})")
        elif step.verdict[0, i] == 0:
            failed = []
    n = m.assessment.failures_to_revoke if m.assessment else 0
    years = "; ".join(failed[-n:])
    return Text(
        f"连续 {n} 年未达考评目标：{years}；自 {year} 年起取消试点资格",
        f"missed targets {n} years running: {years}; not a pilot from {year}",
    )


def explain_project(result, project_id: str) -> Explanation:
    """Why a project was or was not funded (rank, budget left, what blocked it)."""
    special = result.trace.special
    if special is None:
        raise ScenarioError({"project": [Message("no_special_transfers")]})
    book = result.model.special.book
    matches = np.flatnonzero(book.ids.astype(str) == str(project_id))
    if not matches.size:
        raise ScenarioError({"project": [Message("unknown_project", project=repr(project_id))]})
    p = int(matches[0])
    unit = result.unit
    last_round, last_pos, last_t = None, None, None
    for t, rnd in enumerate(special.rounds):
        pos = np.flatnonzero(rnd.candidates == p)
        if pos.size:
            last_round, last_pos, last_t = rnd, int(pos[0]), t
            if rnd.funded[last_pos]:
                break
    grant = float(book.grant[p])
    label = bilingual("项目 {p}", "project {p}", p=project_id)
    if last_round is None:
        return Explanation(
            "project", label, "not_considered", note=Text("其申报年度未到", "its year was never reached")
        )
    year = int(result.model.years[last_t])
    rank = int(last_round.rank[last_pos])
    reason = str(last_round.reason[last_pos])
    if reason == "funded":
        note = bilingual(
            "{y} 年安排：排名 {r}，补助 {g:,.2f} {u}，配套 {c:,.2f} {u}",
            "funded in {y}: rank {r}, grant {g:,.2f} {u}, co-financing {c:,.2f} {u}",
            y=year, r=rank, g=grant, c=float(book.cofinancing[p]), u=unit,
        )  # fmt: skip
    elif reason == "budget" and last_round.status == "priority":
        note = bilingual(
            "未安排：排名在前的 {n} 个项目用完了预算；排名 {r}，需要 {g:,.2f}，剩余 {left:,.2f}（{y}）",
            "not funded: budget exhausted after {n} higher-ranked projects; rank {r}, needed {g:,.2f}, {left:,.2f} left ({y})",
            n=int(last_round.funded_before[last_pos]), r=rank, g=grant, left=float(last_round.budget_left[last_pos]), y=year,
        )  # fmt: skip
    elif reason == "not_selected":
        note = bilingual(
            "未安排：单独可安排，但最优组合（{s}）不含它；按加权得分排名 {r}（{y}）",
            "not funded: fits on its own but the optimal set ({s}) leaves it out; rank by weighted score {r} ({y})",
            s=last_round.status, r=rank, y=year,
        )  # fmt: skip
    else:
        words = {
            "budget": ("超过全部预算", "larger than the whole budget"),
            "category_cap": ("类别上限已用完", "the category cap is used up"),
            "cofinancing": ("乡镇收支余额不足以配套", "the town's balance cannot cover its co-financing"),
        }
        why_zh, why_en = words.get(reason, (reason, reason))
        note = bilingual(
            "未安排：{why_zh}；排名 {r}，需要 {g:,.2f}（{y}）",
            "not funded: {why_en}; rank {r}, needed {g:,.2f} ({y})",
            why_zh=why_zh, why_en=why_en, r=rank, g=grant, y=year,
        )  # fmt: skip
    return Explanation("project", label, reason, "", [], note, unit)
