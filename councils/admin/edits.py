"""The admin's part in revisions: an edit or deletion that changes a public year's figures asks
for a reason and records a revision; revisions themselves are read-only."""

import copy
from contextlib import contextmanager
from functools import partial

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import model_ngettext
from django.db import transaction
from django.http import QueryDict
from django.template.response import TemplateResponse

from councils import revisions
from councils.models import RevisedCouncil, Revision


class RevisionReasonForm(forms.ModelForm):
    """An admin edit of a public year's figures must say why (the reason is published)."""

    revision_reason = forms.CharField(
        label="Reason for the revision",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Needed when the change alters the figures of a published year; published "
        "with the revision on the year's page and each council's page.",
    )

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        # Saved in a savepoint that is rolled back: a copy, so the form's instance stays unsaved.
        impact = revisions.trial(lambda: copy.copy(self.instance).save())
        try:
            revisions.required_reason(impact, self.cleaned_data.get("revision_reason"))
        except revisions.ReasonRequired as error:
            self.add_error("revision_reason", str(error))


class RecordsRevisions:
    """Staff edits and deletions that change a public year's figures record a revision, with
    the reason given on the form or the delete confirmation page.

    Measured around the save or delete itself (the form and the confirmation page measured a
    trial), so the revision names exactly the councils whose figures changed.
    """

    form = RevisionReasonForm

    def save_model(self, request, obj, form, change):
        watch = revisions.Watch()
        super().save_model(request, obj, form, change)
        impact = watch.impact()
        if impact:
            what = f"admin edit of {obj._meta.verbose_name} {obj}"
            reason = form.cleaned_data.get("revision_reason")
            revisions.record(impact, reason, user=request.user, change=what)

    def delete_model(self, request, obj):
        with _deletion_revision(request, f"{obj._meta.verbose_name} {obj}"):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        count, names = len(queryset), ", ".join(map(str, queryset))
        with _deletion_revision(request, f"{count} {model_ngettext(queryset, count)}: {names}"):
            super().delete_queryset(request, queryset)

    def delete_view(self, request, object_id, extra_context=None):
        view = partial(super().delete_view, object_id=object_id, extra_context=extra_context)
        response, refused = _refusable(view, request)
        if isinstance(response, TemplateResponse):
            obj = response.context_data["object"]
            _ask_reason(response, self.model._default_manager.filter(pk=obj.pk), refused)
        return response

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            action, name, description = actions["delete_selected"]
            actions[name] = (partial(_delete_selected, action), name, description)
        return actions


def _delete_selected(action, modeladmin, request, queryset):
    """The changelist's "Delete selected" action, asking why when it revises a public year."""
    response, refused = _refusable(partial(action, modeladmin, queryset=queryset), request)
    if isinstance(response, TemplateResponse):
        _ask_reason(response, queryset, refused)
    return response


@contextmanager
def _deletion_revision(request, what):
    """Records the revision a deletion makes, with the confirmation page's reason; without one,
    ReasonRequired undoes the deletion."""
    with transaction.atomic():
        watch = revisions.Watch()
        yield
        if impact := watch.impact():
            reason = request.POST.get("revision_reason")
            revisions.record(impact, reason, user=request.user, change=f"admin delete of {what}")


def _refusable(view, request):
    """The view's response, and None; or, when the deletion it confirms needs a reason and has
    none, its confirmation page again, and the refusal."""
    try:
        # The view's deletion log entries are undone with the deletion.
        with transaction.atomic():
            return view(request), None
    except revisions.ReasonRequired as refused:
        unconfirmed = copy.copy(request)
        unconfirmed.method, unconfirmed.POST = "GET", QueryDict()  # shows the page, deletes nothing
        return view(unconfirmed), refused


def _ask_reason(response, queryset, refused):
    """Tells a delete confirmation page (a TemplateResponse, not yet rendered) what deleting
    `queryset` would change in public years, for templates/admin/councils/delete_reason.html."""
    context = response.context_data
    if not (context["perms_lacking"] or context["protected"]):  # else nothing can be deleted
        context["revision_impact"] = revisions.trial(queryset.delete)
        context["revision_refused"] = refused


class ReadOnly:
    """Written only by imports and edits that revise a public year; never by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RevisedCouncilInline(ReadOnly, admin.TabularInline):
    model = RevisedCouncil
    extra = 0
    verbose_name = "council affected"
    verbose_name_plural = "councils affected"


@admin.register(Revision)
class RevisionAdmin(ReadOnly, admin.ModelAdmin):
    """Revisions of public years: what the public sees, plus who made each one and how."""

    list_display = ["year", "revised_on", "reason", "made_by", "change", "recorded_at"]
    list_filter = ["year"]
    search_fields = ["reason", "change", "councils__name", "councils__code"]
    date_hierarchy = "revised_on"
    list_select_related = ["year", "made_by"]
    inlines = [RevisedCouncilInline]
