"""The data editors' workbench: every model, searchable, filterable, with citations inline.

Curated records move through the editorial workflow with buttons on their own page and with
list actions (submit, return, publish, retract with a reason); every save, workflow step,
revert and deletion is kept in the record's history, which the "History" page shows with old
and new values and a revert button. Hard deletion is for superusers only. "View on site" opens
a record in the API; the site's own "View site" link, the API's documentation.

Subscriptions (webhooks) and their delivery log are their owners' own: staff see and manage
theirs, superusers everyone's. A subscription's signing secret is shown once, after adding it.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models, transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator, capfirst
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from exile_api import outbound

from . import admin_display
from .admin_import import RecordImportMixin
from .choices import ChangeAction, ChangeChannel, RevisionStatus, SubscriptionStatus
from .choices import PublicationStatus as Status
from .editorial import revisions, services, workflow
from .editorial.errors import EditorialError, Refused
from .models import (
    ApiKey,
    AudienceFigure,
    Change,
    Channel,
    Citation,
    Country,
    Delivery,
    ExileGroup,
    HostPolicy,
    Location,
    MediaOutlet,
    NotableFigure,
    Organization,
    Revision,
    Source,
    Statistic,
    Subscription,
)
from .models.base import WORKFLOW_FIELDS
from .registry import owning_record

# Not ``from . import subscriptions`` (sorted first): imported before resources.editorial, it
# would import the registry before resources.visibility, a cycle.
from .subscriptions import FilterError, describe_body, parse_filter, pause, redeliver
from .visibility import permission

TIMESTAMPS = ("created_at", "updated_at")
# The records a correction may be proposed for: every curated model (CuratedAdmin's pages).
CORRECTED_MODELS = (ExileGroup, HostPolicy, MediaOutlet, Organization, Source, Statistic)
# Addresses typed without a scheme are taken as https:// (Django 6's default, chosen now).
URL_FORM_FIELDS = {models.URLField: {"assume_scheme": "https"}}

admin.site.site_header = "Exile Resources — editors' admin"
admin.site.site_title = "Exile Resources admin"
admin.site.index_title = "Records, sources and their review"
# "View site": the API has no home page of its own; its documentation is where to look.
admin.site.site_url = reverse_lazy("swagger-ui")
# At 1,400 px the navigation sidebar left the lists some 700 px, and their columns wrapped
# line after line; the breadcrumbs and the index lead everywhere it did.
admin.site.enable_nav_sidebar = False

# The workflow's buttons on a record's page, by transition (resources.editorial.workflow).
TRANSITION_BUTTONS = {
    "submit": "Submit for review",
    "return": "Return to draft",
    "publish": "Publish",
    "retract": "Retract…",
}


def api_url(obj):
    """The API's URL of ``obj`` (or of the record it is shown within): its "View on site"."""
    # Imported here: the registry, which the API's routes read, cannot be imported before
    # resources.visibility (registry -> querysets -> visibility -> registry), which the
    # editorial services import below this module's imports.
    from .api.routes import detail_url

    return detail_url(obj, None)


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


def explain(exc):
    """An editorial refusal's message(s), as one line for the admin's messages."""
    detail = exc.detail
    if isinstance(detail, dict):
        return "; ".join(
            f"{field}: {' '.join(map(str, errors))}" for field, errors in detail.items()
        )
    return str(detail)


def editable(request, record):
    """Whether the user may edit ``record`` now (``workflow.check_editable``)."""
    try:
        workflow.check_editable(record, request.user)
    except EditorialError:
        return False
    return True


class RetractionForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Shown publicly with each retracted record.",
    )


