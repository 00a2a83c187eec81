"""The data editors' workbench: every model, searchable, filterable, with citations inline."""

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db import models
from django.db.models import Count
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from .models import (
    ApiKey,
    AudienceFigure,
    Channel,
    Citation,
    Country,
    ExileGroup,
    HostPolicy,
    Location,
    MediaOutlet,
    NotableFigure,
    Organization,
    Source,
    Statistic,
)

TIMESTAMPS = ("created_at", "updated_at")
# Addresses typed without a scheme are taken as https:// (Django 6's default, chosen now).
URL_FORM_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class CitationInline(GenericTabularInline):
    """The sources behind a record, edited on the record's own page."""

    model = Citation
    ct_field = "content_type"
    ct_fk_field = "object_id"
    fields = ("source", "locator", "claim")
    autocomplete_fields = ("source",)
    extra = 0
    # Every fact carries its source: a record cannot be saved without a citation.
    min_num = 1

    def get_formset(self, request, obj=None, **kwargs):
        # GenericInlineModelAdmin does not pass validate_min on, unlike InlineModelAdmin.
        return super().get_formset(request, obj, validate_min=True, **kwargs)


class CitedAdmin(admin.ModelAdmin):
    """Admin of a cited record: citations inline, timestamps read-only."""

    inlines = [CitationInline]
    readonly_fields = TIMESTAMPS
    formfield_overrides = URL_FORM_FIELDS
    list_per_page = 50


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    """Countries come from pycountry (a data migration); editors look them up, never edit."""

    list_display = ("code", "alpha3", "name", "region")
    list_filter = ("region",)
    readonly_fields = TIMESTAMPS
    search_fields = ("code", "alpha3", "name")
    ordering = ("name",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExileGroup)
class ExileGroupAdmin(CitedAdmin):
    list_display = ("name", "slug", "updated_at")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("name",)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("title", "authors", "kind", "year", "published_on", "citation_count")
    list_filter = ("kind", "year")
    search_fields = ("title", "authors", "publisher", "slug", "notes")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = TIMESTAMPS
    formfield_overrides = URL_FORM_FIELDS
    ordering = ("title",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_count=Count("citations"))

    @admin.display(description="citations", ordering="citation_count")
    def citation_count(self, source):
        return source.citation_count


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    """All citations across the dataset, to review what a source is used for."""

    list_display = ("source", "locator", "claim", "content_type", "object_id", "record")
    list_filter = ("source", "content_type")
    search_fields = ("claim", "locator", "source__title")
    list_select_related = ("source", "content_type")
    autocomplete_fields = ("source",)
    readonly_fields = TIMESTAMPS
    ordering = ("source", "content_type", "object_id")


@admin.register(Statistic)
class StatisticAdmin(CitedAdmin):
    list_display = (
        "slug",
        "metric",
        "origin",
        "destination",
        "exile_group",
        "qualifier",
        "value",
        "period_start",
        "period_end",
        "is_historical",
    )
    list_filter = ("metric", "measure", "qualifier", "is_historical", "exile_group", "destination")
    search_fields = ("slug", "notes", "destination__name", "citations__claim")
    list_select_related = ("origin", "destination", "exile_group")
    autocomplete_fields = ("origin", "destination", "exile_group")
    date_hierarchy = "period_start"
    ordering = ("-period_end", "-period_start")
    fieldsets = (
        (None, {"fields": ("slug", "origin", "destination", "exile_group")}),
        (
            "Figure",
            {"fields": ("metric", "value", "value_low", "value_high", "qualifier", "unit")},
        ),
        ("What it measures", {"fields": ("measure", "counting_method")}),
        ("Period", {"fields": ("period_start", "period_end", "is_historical")}),
        (None, {"fields": ("notes", *TIMESTAMPS)}),
    )


class LocationInline(admin.TabularInline):
    model = Location
    fields = ("country", "city", "start_date", "end_date", "start_year", "end_year", "notes")
    autocomplete_fields = ("country",)
    show_change_link = True
    extra = 0


class ChannelInline(admin.TabularInline):
    model = Channel
    fields = ("platform", "handle", "web_url", "blocked_in_russia", "blocked_since")
    formfield_overrides = URL_FORM_FIELDS
    show_change_link = True
    extra = 0


