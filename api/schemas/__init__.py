"""Request and response schemas of the HTTP API (marshmallow), and so of its OpenAPI document.

One module per endpoint group: what they share (chart names and formats, strict JSON fields, the base
schemas :class:`Strict` and :class:`Open`) in :mod:`.common`; the scenario document as it travels over
HTTP and which scenario a request runs in :mod:`.documents`; :mod:`.health`; saved scenarios, their
versions and explanations in :mod:`.scenarios`; simulations and comparisons in :mod:`.simulations`;
charts and exports in :mod:`.charts`; Monte Carlo in :mod:`.montecarlo`; goal seeking in :mod:`.solve`;
users in :mod:`.users`. Every public name is re-exported here, so ``from api.schemas import …`` stays the
way to import them (and importing the package registers every schema with marshmallow's class registry).
The OpenAPI document names its components after the schema classes.
"""

from __future__ import annotations

from .charts import ChartRequestSchema, ExportRequestSchema
from .common import (
    CHART_FORMATS,
    CHART_NAMES,
    MAX_LABEL,
    MONTECARLO_CHART_NAMES,
    SCENARIO_ID,
    JsonBoolean,
    JsonFloat,
    JsonInteger,
    Open,
    Strict,
)
from .documents import (
    DocumentField,
    ProjectRecordSchema,
    ScenarioDocumentSchema,
    ScenarioSourceSchema,
    SpecialTransfersDocumentSchema,
    TownRecordSchema,
)
from .health import HealthSchema
from .montecarlo import MontecarloRequestSchema, MontecarloSchema
from .scenarios import (
    ExplainQuerySchema,
    ExplainSchema,
    ExplanationSchema,
    LangQuerySchema,
    SavedSchema,
    ScenarioListSchema,
    ScenarioReplaceSchema,
    ScenarioSaveSchema,
    ScenarioSummarySchema,
    StoredScenarioSchema,
    VersionEntrySchema,
    VersionListSchema,
    VersionQuerySchema,
)
from .simulations import (
    ComparedScenarioSchema,
    ComparisonRequestSchema,
    ComparisonSchema,
    CountyRowSchema,
    IndicatorRowSchema,
    ProjectRowSchema,
    RevocationRowSchema,
    SimulationRequestSchema,
    SimulationSchema,
    TownRowSchema,
)
from .solve import SolveRequestSchema, SolveSchema
from .users import MeSchema, UserAddSchema, UserListSchema, UserSchema

__all__ = [
    "CHART_FORMATS",
    "CHART_NAMES",
    "MAX_LABEL",
    "MONTECARLO_CHART_NAMES",
    "SCENARIO_ID",
    "ChartRequestSchema",
    "ComparedScenarioSchema",
    "ComparisonRequestSchema",
    "ComparisonSchema",
    "CountyRowSchema",
    "DocumentField",
    "ExplainQuerySchema",
    "ExplainSchema",
    "ExplanationSchema",
    "ExportRequestSchema",
    "HealthSchema",
    "IndicatorRowSchema",
    "JsonBoolean",
    "JsonFloat",
    "JsonInteger",
    "LangQuerySchema",
    "MeSchema",
    "MontecarloRequestSchema",
    "MontecarloSchema",
    "Open",
    "ProjectRecordSchema",
    "ProjectRowSchema",
    "RevocationRowSchema",
    "SavedSchema",
    "ScenarioDocumentSchema",
    "ScenarioListSchema",
    "ScenarioReplaceSchema",
    "ScenarioSaveSchema",
    "ScenarioSourceSchema",
    "ScenarioSummarySchema",
    "SimulationRequestSchema",
    "SimulationSchema",
    "SolveRequestSchema",
    "SolveSchema",
    "SpecialTransfersDocumentSchema",
    "StoredScenarioSchema",
    "Strict",
    "TownRecordSchema",
    "TownRowSchema",
    "UserAddSchema",
    "UserListSchema",
    "UserSchema",
    "VersionEntrySchema",
    "VersionListSchema",
    "VersionQuerySchema",
]