class PrettyJSONField(forms.JSONField):
    """JSON shown indented, a field a line, to be read and edited by a person."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False, cls=self.encoder)


class CorrectionForm(forms.Form):
    data = PrettyJSONField(
        label="Corrected record",
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100, "class": "vLargeTextField"}),
        help_text="The record in the API's write shape (the body of a PUT to it): change what "
        "is wrong, leave the rest.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="What the correction fixes; kept in the record's history.",
    )

    def clean_data(self):
        data = self.cleaned_data["data"]
        if not isinstance(data, dict):
            raise forms.ValidationError("The record is a JSON object: {...}.")
        return data


def form_errors(detail, path=""):
    """A refusal's {field: [message, ...]} (nested, as a serializer's) as lines per form field:
    the record's own fields' errors go to ``data``, each with its path (``value: ...``)."""
    lines = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if not path and key in ("data", "reason"):
                nested = form_errors(value, "")
                lines.setdefault(key, []).extend(
                    line for field_lines in nested.values() for line in field_lines
                )
            else:
                for field, more in form_errors(value, f"{path}{key}.").items():
                    lines.setdefault(field, []).extend(more)
        return lines
    if isinstance(detail, list) and all(not isinstance(item, (dict, list)) for item in detail):
        where = path.removesuffix(".")
        return {"": [f"{where}: {message}" if where else str(message) for message in detail]}
    if isinstance(detail, list):
        for index, item in enumerate(detail):
            for field, more in form_errors(item, f"{path}{index}.").items():
                lines.setdefault(field, []).extend(more)
        return lines
    return {"": [f"{path.removesuffix('.')}: {detail}" if path else str(detail)]}


class SaveRefused(Exception):
    """Raised while saving a change form: nothing of the save is kept, the page says why."""


class AuditedAdmin(admin.ModelAdmin):
    """Admin of a record whose changes are kept (``resources.editorial.history``): its "History"
    page lists them, with a revert button on each earlier version, and a save that the workflow
    refuses is undone whole, with a message."""

    class Media:
        css = {"all": ["resources/admin.css"]}

    def view_on_site(self, obj):
        return api_url(obj)

    def record_label(self, obj):
        """How the record's pages name ``obj`` (their titles and breadcrumbs): str(obj), unless
        the model's admin says better."""
        return str(obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            # Django runs the form's save in a transaction: the exception rolls it all back.
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SaveRefused as exc:
            self.message_user(request, f"Not saved: {exc}", messages.ERROR)
            return redirect(request.get_full_path())

    def get_urls(self):
        opts = self.model._meta
        revert = path(
            "<path:object_id>/revert/<int:change_id>/",
            self.admin_site.admin_view(self.revert_view),
            name=f"{opts.app_label}_{opts.model_name}_revert",
        )
        return [revert, *super().get_urls()]

    def history_record(self, obj):
        """The curated record whose history ``obj``'s page shows."""
        return obj

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise DjangoPermissionDenied
        record = self.history_record(obj)
        changes = list(
            Change.objects.filter(
                content_type=ContentType.objects.get_for_model(record), object_id=record.pk
            ).order_by("-id")
        )
        titles = admin_display.source_titles(changes)
        for change in changes:
            change.rows = admin_display.history_rows(change, titles)
        can_revert = record is obj and self.has_change_permission(request, obj)
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {self.record_label(obj)}",
            "subtitle": None,
            "opts": opts,
            "object": obj,
            "record_label": self.record_label(obj),
            "record": record,
            "changes": changes,
            "can_revert": can_revert,
            "revert_url": f"admin:{opts.app_label}_{opts.model_name}_revert",
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/resources/record_history.html", context)

    def revert_view(self, request, object_id, change_id):
        obj = self.get_object(request, object_id)
        if obj is None or request.method != "POST" or not self.has_change_permission(request, obj):
            raise DjangoPermissionDenied
        change = get_object_or_404(Change, pk=change_id)
        try:
            services.revert(
                record=obj, change=change, user=request.user, channel=ChangeChannel.ADMIN
            )
        except EditorialError as exc:
            self.message_user(request, f"Not reverted: {explain(exc)}", messages.ERROR)
        else:
            self.message_user(request, f"Reverted to change #{change.pk}.", messages.SUCCESS)
        opts = self.model._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))


