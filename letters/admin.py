"""Staff tools: write a year's template, generate, correct, regenerate and send letters, and
give council officers their accounts."""

from copy import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminFileWidget
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.utils.html import format_html, format_html_join
from import_export import fields
from import_export.admin import ExportMixin

from councils.models import Council, Job
from councils.opendata.exports import SafeResource
from letters import jobs
from letters.logo import logo_data_uri
from letters.models import Letter, LetterSending, LetterTemplate, LetterVersion, Officer
from letters.preview import PreviewForm, preview_letter
from letters.rendering import PdfUnavailable, letter_content, render_pdf


def _show_job(modeladmin, request: HttpRequest, started: tuple[Job, bool]) -> HttpResponseRedirect:
    """Generating, regenerating and sending run as background jobs (`letters.jobs`): the action
    answers with the job's progress page."""
    job, new = started
    if not new:
        modeladmin.message_user(
            request, "The same work was already started: this is its progress.", messages.INFO
        )
    return HttpResponseRedirect(job.get_absolute_url())


class LogoInput(AdminFileWidget):
    """The stored logo shown as an image, not linked: MEDIA_URL is not served."""

    template_name = "letters/widgets/logo_input.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            context["widget"]["logo_src"] = logo_data_uri(value.name)
        return context


class LetterTemplateForm(forms.ModelForm):
    # Not saved: which council the "Preview" button shows the letter for.
    preview_council = forms.ModelChoiceField(
        Council.objects.current(),
        required=False,
        label="Preview for",
        help_text="Pick a council, then “Preview the letter”: a new tab shows this template's "
        "letter to it with today's figures (nothing is saved).",
    )

    class Meta:
        model = LetterTemplate
        fields = [
            "year",
            "letter_date",
            "publication_date",
            "signatory_name",
            "signatory_titles",
            "body",
            "logo",
        ]
        widgets = {"logo": LogoInput(attrs={"accept": "image/png"})}


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    form = LetterTemplateForm
    list_display = ["year", "letter_date", "publication_date", "signatory_name", "letter_count"]
    list_select_related = ["year"]
    readonly_fields = ["demo"]
    actions = ["generate_missing_letters"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[LetterTemplate]:
        return super().get_queryset(request).annotate(letter_count=Count("letters"))

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("preview/", preview, name="letters_lettertemplate_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The letter the unsaved template would make for the chosen council."""
        if request.method != "POST" or not self.has_view_or_change_permission(request):
            raise PermissionDenied
        form = PreviewForm(request.POST)
        # "live": asked by js/letter_preview.js for the change form's own iframe, not a new tab.
        context = {"live": request.POST.get("live") == "1"}
        if not form.is_valid():
            context["errors"] = form.errors
        else:
            letter = preview_letter(form)
            context.update(letter=letter, content=letter_content(letter))
        response = TemplateResponse(request, "letters/letter_preview.html", context)
        patch_cache_control(response, private=True, no_store=True)
        return response

    @admin.display(description="letters", ordering="letter_count")
    def letter_count(self, template: LetterTemplate) -> int:
        return template.letter_count

    @admin.action(description="Generate letters for every council with figures that year")
    def generate_missing_letters(self, request: HttpRequest, queryset: QuerySet):
        started = [jobs.start_generating(t, request.user) for t in queryset.select_related("year")]
        if len(started) == 1:
            return _show_job(self, request, started[0])
        self.message_user(request, f"{len(started)} years' letters are being generated.")
        return HttpResponseRedirect(reverse("admin:councils_job_changelist"))


class LetterSendingInline(admin.TabularInline):
    model = LetterSending
    extra = 0
    can_delete = False
    fields = readonly_fields = ["sent_at", "sent_by", "to_address"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class LetterVersionInline(admin.TabularInline):
    model = LetterVersion
    extra = 0
    can_delete = False
    fields = readonly_fields = ["number", "generated_at", "reason", "superseded_at", "download"]
    verbose_name_plural = "earlier versions (kept when the letter was reissued)"

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[LetterVersion]:
        return super().get_queryset(request).defer("pdf", "snapshot")

    @admin.display(description="PDF")
    def download(self, version: LetterVersion) -> str:
        return format_html('<a href="{}">PDF</a>', version.get_pdf_url())


class ReissueForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
        help_text="Shown with the letter, e.g. “A decision was recorded against the wrong "
        "council; figures corrected.” The current version of each letter is kept.",
    )


class LetterForm(forms.ModelForm):
    """Re-renders the PDF when staff change the addressee or paragraphs, so it matches the page."""

    EDITABLE = ["addressee_name", "addressee_title", "salutation", "council_paragraphs"]

    class Meta:
        model = Letter
        fields = ["addressee_name", "addressee_title", "salutation", "council_paragraphs"]

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.has_changed() and not self.errors:
            draft = copy(self.instance)
            for name in self.EDITABLE:
                setattr(draft, name, cleaned.get(name, ""))
            try:
                render_pdf(draft)
            except PdfUnavailable as error:
                raise ValidationError(str(error)) from error
            self.rendered = (draft.pdf, draft.pdf_rendered_at, draft.pdf_embargoed_until)
        return cleaned


class LetterResource(SafeResource):
    council_code = fields.Field(attribute="council__code", column_name="council_code")
    council_name = fields.Field(attribute="council__official_name", column_name="council_name")
    year = fields.Field(attribute="template__year__label", column_name="year")

    class Meta:
        model = Letter
        fields = [
            "council_code",
            "council_name",
            "year",
            "addressee_name",
            "addressee_title",
            "generated_at",
        ]
        export_order = fields


@admin.register(Letter)
class LetterAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [LetterResource]
    form = LetterForm
    list_display = [
        "council",
        "year",
        "addressee_name",
        "generated_at",
        "generated_by",
        "last_sent",
    ]
    list_filter = ["template__year"]
    search_fields = ["council__name", "council__official_name", "council__code"]
    list_select_related = ["council", "template__year", "generated_by"]
    readonly_fields = [
        "council",
        "template",
        "links",
        "key_statistics",
        "generated_at",
        "generated_by",
        "pdf_rendered_at",
        "version",
        "reissue_reason",
    ]
    fieldsets = [
        (None, {"fields": ["council", "template", "links", "version", "reissue_reason"]}),
        (
            "Addressee and paragraphs about this council",
            {
                "fields": [
                    "addressee_name",
                    "addressee_title",
                    "salutation",
                    "council_paragraphs",
                ],
                "description": "Saving a change here re-renders the letter's PDF; its figures "
                "stay as they were when it was generated.",
            },
        ),
        (
            "Frozen figures",
            {
                "fields": ["key_statistics", "generated_at", "generated_by", "pdf_rendered_at"],
                "description": "Taken when the letter was generated. A later import changes "
                "them only if you use “Regenerate selected letters”.",
            },
        ),
    ]
    inlines = [LetterVersionInline, LetterSendingInline]
    actions = ["regenerate_selected", "reissue_selected", "send_selected", "send_again"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Letter]:
        return super().get_queryset(request).annotate(last_sent_at=Max("sendings__sent_at"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # letters come from generation, never typed in

    @admin.display(description="year", ordering="template__year__start")
    def year(self, letter: Letter) -> str:
        return letter.template.year.label

    @admin.display(description="last sent", ordering="last_sent_at")
    def last_sent(self, letter: Letter):
        return letter.last_sent_at or "Not sent"

    @admin.display(description="letter")
    def links(self, letter: Letter) -> str:
        return format_html(
            '<a href="{}">Web page</a> · <a href="{}">PDF</a>',
            letter.get_absolute_url(),
            letter.get_pdf_url(),
        )

    @admin.display(description="key statistics")
    def key_statistics(self, letter: Letter) -> str:
        content = letter_content(letter)
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} {}</li>",
                ((s.headline, s.comparison) for s in content.key_statistics),
            ),
        )

    def save_model(self, request: HttpRequest, obj: Letter, form: LetterForm, change: bool):
        if hasattr(form, "rendered"):
            obj.pdf, obj.pdf_rendered_at, obj.pdf_embargoed_until = form.rendered
        super().save_model(request, obj, form, change)

    @admin.action(description="Regenerate selected letters (refresh figures and template text)")
    def regenerate_selected(self, request: HttpRequest, queryset: QuerySet[Letter]):
        return _show_job(self, request, jobs.start_regenerating(queryset, request.user))

    @admin.action(description="Reissue selected letters with a reason (keeps each earlier version)")
    def reissue_selected(self, request: HttpRequest, queryset: QuerySet[Letter]):
        form = ReissueForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():  # first the page asking why, then its answer
            return TemplateResponse(
                request,
                "admin/letters/letter/reissue.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Reissue letters",
                    "opts": self.model._meta,
                    "form": form,
                    "letters": queryset.select_related("council", "template__year"),
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        started = jobs.start_regenerating(
            queryset, request.user, reissue_reason=form.cleaned_data["reason"]
        )
        return _show_job(self, request, started)

    @admin.action(description="Send selected letters by email (not yet sent)")
    def send_selected(self, request: HttpRequest, queryset: QuerySet[Letter]):
        return _show_job(self, request, jobs.start_sending(queryset, request.user, again=False))

    @admin.action(description="Send selected letters again (even if already sent)")
    def send_again(self, request: HttpRequest, queryset: QuerySet[Letter]):
        return _show_job(self, request, jobs.start_sending(queryset, request.user, again=True))


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ["user", "council"]
    list_select_related = ["user", "council"]
    search_fields = ["user__username", "user__email", "council__name", "council__official_name"]
    autocomplete_fields = ["user", "council"]


class OfficerInline(admin.StackedInline):
    model = Officer
    autocomplete_fields = ["council"]
    verbose_name = verbose_name_plural = "council officer"


# The standard user admin, with the officer link, so staff create an officer account in one go.
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [*BaseUserAdmin.inlines, OfficerInline]
