"""One flask-smorest blueprint per resource, all under ``/api/v1``."""

from __future__ import annotations

from .charts import blp as charts
from .comparisons import blp as comparisons
from .exports import blp as exports
from .health import blp as health
from .montecarlo import blp as montecarlo
from .scenarios import blp as scenarios
from .simulations import blp as simulations
from .solve import blp as solve
from .users import blp as users
from .users import me_blp as me

BLUEPRINTS = (health, scenarios, simulations, comparisons, charts, exports, montecarlo, solve, users, me)
