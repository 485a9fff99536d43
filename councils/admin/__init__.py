"""Staff tools for the register and its facts: import and export of the four files, edits that
record revisions (`councils.admin.edits`), council types, categories and the import history."""

from functools import partial

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ConfirmImportForm, ImportForm

from councils import revisions
from councils.admin.edits import RecordsRevisions
from councils.imports.admin import ImportFlows
from councils.imports.files import FORMATS, ImportFileError, check_upload, unreadable
from councils.imports.resources import (
    CouncilResource,
    DecisionResource,
    PopulationResource,
    RecommendationResource,
)
from councils.jobs import admin as jobs_admin  # noqa: F401 (registers the background jobs)
from councils.models import (
    Category,
    Council,
    CouncilType,
    Decision,
    ImportRecord,
    Population,
    PreviousCode,
    Recommendation,
    ReportingYear,
)
from councils.models.groups import CategoryFormerName

# Staff see which site they are signed in to, not "Django administration".
admin.site.site_header = admin.site.site_title = f"{settings.SITE_NAME}: staff"

# Problems listed in a message when a confirmed import is refused (the preview lists them all).
MESSAGE_PROBLEMS = 10


class DataImportForm(ImportForm):
    """The upload step: refuses a file by its size and type before anything reads it."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.import_formats = formats
        # The file's extension decides the format; the library's menu only has to agree.
        self.fields["format"].required = False
        self.fields["format"].help_text = "Taken from the file name: .csv or .xlsx."

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            self.file_format = check_upload(upload.name, upload.size)
        except ImportFileError as error:
            raise forms.ValidationError(str(error)) from None
        return upload

    def clean(self):
        cleaned = super().clean()
        if hasattr(self, "file_format"):
            cleaned["format"] = str(self.import_formats.index(self.file_format))
        return cleaned


class DataConfirmImportForm(ConfirmImportForm):
    """The confirm step carries the upload's size along for the import history and what the
    preview saw of the file (to check it is the same file), and asks why
    when the preview found that the file changes a public year's figures (`revises`)."""

    file_size = forms.IntegerField(widget=forms.HiddenInput(), min_value=0)
    # The previewed file's name, SHA-256 and row count, signed (councils.imports.previews).
    preview = forms.CharField(widget=forms.HiddenInput())
    revises = forms.CharField(widget=forms.HiddenInput(), required=False)
    reason = forms.CharField(
        label="Reason for the revision",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Published with the revision on the year's page and each council's page.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        revises = self.data.get("revises") if self.is_bound else self.initial.get("revises")
        if revises:
            self.fields["reason"].required = True
        else:
            self.fields["reason"].widget = forms.HiddenInput()


class DataAdmin(RecordsRevisions, ImportFlows, ImportExportModelAdmin):
    """Import (preview, then confirm) and export of one of the four import files."""

    formats = FORMATS
    import_form_class = DataImportForm
    confirm_form_class = DataConfirmImportForm
    import_template_name = "admin/councils/import.html"
    # ImportRecord keeps the history; a LogEntry per row would be 20,000 inserts.
    skip_admin_log = True

    def has_import_permission(self, request):
        # An import both adds and changes records.
        return super().has_import_permission(request) and self.has_change_permission(request)

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        context["max_size"] = filesizeformat(settings.IMPORT_MAX_BYTES)
        context["max_rows"] = settings.IMPORT_MAX_ROWS
        return context

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["file_size"] = import_form.cleaned_data["import_file"].size
            initial["revises"] = import_form.revisions.labels
        return initial

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.get("form")
        kwargs = super().get_import_data_kwargs(**kwargs)
        if isinstance(form, DataConfirmImportForm):
            kwargs["file_size"] = form.cleaned_data["file_size"]
            kwargs["reason"] = form.cleaned_data["reason"]
        elif form is not None:
            kwargs["file_size"] = form.cleaned_data["import_file"].size
            # The preview's confirm form asks for a reason when the file revises a public year.
            form.revisions = revisions.NO_IMPACT
            kwargs["on_revisions"] = partial(setattr, form, "revisions")
        kwargs["via"] = ImportRecord.Via.ADMIN
        return kwargs

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:  # e.g. a CSV file that is not UTF-8 fails while the library reads it as text
            form.add_error("import_file", unreadable(form.file_format().get_title(), e))

    def process_result(self, result, request):
        # Rows can go bad between preview and confirm (someone else changed the data): then
        # nothing was written, and the import page is the place to try again.
        problems = result.file_problems + [str(problem) for problem in result.problems]
        if problems:
            shown = "; ".join(problems[:MESSAGE_PROBLEMS])
            more = len(problems) - MESSAGE_PROBLEMS
            messages.error(
                request,
                f"Nothing was imported: {shown}"
                + (
                    f"; and {more} more. Upload the file again to see them all."
                    if more > 0
                    else "."
                ),
            )
            app_label, model_name = self.get_model_info()
            return HttpResponseRedirect(reverse(f"admin:{app_label}_{model_name}_import"))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        name = self.model._meta.verbose_name_plural
        messages.success(request, " ".join([f"Imported {name}: {result.counts}.", *result.notes]))


class PreviousCodeInline(admin.TabularInline):
    model = PreviousCode
    extra = 0


@admin.register(Council)
class CouncilAdmin(DataAdmin):
    resource_classes = [CouncilResource]
    list_display = ["official_name", "code", "type", "county", "ceased_on"]
    list_filter = ["type", ("ceased_on", admin.EmptyFieldListFilter)]
    list_select_related = ["type", "county"]
    search_fields = ["name", "official_name", "code", "previous_codes__code"]
    readonly_fields = ["code"]
    autocomplete_fields = ["county", "successors"]
    inlines = [PreviousCodeInline]


@admin.register(ReportingYear)
class ReportingYearAdmin(admin.ModelAdmin):
    list_display = ["label", "start", "end", "published_on"]
    readonly_fields = ["start", "end"]


@admin.register(Population)
class PopulationAdmin(DataAdmin):
    resource_classes = [PopulationResource]
    list_display = ["council", "year", "population"]
    list_filter = ["year"]
    search_fields = ["council__name", "council__code"]
    list_select_related = ["council", "year"]
    autocomplete_fields = ["council"]


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    extra = 0


@admin.register(Decision)
class DecisionAdmin(DataAdmin):
    resource_classes = [DecisionResource]
    list_display = ["reference", "council", "category", "received", "decided", "outcome"]
    list_filter = ["outcome", "category", "public_report", "compliance"]
    search_fields = ["reference", "council__name", "council__code"]
    date_hierarchy = "decided"
    list_select_related = ["council", "category"]
    autocomplete_fields = ["council"]
    inlines = [RecommendationInline]


@admin.register(Recommendation)
class RecommendationAdmin(DataAdmin):
    resource_classes = [RecommendationResource]
    list_display = ["decision", "kind", "due"]
    list_filter = ["kind"]
    search_fields = ["decision__reference", "text"]
    list_select_related = ["decision"]
    raw_id_fields = ["decision"]


@admin.register(CouncilType)
class CouncilTypeAdmin(admin.ModelAdmin):
    """The five comparison groups: staff edit the wording; the slugs (in URLs and downloads) and
    the GSS code prefixes (fixed by ONS, and checked by a database constraint) stay."""

    list_display = ["name", "plural", "slug", "code_prefixes", "display_order"]
    list_editable = ["display_order"]
    fields = ["slug", "code_prefixes", "name", "plural", "description", "display_order"]
    readonly_fields = ["slug", "code_prefixes"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CategoryFormerNameInline(admin.TabularInline):
    model = CategoryFormerName
    extra = 0
    verbose_name = "former name"
    verbose_name_plural = "former names (the import still accepts them)"


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "first_year", "last_year", "display_order"]
    list_editable = ["display_order"]
    search_fields = ["name", "former_names__name"]
    inlines = [CategoryFormerNameInline]

    def has_delete_permission(self, request, obj=None):
        # Decisions protect their category; say so by offering no delete at all.
        if obj is not None and obj.decisions.exists():
            return False
        return super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Renamed: files from earlier years still say the old name, so the import must accept it.
        old, category = form.initial.get("name"), form.instance
        renamed = change and old and old != category.name
        if renamed and not category.former_names.filter(name__iexact=old).exists():
            category.former_names.create(name=old)


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    """The import history: read-only, written only by imports."""

    list_display = [
        "imported_at",
        "kind",
        "file_name",
        "size",
        "imported_by",
        "via",
        "dry_run",
        "applied",
        "new",
        "updated",
        "unchanged",
        "rejected",
    ]
    list_filter = ["kind", "applied", "dry_run", "via"]
    search_fields = ["file_name", "imported_by__username"]
    date_hierarchy = "imported_at"
    list_select_related = ["imported_by"]

    @admin.display(description="size", ordering="file_size")
    def size(self, record: ImportRecord) -> str:
        return filesizeformat(record.file_size)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
