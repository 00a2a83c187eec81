from django.urls import path
from rest_framework.routers import DefaultRouter

from exile_api.routers import by_prefix

from ..registry import SPECS
from . import views
from .changes import ChangesView
from .subscriptions import SubscriptionViewSet

VIEWSETS = (
    views.CountryViewSet,
    views.ExileGroupViewSet,
    views.SourceViewSet,
    views.StatisticViewSet,
    views.MediaOutletViewSet,
    views.OrganizationViewSet,
    views.HostPolicyViewSet,
)

router = DefaultRouter()
for viewset in VIEWSETS:
    # Its path and route names come from its resource's spec (resources.registry).
    spec = SPECS[viewset.queryset.model]
    router.register(spec.prefix, viewset, basename=spec.basename)
router.register("subscriptions", SubscriptionViewSet, basename="subscription")

urlpatterns = [
    path("health/", views.HealthView.as_view(), name="health"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("changes/", ChangesView.as_view(), name="changes"),
    # Each resource's routes tried only for its own paths (exile_api.routers).
    *by_prefix(router.urls),
]