class CuratedAdmin(AuditedAdmin):
    """Admin of a curated record: its editorial status read-only (the workflow's buttons on its
    page and the list's actions move it), editing as ``resources.editorial.workflow`` allows,
    and hard deletion for superusers only."""

    actions = ["submit", "return_to_draft", "publish", "retract"]
    formfield_overrides = URL_FORM_FIELDS
    list_per_page = 50
    change_form_template = "admin/resources/curated_change_form.html"

    def get_urls(self):
        opts = self.model._meta
        move = path(
            "<path:object_id>/workflow/<str:transition_name>/",
            self.admin_site.admin_view(self.transition_view),
            name=f"{opts.app_label}_{opts.model_name}_transition",
        )
        correct = path(
            "<path:object_id>/correction/",
            self.admin_site.admin_view(self.correction_view),
            name=f"{opts.app_label}_{opts.model_name}_correction",
        )
        return [move, correct, *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context.update(self.workflow_context(request, obj))
            if obj.publication_status == Status.PUBLISHED and request.user.has_perm(
                permission(self.model, "change")
            ):
                opts = self.model._meta
                context["correction_url"] = reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_correction", args=[obj.pk]
                )
            context["subtitle"] = context["record_label"] = self.record_label(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def workflow_context(self, request, record):
        """What the record's page shows of the workflow: the buttons of the transitions the
        user's role and the record's status allow, and who last submitted it, when."""
        submission = (
            Change.objects.filter(
                content_type=ContentType.objects.get_for_model(record),
                object_id=record.pk,
                action=ChangeAction.SUBMITTED,
            )
            .order_by("-id")
            .first()
        )
        opts = self.model._meta
        return {
            "submission": submission,
            "workflow_buttons": [
                (transition, TRANSITION_BUTTONS[transition.name])
                for transition in workflow.offered_transitions(record, request.user)
            ],
            "transition_url": f"admin:{opts.app_label}_{opts.model_name}_transition",
        }

    def transition_view(self, request, object_id, transition_name):
        """A workflow button's POST: the transition through the editorial service (its refusal
        as an error message), then back to the record's page. A retraction asks for its reason
        first, as the list action does."""
        if transition_name not in workflow.TRANSITIONS:
            raise Http404("No such workflow step.")
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.model._meta.verbose_name} with this id.")
        if not self.has_view_or_change_permission(request, obj):
            raise DjangoPermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        opts = self.model._meta
        record_page = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        transition = workflow.TRANSITIONS[transition_name]
        reason = ""
        if transition_name == "retract":
            try:  # no reason asked of someone who may not retract this record anyway
                workflow.check_transition(obj, transition_name, user=request.user)
            except EditorialError as exc:
                self.message_user(request, f"Not {transition.past}: {explain(exc)}", messages.ERROR)
                return redirect(record_page)
            form = RetractionForm(request.POST if "reason" in request.POST else None)
            if not (form.is_bound and form.is_valid()):
                context = {
                    **self.admin_site.each_context(request),
                    "title": "Retract",
                    "opts": opts,
                    "records": [obj],
                    "record_page": record_page,
                    "record_label": self.record_label(obj),
                    "form": form,
                }
                return TemplateResponse(request, "admin/resources/retract.html", context)
            reason = form.cleaned_data["reason"]
        with transaction.atomic():
            record = self.model.objects.select_for_update().get(pk=obj.pk)
            try:
                services.transition(
                    record=record,
                    name=transition_name,
                    user=request.user,
                    channel=ChangeChannel.ADMIN,
                    reason=reason,
                )
            except EditorialError as exc:
                self.message_user(request, f"Not {transition.past}: {explain(exc)}", messages.ERROR)
            else:
                self.message_user(
                    request, f"{capfirst(opts.verbose_name)} {transition.past}.", messages.SUCCESS
                )
        return redirect(record_page)

    def correction_view(self, request, object_id):
        """Propose a correction of a published record (``editorial.revisions.propose``): its
        write shape as JSON to edit, and a reason; the serializer's errors shown on the form.
        The record itself stays as published until a reviewer publishes the correction."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.model._meta.verbose_name} with this id.")
        if not self.has_view_permission(request, obj):
            raise DjangoPermissionDenied
        opts = self.model._meta
        record_page = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        form = CorrectionForm(
            request.POST if request.method == "POST" else None,
            initial={"data": revisions.write_shape(obj)},
        )
        if form.is_bound and form.is_valid():
            try:
                revision = revisions.propose(
                    record=obj,
                    data=form.cleaned_data["data"],
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                    channel=ChangeChannel.ADMIN,
                    context={"request": request},
                )
            except Refused as exc:
                for field, lines in form_errors(exc.detail).items():
                    for line in lines:
                        form.add_error(field if field in form.fields else None, line)
            except EditorialError as exc:
                self.message_user(request, f"Not proposed: {explain(exc)}", messages.ERROR)
                return redirect(record_page)
            else:
                self.message_user(
                    request,
                    f"Correction #{revision.pk} proposed: submit it for review when it is ready.",
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:resources_revision_change", args=[revision.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Propose a correction",
            "subtitle": None,
            "opts": opts,
            "original": obj,
            "record_page": record_page,
            "record_label": self.record_label(obj),
            "form": form,
        }
        return TemplateResponse(request, "admin/resources/propose_correction.html", context)

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *WORKFLOW_FIELDS)

    def get_list_display(self, request):
        return (*super().get_list_display(request), "publication_status")

    def get_list_filter(self, request):
        return ("publication_status", *super().get_list_filter(request))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.fieldsets:  # declared ones do not list the workflow's fields
            fieldsets = (*fieldsets, ("Editorial status", {"fields": WORKFLOW_FIELDS}))
        return fieldsets

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or editable(request, obj))

    def has_delete_permission(self, request, obj=None):
        # DELETE through the API retracts; removing a record for good is a superuser's call.
        return request.user.is_superuser

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        try:
            services.record_write(
                record=form.instance,
                action=ChangeAction.UPDATED if change else ChangeAction.CREATED,
                user=request.user,
                channel=ChangeChannel.ADMIN,
            )
        except EditorialError as exc:
            raise SaveRefused(explain(exc)) from exc

    def delete_model(self, request, obj):
        services.delete(record=obj, user=request.user, channel=ChangeChannel.ADMIN)

    def delete_queryset(self, request, queryset):
        # The "delete selected" action runs outside a transaction: each deletion and its
        # history must be kept together, and the read cache invalidated after both.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def move(self, request, queryset, transition_name, reason=""):
        """Apply a workflow transition to each selected record; report each refusal."""
        moved = 0
        selected = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():
            # A fresh queryset: the changelist's may join nullable relations or aggregate,
            # which row locks refuse.
            for record in self.model.objects.select_for_update().filter(pk__in=selected):
                try:  # a refused record undoes only itself (the service's own transaction)
                    services.transition(
                        record=record,
                        name=transition_name,
                        user=request.user,
                        channel=ChangeChannel.ADMIN,
                        reason=reason,
                    )
                except EditorialError as exc:
                    self.message_user(request, f"{record}: {explain(exc)}", messages.ERROR)
                else:
                    moved += 1
        if moved:
            summary = workflow.TRANSITIONS[transition_name].summary
            self.message_user(request, f"{summary}: done for {moved}.", messages.SUCCESS)

    @admin.action(description="Submit selected for review")
    def submit(self, request, queryset):
        self.move(request, queryset, "submit")

    @admin.action(description="Return selected to draft")
    def return_to_draft(self, request, queryset):
        self.move(request, queryset, "return")

    @admin.action(description="Publish selected (in review)")
    def publish(self, request, queryset):
        self.move(request, queryset, "publish")

    @admin.action(description="Retract selected (with a reason)")
    def retract(self, request, queryset):
        form = RetractionForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            self.move(request, queryset, "retract", form.cleaned_data["reason"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Retract",
            "opts": self.model._meta,
            "records": queryset,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/resources/retract.html", context)


class CitedAdmin(CuratedAdmin):
    """Admin of a cited curated record: citations inline, timestamps read-only."""

    inlines = [CitationInline]
    readonly_fields = TIMESTAMPS


class NestedRecordAdmin(AuditedAdmin):
    """A record shown within a curated one (channel, location, citation, ...): editing it
    edits that record, so it follows that record's rules and history."""

    inlines = [CitationInline]
    readonly_fields = TIMESTAMPS
    formfield_overrides = URL_FORM_FIELDS
    list_per_page = 50

    def history_record(self, obj):
        return owning_record(obj)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or editable(request, self.history_record(obj)))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or editable(request, self.history_record(obj)))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        record = self.history_record(form.instance)
        if not editable(request, record):  # e.g. a new channel added to a retracted outlet
            raise SaveRefused(f"{record} cannot be edited.")
        self.record_owner_change(request, record)

    def delete_model(self, request, obj):
        record = self.history_record(obj)
        super().delete_model(request, obj)
        self.record_owner_change(request, record)

    def delete_queryset(self, request, queryset):
        # The "delete selected" action runs outside a transaction: each deletion and its
        # history must be kept together, and the read cache invalidated after both.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def record_owner_change(self, request, record):
        services.record_write(
            record=record,
            action=ChangeAction.UPDATED,
            user=request.user,
            channel=ChangeChannel.ADMIN,
            # As before: a nested record's own page does not check its record's references
            # (a citation of an unpublished source added here is not refused).
            check_references=False,
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are looked up here, never added, edited or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Country)
class CountryAdmin(ReadOnlyAdmin):
    """Countries come from pycountry (a data migration); editors look them up, never edit."""

    list_display = ("code", "alpha3", "name", "region")
    list_filter = ("region",)
    readonly_fields = TIMESTAMPS
    search_fields = ("code", "alpha3", "name")
    ordering = ("name",)

    def view_on_site(self, obj):
        return api_url(obj)


