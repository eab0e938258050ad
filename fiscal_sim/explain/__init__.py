"""``explain``: how a number in the results was computed, as data and as text, in Chinese or English."""

from __future__ import annotations

from .node import Explanation
from .projects import explain_project, revocation_reason
from .towns import EXPLAINERS, explain

__all__ = ["EXPLAINERS", "Explanation", "explain", "explain_project", "revocation_reason"]
