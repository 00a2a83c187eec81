"""The domain model, split by subject; import models from here."""

from .apikeys import ApiKey
from .changes import Change, PendingChange, PublicVersion
from .citations import Citation, Source
from .geography import Country
from .groups import ExileGroup
from .locations import Location
from .media import AudienceFigure, Channel, MediaOutlet
from .organizations import NotableFigure, Organization
from .policies import HostPolicy
from .revisions import Revision
from .statistic_groups import StatisticGroup
from .statistics import Statistic
from .subscriptions import Delivery, Subscription

__all__ = [
    "ApiKey",
    "AudienceFigure",
    "Change",
    "Channel",
    "Citation",
    "Country",
    "Delivery",
    "ExileGroup",
    "HostPolicy",
    "Location",
    "MediaOutlet",
    "NotableFigure",
    "Organization",
    "PendingChange",
    "PublicVersion",
    "Revision",
    "Source",
    "Statistic",
    "StatisticGroup",
    "Subscription",
]