@admin.register(ExileGroup)
class ExileGroupAdmin(CitedAdmin):
    list_display = ("name", "slug", "updated_at")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("name",)


@admin.register(Source)
class SourceAdmin(CuratedAdmin):
    list_display = ("title", "authors", "kind", "year", "published_on", "citation_count")
    list_filter = ("kind", "year")
    search_fields = ("title", "authors", "publisher", "slug", "notes")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = TIMESTAMPS
    ordering = ("title",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_count=Count("citations"))

    @admin.display(description="citations", ordering="citation_count")
    def citation_count(self, source):
        return source.citation_count


@admin.register(Citation)
class CitationAdmin(NestedRecordAdmin):
    """All citations across the dataset, to review what a source is used for."""

    list_display = ("source", "locator", "claim", "content_type", "object_id", "record")
    list_filter = ("source", "content_type")
    search_fields = ("claim", "locator", "source__title")
    list_select_related = ("source", "content_type")
    autocomplete_fields = ("source",)
    inlines = []
    ordering = ("source", "content_type", "object_id")

    def history_record(self, obj):
        return owning_record(obj.record)

    def view_on_site(self, obj):
        return api_url(obj.record) if obj.record is not None else None


@admin.register(Statistic)
class StatisticAdmin(RecordImportMixin, CitedAdmin):
    list_display = ("slug", "metric", "route", "exile_group", "figure", "period", "sources")
    list_filter = (
        "metric",
        "measure",
        "qualifier",
        "is_historical",
        "exile_group",
        ("destination", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("slug", "notes", "destination__name", "citations__claim")
    list_select_related = ("origin", "destination", "exile_group")
    autocomplete_fields = ("origin", "destination", "exile_group")
    date_hierarchy = "period_start"
    # The model's own order, as the API lists them: latest first, undated ones last (a plain
    # "-period_end" put them first).
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

    def get_queryset(self, request):
        # The sources column: the page's citations and their sources in two queries.
        citations = Citation.objects.select_related("source").order_by("id")
        return super().get_queryset(request).prefetch_related(Prefetch("citations", citations))

    def record_label(self, obj):
        # Not str(obj): the API shows that (a source's cited_by), with the value as stored.
        return (
            f"{obj.get_metric_display()} {obj.origin_id}→{obj.destination_id or 'abroad'}: "
            f"{admin_display.figure_text(obj)}"
        )

    @admin.display(description="from → to", ordering="destination__name")
    def route(self, statistic):
        destination = statistic.destination.name if statistic.destination else "abroad"
        return f"{statistic.origin_id} → {destination}"

    @admin.display(description="figure", ordering="value")
    def figure(self, statistic):
        return admin_display.figure(statistic)

    @admin.display(description="period", ordering="period_start")
    def period(self, statistic):
        return admin_display.period(statistic.period_start, statistic.period_end)

    @admin.display(description="sources")
    def sources(self, statistic):
        return admin_display.cited_sources(statistic)


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
class MediaOutletAdmin(RecordImportMixin, CitedAdmin):
    list_display = ("name", "kind", "country", "city", "status", "active")
    list_filter = ("kind", "status", ("country", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "slug", "description", "city")
    list_select_related = ("country",)
    autocomplete_fields = ("country", "affiliated_organization")
    prepopulated_fields = {"slug": ("name",)}
    # Listed, not left to the model: fields shared through ExileBody come first there.
    fields = (
        "name",
        "slug",
        "kind",
        "name_ru",
        "description",
        "description_ru",
        "country",
        "city",
        "languages",
        "active_from_year",
        "active_to_year",
        "status",
        "contact_details",
        "internal_notes",
        "affiliated_organization",
        *TIMESTAMPS,
        *WORKFLOW_FIELDS,
    )
    inlines = [ChannelInline, LocationInline, CitationInline]
    ordering = ("name",)

    @admin.display(description="active", ordering="active_from_year")
    def active(self, outlet):
        return admin_display.years(outlet.active_from_year, outlet.active_to_year)


class AudienceFigureInline(admin.TabularInline):
    model = AudienceFigure
    fields = ("metric", "qualifier", "value", "value_low", "value_high", "as_of", "notes")
    show_change_link = True
    extra = 0


@admin.register(Channel)
class ChannelAdmin(NestedRecordAdmin):
    """A channel on its own page, to cite it and edit its audience figures."""

    list_display = ("media_outlet", "platform", "handle", "blocked_in_russia", "blocked_since")
    list_filter = ("platform", "blocked_in_russia")
    search_fields = ("media_outlet__name", "handle", "notes")
    list_select_related = ("media_outlet",)
    autocomplete_fields = ("media_outlet",)
    inlines = [AudienceFigureInline, CitationInline]
    ordering = ("media_outlet__name", "platform")


@admin.register(AudienceFigure)
class AudienceFigureAdmin(NestedRecordAdmin):
    list_display = ("channel", "metric", "figure", "as_of")
    list_filter = ("metric", "qualifier")
    search_fields = ("channel__media_outlet__name", "notes")
    list_select_related = ("channel__media_outlet",)
    autocomplete_fields = ("channel",)
    ordering = ("channel", "metric")

    @admin.display(description="figure", ordering="value")
    def figure(self, audience_figure):
        return admin_display.figure(audience_figure)


class NotableFigureInline(admin.TabularInline):
    model = NotableFigure
    fields = ("name", "role", "description")
    show_change_link = True
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(RecordImportMixin, CitedAdmin):
    list_display = ("name", "kind", "country", "city", "status", "years")
    list_filter = ("kind", "status", ("country", admin.RelatedOnlyFieldListFilter), "exile_groups")
    search_fields = ("name", "slug", "description", "city", "notable_figures__name")
    list_select_related = ("country",)
    autocomplete_fields = ("country", "exile_groups")
    prepopulated_fields = {"slug": ("name",)}
    # Listed, not left to the model: fields shared through ExileBody come first there.
    fields = (
        "name",
        "slug",
        "kind",
        "name_ru",
        "description",
        "description_ru",
        "country",
        "city",
        "founded_year",
        "dissolved_year",
        "status",
        "website",
        "contact_details",
        "internal_notes",
        "exile_groups",
        *TIMESTAMPS,
        *WORKFLOW_FIELDS,
    )
    inlines = [NotableFigureInline, LocationInline, CitationInline]
    ordering = ("name",)

    @admin.display(description="founded, dissolved", ordering="founded_year")
    def years(self, organization):
        return admin_display.years(organization.founded_year, organization.dissolved_year)


@admin.register(NotableFigure)
class NotableFigureAdmin(NestedRecordAdmin):
    list_display = ("name", "role", "organization")
    list_filter = ("role",)
    search_fields = ("name", "description", "organization__name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    ordering = ("name",)


@admin.register(Location)
class LocationAdmin(NestedRecordAdmin):
    list_display = ("__str__", "country", "city", "start_year", "end_year", "start_date")
    list_filter = (("country", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("city", "media_outlet__name", "organization__name", "notes")
    list_select_related = ("country", "media_outlet", "organization")
    autocomplete_fields = ("country", "media_outlet", "organization")
    ordering = ("country", "city")


@admin.register(HostPolicy)
class HostPolicyAdmin(RecordImportMixin, CitedAdmin):
    list_display = ("title", "country", "topic", "stance", "status", "announced_on", "in_force")
    list_filter = (
        "topic",
        "stance",
        "status",
        "is_historical",
        ("country", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("title", "summary", "conditions", "country__name", "slug")
    list_select_related = ("country",)
    autocomplete_fields = ("country", "exile_groups", "nationalities")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "announced_on"
    ordering = ("country__name", "title")

    @admin.display(description="in force", ordering="effective_from")
    def in_force(self, policy):
        return admin_display.period(policy.effective_from, policy.effective_to)


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    """Corrections of published records (proposed from a record's page), with the buttons
    that move them on: submit, publish (a second reviewer), withdraw. Read-only otherwise:
    what a correction proposes is fixed once proposed; a new one replaces it."""

    list_display = ("id", "record_link", "status", "reason", "proposed_by", "proposed_at")
    list_filter = ("status", "content_type")
    search_fields = ("reason",)
    list_select_related = ("content_type", "proposed_by")
    ordering = ("-id",)
    fields = (
        "record_link",
        "status",
        "reason",
        "proposed_by",
        "proposed_at",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "base_updated_at",
    )
    readonly_fields = fields
    change_form_template = "admin/resources/revision_change_form.html"
    # Each button: the service it calls, its label, and the past tense for messages.
    STEPS = {
        "submit": (revisions.submit, "Submit for review", "submitted"),
        "publish": (revisions.publish, "Publish the correction", "published"),
        "withdraw": (revisions.withdraw, "Withdraw", "withdrawn"),
    }
    OFFERED = {
        RevisionStatus.DRAFT: ("submit", "withdraw"),
        RevisionStatus.IN_REVIEW: ("publish", "withdraw"),
    }

    def has_view_permission(self, request, obj=None):
        # Whoever sees a record's drafts sees its corrections: no permissions of their own.
        if obj is not None:
            model = obj.content_type.model_class()
            return model is not None and request.user.has_perm(permission(model, "view"))
        return any(request.user.has_perm(permission(model, "view")) for model in CORRECTED_MODELS)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def get_urls(self):
        step = path(
            "<path:object_id>/step/<str:step>/",
            self.admin_site.admin_view(self.step_view),
            name="resources_revision_step",
        )
        return [step, *super().get_urls()]

    @admin.display(description="record")
    def record_link(self, revision):
        record = revision.record
        if record is None:
            return f"{revision.content_type.model} {revision.object_id} (gone)"
        opts = record._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
        return format_html('<a href="{}">{}: {}</a>', url, opts.verbose_name, record)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            record = obj.record
            current = revisions.write_shape(record) if record is not None else {}
            context.update(
                current_json=json.dumps(current, indent=2, ensure_ascii=False),
                proposed_json=json.dumps(obj.data, indent=2, ensure_ascii=False),
                changed_fields=sorted(
                    name
                    for name in set(current) | set(obj.data)
                    if current.get(name) != obj.data.get(name)
                ),
                step_buttons=[
                    (name, self.STEPS[name][1]) for name in self.OFFERED.get(obj.status, ())
                ],
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def step_view(self, request, object_id, step):
        """A button's POST: the step through its service, a refusal as an error message."""
        if step not in self.STEPS:
            raise Http404("No such step.")
        revision = self.get_object(request, unquote(object_id))
        if revision is None:
            raise Http404("No such correction.")
        if not self.has_view_permission(request, revision):
            raise DjangoPermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        service, _label, past = self.STEPS[step]
        try:
            service(revision=revision, user=request.user, channel=ChangeChannel.ADMIN)
        except EditorialError as exc:
            self.message_user(request, f"Not {past}: {explain(exc)}", messages.ERROR)
        else:
            self.message_user(request, f"Correction #{revision.pk} {past}.", messages.SUCCESS)
        return redirect(reverse("admin:resources_revision_change", args=[revision.pk]))


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    """Every change to every curated record, newest first: the audit trail. Read-only."""

    list_display = ("id", "at", "action", "content_type", "record_key", "username", "channel")
    list_filter = ("action", "channel", "content_type", "publication_status")
    search_fields = ("record_key", "username", "reason")
    list_select_related = ("content_type",)
    date_hierarchy = "at"
    ordering = ("-id",)
    readonly_fields = ("record_link",)

    @admin.display(description="record")
    def record_link(self, change):
        model = change.content_type.model_class()
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_history",
            args=[change.object_id],
        )
        return format_html('<a href="{}">{} (history)</a>', url, change.record_key)


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


# Subscriptions (webhooks) ------------------------------------------------------------------

# A long text (why a subscription was paused, a delivery's error) in a list's column: cut,
# whole in the tooltip.
LIST_TEXT_CHARS = 60
# How much of a signing secret its page shows: enough to tell two apart ("whsec_" and four
# random characters), far too little to sign with.
SECRET_SHOWN_CHARS = 10


def shortened(text):
    """``text`` cut to fit a list's column, whole in its tooltip."""
    if not text:
        return ""
    return format_html('<span title="{}">{}</span>', text, Truncator(text).chars(LIST_TEXT_CHARS))


def masked(secret):
    """The start of a signing secret, to recognise it by: never the whole of it."""
    return f"{secret[:SECRET_SHOWN_CHARS]}…"


class SubscriptionForm(forms.ModelForm):
    """A subscription checked as the API checks it: a target URL that may be requested
    (``outbound.check_url``) and a filter valid for its owner (``parse_filter``),
    whose types and actions are stored for the query that picks subscriptions per change."""

    # Declared, not generated from the model: a generated one takes an address typed without
    # a scheme as http:// (Django 5's deprecated default), and warns.
    target_url = forms.URLField(
        max_length=2000,
        assume_scheme="https",
        help_text=Subscription._meta.get_field("target_url").help_text,
    )
    # Who fills the form in (SubscriptionAdmin.get_form): the owner when none is chosen.
    user = None

    class Meta:
        model = Subscription
        fields = ("owner", "target_url", "filter", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        owner = self.fields.get("owner")
        if owner is not None:
            owner.required = False
            owner.help_text = "Who it belongs to: only what this user may read is sent. Empty: you."

    def clean_target_url(self):
        url = self.cleaned_data["target_url"]
        try:
            outbound.check_url(url)
        except outbound.UnsafeURL as refusal:
            raise forms.ValidationError(str(refusal), code="unsafe_url") from refusal
        return url

    def clean(self):
        cleaned = super().clean()
        if "owner" in self.fields:
            if "owner" in self.errors:
                return cleaned
            cleaned["owner"] = owner = cleaned.get("owner") or self.user
        else:  # a staff user's own, or an existing subscription (its owner is read-only)
            if not self.instance.owner_id:
                self.instance.owner = self.user
            owner = self.instance.owner
        text = cleaned.get("filter")
        if text is None:  # refused already (too long)
            return cleaned
        try:
            types, actions, _query = parse_filter(text, owner)
        except FilterError as invalid:
            for name, lines in invalid.errors.items():
                for line in lines:
                    self.add_error("filter", f"{name}: {line}")
        else:
            cleaned["filter"] = text.lstrip("?")
            self.instance.types, self.instance.actions = types, actions
        return cleaned


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Subscriptions (webhooks): where each matching change is POSTed, and whether it is.
    Staff see and manage their own; superusers, everyone's. The signing secret is shown whole
    once, in the message after adding; its page shows only its start. Pausing skips what is
    still queued; resuming sends what changes from then on (the skipped deliveries can be
    redelivered from the delivery log)."""

    form = SubscriptionForm
    list_display = (
        "id",
        "owner",
        "target_url",
        "which_changes",
        "status",
        "why_paused",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("target_url", "owner__username")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    ordering = ("-id",)
    actions = ["pause_selected", "resume_selected"]
    readonly_fields = (
        "status",
        "paused_reason",
        "types",
        "actions",
        "signing_secret",
        "deliveries",
        *TIMESTAMPS,
    )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(owner=request.user)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            # Only a superuser chooses the owner; anyone else's subscriptions are their own.
            owner = ("owner",) if request.user.is_superuser else ()
            return ((None, {"fields": (*owner, "target_url", "filter", "description")}),)
        return (
            (None, {"fields": ("owner", "target_url", "filter", "description")}),
            ("Status", {"fields": ("status", "paused_reason", "deliveries")}),
            ("Sending", {"fields": ("signing_secret", "types", "actions", *TIMESTAMPS)}),
        )

    def get_readonly_fields(self, request, obj=None):
        # Its owner stays: given to another user, it would send what they may read to a URL
        # they never gave.
        owner = ("owner",) if obj is not None else ()
        return (*owner, *super().get_readonly_fields(request, obj))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user  # a class of its own, made for this request
        return form

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            messages.success(
                request,
                f"Copy this signing secret now: {obj.secret} — it signs every delivery and "
                "is not shown again.",
            )

    @admin.display(description="filter", ordering="filter")
    def which_changes(self, subscription):
        return subscription.filter or "every change"

    @admin.display(description="why paused")
    def why_paused(self, subscription):
        return shortened(subscription.paused_reason)

    @admin.display(description="signing secret")
    def signing_secret(self, subscription):
        return masked(subscription.secret)

    @admin.display(description="deliveries")
    def deliveries(self, subscription):
        url = reverse("admin:resources_delivery_changelist")
        query = urlencode({"subscription__id__exact": subscription.pk})
        return format_html('<a href="{}?{}">The delivery log</a>', url, query)

    @admin.action(description="Pause selected", permissions=["change"])
    def pause_selected(self, request, queryset):
        reason = f"Paused in the admin by {request.user.get_username()}."
        paused = 0
        # A fresh queryset: the changelist's may be ordered or searched in ways that
        # select_for_update refuses; the lock keeps two pauses from crossing.
        selected = queryset.values("pk")
        with transaction.atomic():
            for subscription in Subscription.objects.select_for_update().filter(
                pk__in=selected, status=SubscriptionStatus.ACTIVE
            ):
                pause(subscription, reason)
                paused += 1
        self.message_user(request, f"Paused: done for {paused}.", messages.SUCCESS)

    @admin.action(description="Resume selected", permissions=["change"])
    def resume_selected(self, request, queryset):
        resumed = Subscription.objects.filter(
            pk__in=queryset.values("pk"), status=SubscriptionStatus.PAUSED
        ).update(status=SubscriptionStatus.ACTIVE, paused_reason="", updated_at=timezone.now())
        self.message_user(
            request,
            f"Resumed: done for {resumed}. What changed while paused is not sent; redeliver "
            "the skipped deliveries for that.",
            messages.SUCCESS,
        )


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The delivery log: each change sent (or to be sent) to a subscription, with how it went
    and what was sent. Read-only; "Redeliver" queues a delivery again, with the same body and
    idempotency key. Staff see the deliveries of their own subscriptions; only superusers may
    delete entries."""

    list_display = (
        "id",
        "subscription",
        "event",
        "status",
        "attempts",
        "response_status",
        "error",
        "created_at",
        "delivered_at",
    )
    list_filter = ("status", "event")
    search_fields = ("event", "subscription__target_url")
    list_select_related = ("subscription",)
    ordering = ("-id",)
    actions = ["redeliver_selected"]
    fields = (
        "subscription",
        "change",
        "event",
        "status",
        "attempts",
        "response_status",
        "last_error",
        "idempotency_key",
        "redelivery_of",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "payload",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        deliveries = super().get_queryset(request)
        if request.user.is_superuser:
            return deliveries
        return deliveries.filter(subscription__owner=request.user)

    def has_delete_permission(self, request, obj=None):
        # The log is what the subscription was sent: clearing it is a superuser's call.
        return request.user.is_superuser

    def has_redeliver_permission(self, request):
        # Sending again is managing the subscription, not editing its log.
        return request.user.has_perm(permission(Subscription, "change"))

    @admin.display(description="last error")
    def error(self, delivery):
        return shortened(delivery.last_error)

    @admin.display(description="payload")
    def payload(self, delivery):
        try:
            data = describe_body(delivery)
        except ValueError:  # not JSON: shown as it is
            return format_html("<pre>{}</pre>", bytes(delivery.body).decode(errors="replace"))
        return format_html("<pre>{}</pre>", json.dumps(data, indent=2, ensure_ascii=False))

    @admin.action(description="Redeliver selected", permissions=["redeliver"])
    def redeliver_selected(self, request, queryset):
        queued, refused = 0, []
        # In the order of their changes, as the subscription was sent them first.
        for delivery in queryset.select_related("subscription", "change").order_by("id"):
            if delivery.subscription.status != SubscriptionStatus.ACTIVE:
                refused.append(delivery)
                continue
            redeliver(delivery)
            queued += 1
        if queued:
            self.message_user(request, f"Queued for redelivery: {queued}.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                "Not redelivered, their subscription is paused (resume it first): "
                + ", ".join(f"#{delivery.pk}" for delivery in refused)
                + ".",
                messages.WARNING,
            )
