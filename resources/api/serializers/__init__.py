"""JSON representations, one module per resource (``base`` holds what they share).

Importing the package imports every resource's serializer, which registers it as its
model's (``serializer_for``).
"""

from .base import (
    SLUG_TAKEN,
    CitationSerializer,
    KeyRelatedField,
    LocalizedModelSerializer,
    RecordSerializer,
    StrictInputMixin,
    serializer_for,
)
from .changes import (
    ChangeHistorySerializer,
    ChangeSerializer,
    ChangesPageSerializer,
    ReasonSerializer,
    RetractionSerializer,
)
from .countries import CountrySerializer
from .exile_groups import ExileGroupSerializer
from .health import HealthSerializer
from .media_outlets import AudienceFigureSerializer, ChannelSerializer, MediaOutletSerializer
from .organizations import NotableFigureSerializer, OrganizationSerializer
from .policies import HostPolicySerializer
from .problems import ProblemErrorSerializer, ProblemSerializer
from .profiles import CountryProfileSerializer
from .revisions import (
    CorrectionSerializer,
    RevisionPageSerializer,
    RevisionSerializer,
)
from .search import SearchHitSerializer, SearchResultsSerializer
from .sources import SourceDetailSerializer, SourceSerializer
from .statistics import (
    StatisticFigureSerializer,
    StatisticGroupSerializer,
    StatisticSerializer,
    StatisticsSummarySerializer,
)

__all__ = [
    "SLUG_TAKEN",
    "AudienceFigureSerializer",
    "ChangeHistorySerializer",
    "ChangeSerializer",
    "ChangesPageSerializer",
    "ChannelSerializer",
    "CitationSerializer",
    "CorrectionSerializer",
    "CountryProfileSerializer",
    "CountrySerializer",
    "ExileGroupSerializer",
    "HealthSerializer",
    "HostPolicySerializer",
    "KeyRelatedField",
    "LocalizedModelSerializer",
    "MediaOutletSerializer",
    "NotableFigureSerializer",
    "OrganizationSerializer",
    "ProblemErrorSerializer",
    "ProblemSerializer",
    "ReasonSerializer",
    "RecordSerializer",
    "RetractionSerializer",
    "RevisionPageSerializer",
    "RevisionSerializer",
    "SearchHitSerializer",
    "SearchResultsSerializer",
    "SourceDetailSerializer",
    "SourceSerializer",
    "StatisticFigureSerializer",
    "StatisticGroupSerializer",
    "StatisticSerializer",
    "StatisticsSummarySerializer",
    "StrictInputMixin",
    "serializer_for",
]
