from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("countries", views.CountryViewSet, basename="country")
router.register("exile-groups", views.ExileGroupViewSet, basename="exile-group")
router.register("sources", views.SourceViewSet, basename="source")
router.register("statistics", views.StatisticViewSet, basename="statistic")
router.register("media-outlets", views.MediaOutletViewSet, basename="media-outlet")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("policies", views.HostPolicyViewSet, basename="policy")

urlpatterns = [
    path("health/", views.HealthView.as_view(), name="health"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("changes/", views.ChangesView.as_view(), name="changes"),
    *router.urls,
]