@admin.register(MediaOutlet)
class MediaOutletAdmin(CitedAdmin):
    list_display = ("name", "kind", "country", "city", "status", "active_from_year")
    list_filter = ("kind", "status", "country")
    search_fields = ("name", "slug", "description", "city")
    list_select_related = ("country",)
    autocomplete_fields = ("country", "affiliated_organization")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ChannelInline, LocationInline, CitationInline]
    ordering = ("name",)


class AudienceFigureInline(admin.TabularInline):
    model = AudienceFigure
    fields = ("metric", "qualifier", "value", "value_low", "value_high", "as_of", "notes")
    show_change_link = True
    extra = 0


@admin.register(Channel)
class ChannelAdmin(CitedAdmin):
    """A channel on its own page, to cite it and edit its audience figures."""

    list_display = ("media_outlet", "platform", "handle", "blocked_in_russia", "blocked_since")
    list_filter = ("platform", "blocked_in_russia")
    search_fields = ("media_outlet__name", "handle", "notes")
    list_select_related = ("media_outlet",)
    autocomplete_fields = ("media_outlet",)
    inlines = [AudienceFigureInline, CitationInline]
    ordering = ("media_outlet__name", "platform")


@admin.register(AudienceFigure)
class AudienceFigureAdmin(CitedAdmin):
    list_display = ("channel", "metric", "qualifier", "value", "as_of")
    list_filter = ("metric", "qualifier")
    search_fields = ("channel__media_outlet__name", "notes")
    list_select_related = ("channel__media_outlet",)
    autocomplete_fields = ("channel",)
    ordering = ("channel", "metric")


class NotableFigureInline(admin.TabularInline):
    model = NotableFigure
    fields = ("name", "role", "description")
    show_change_link = True
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(CitedAdmin):
    list_display = ("name", "kind", "country", "city", "status", "founded_year", "dissolved_year")
    list_filter = ("kind", "status", "country", "exile_groups")
    search_fields = ("name", "slug", "description", "city", "notable_figures__name")
    list_select_related = ("country",)
    autocomplete_fields = ("country", "exile_groups")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [NotableFigureInline, LocationInline, CitationInline]
    ordering = ("name",)


@admin.register(NotableFigure)
class NotableFigureAdmin(CitedAdmin):
    list_display = ("name", "role", "organization")
    list_filter = ("role",)
    search_fields = ("name", "description", "organization__name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    ordering = ("name",)


@admin.register(Location)
class LocationAdmin(CitedAdmin):
    list_display = ("__str__", "country", "city", "start_year", "end_year", "start_date")
    list_filter = ("country",)
    search_fields = ("city", "media_outlet__name", "organization__name", "notes")
    list_select_related = ("country", "media_outlet", "organization")
    autocomplete_fields = ("country", "media_outlet", "organization")
    ordering = ("country", "city")


@admin.register(HostPolicy)
class HostPolicyAdmin(CitedAdmin):
    list_display = (
        "title",
        "country",
        "topic",
        "stance",
        "status",
        "announced_on",
        "effective_from",
        "effective_to",
        "is_historical",
    )
    list_filter = ("topic", "stance", "status", "is_historical", "country")
    search_fields = ("title", "summary", "conditions", "country__name", "slug")
    list_select_related = ("country",)
    autocomplete_fields = ("country", "exile_groups", "nationalities")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "announced_on"
    ordering = ("country__name", "title")


# The library's own key model is unused: keys here have an owner and scopes.
admin.site.unregister(APIKey)


@admin.register(ApiKey)
class ApiKeyAdmin(APIKeyModelAdmin):
    """Keys for apps. The key is shown once, in the message after saving a new one; only its
    hash is stored. Revoke instead of deleting, so that what a key did stays attributable."""

    list_display = ("prefix", "name", "owner", "scopes", "created", "expiry_date", "revoked")
    list_filter = ("revoked", "created")
    search_fields = ("name", "prefix", "owner__username")
    autocomplete_fields = ("owner",)
    list_select_related = ("owner",)
