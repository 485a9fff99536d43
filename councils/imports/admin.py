"""The admin's import flow around django-import-export, mixed into `councils.admin.DataAdmin`.

- The confirm step takes the previewed file once (`councils.imports.previews`), checks it is the
  file that was previewed, and holds a lock on importing that kind of file until it commits. A
  second confirm of the same preview, an expired, changed or tampered one, or a confirm racing
  another import gets the import page with one sentence.
- An upload over IMPORT_BACKGROUND_BYTES is previewed by a background job, and a file of more
  than IMPORT_BACKGROUND_ROWS rows is imported by one (`councils.imports.jobs`): the upload or
  confirm stores the file with the job and shows its progress; a preview job's result page has
  the confirm form.
- An upload refused at the preview is removed at once; every upload sweeps abandoned previews.
- Each import page offers a template file: the header row and one example row, CSV and XLSX.
- The preview shows council names beside council codes.
"""

import re

import tablib
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from councils.imports import jobs
from councils.imports.engine import lock_imports
from councils.imports.files import check_upload
from councils.imports.previews import PreviewChanged, Previewed, PreviewGone
from councils.models import Council, Job

PREVIEW_GONE = "This preview has already been imported or has expired: upload the file again."
PREVIEW_CHANGED = (
    "The file changed after its preview, so nothing was imported: upload it again to see "
    "what it would change."
)

# The example row of the template files: a value for every column of the four files.
EXAMPLE = {
    "code": "E07000170",
    "name": "Ashfield",
    "official_name": "Ashfield District Council",
    "type": "district",
    "county_code": "E10000024",
    "chief_executive": "Pat Example",
    "chief_executive_title": "Chief Executive",
    "council_code": "E07000170",
    "year": "2023-24",
    "population": "128000",
    "reference": "23 001 234",
    "category": "Housing",
    "received": "2023-05-14",
    "decided": "2023-09-01",
    "outcome": "Upheld",
    "remedied_by_council": "no",
    "public_report": "no",
    "compliance": "Complied",
    "compliance_date": "2023-12-01",
    "summary": "The council took too long to repair a tenant's home.",
    "kind": "Remedy",
    "recommendation": "Apologise to the tenant within one month.",
    "due": "2023-10-01",
}

# Preview columns holding council codes, shown with the council's name.
COUNCIL_CODE_COLUMNS = frozenset({"council_code", "county_code"})
_CODE = re.compile(r"\bE\d{8}\b")


class ImportBusy(Exception):
    """Another confirm of the same kind of file holds the import lock."""


def busy_message(noun: str) -> str:
    return (
        f"Someone else imported {noun} at the same moment, so nothing was imported from this "
        "preview: upload the file again to see what it would change now."
    )


def template_file(columns: list[str], file_format) -> str | bytes:
    dataset = tablib.Dataset(headers=columns)
    dataset.append([EXAMPLE[column] for column in columns])
    return file_format.export_data(dataset)


def name_councils(result) -> None:
    """Put each council's name beside its code in the preview rows (one query)."""
    columns = [i for i, name in enumerate(result.diff_headers) if name in COUNCIL_CODE_COLUMNS]
    cells = [(row, i) for row in result.preview_rows for i in columns]
    codes = {code for row, i in cells for code in _CODE.findall(str(row.diff[i]))}
    if not codes:
        return
    names = {council.code: str(council) for council in Council.objects.filter(code__in=codes)}
    for row, i in cells:
        row.diff[i] = _with_names(row.diff[i], names)


def _with_names(cell: str, names: dict[str, str]) -> SafeString:
    # A changed cell is HTML (<del>old</del> <ins>new</ins>): codes are letters and digits, so
    # adding escaped names after them keeps it safe.
    def named(match: re.Match) -> str:
        code = match[0]
        if code not in names:
            return code
        return format_html('{} <span class="council-name">({})</span>', code, names[code])

    return mark_safe(_CODE.sub(named, conditional_escape(cell)))


class ImportFlows:
    """The import steps of `DataAdmin`; see the module docstring."""

    def url_name(self, step: str) -> str:
        app_label, model_name = self.get_model_info()
        return f"{app_label}_{model_name}_{step}"

    def get_urls(self):
        template = path(
            "import/template.<str:extension>",
            self.admin_site.admin_view(self.import_template),
            name=self.url_name("import_template"),
        )
        previewed = path(
            "import/preview/<uuid:object_id>/",
            self.admin_site.admin_view(self.import_job_preview),
            name=self.url_name("import_job_preview"),
        )
        return [template, previewed, *super().get_urls()]

    def import_resource(self):
        (resource_class,) = self.get_import_resource_classes(None)  # one per file kind
        return resource_class()

    def import_url(self) -> str:
        return reverse(f"admin:{self.url_name('import')}")

    def import_template(self, request, extension: str):
        if not self.has_import_permission(request):
            raise PermissionDenied
        formats = {f().get_extension(): f() for f in self.get_import_formats()}
        if extension not in formats:
            raise Http404("No template in that format.")
        resource = self.import_resource()
        file_format = formats[extension]
        response = HttpResponse(
            template_file(resource.columns, file_format),
            content_type=file_format.get_content_type(),
        )
        filename = f"{resource.import_kind}-template.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        kind = self.import_resource().import_kind
        context["import_templates"] = [
            (
                f"{kind}-template.{extension}",
                reverse(f"admin:{self.url_name('import_template')}", args=[extension]),
            )
            for extension in (f().get_extension() for f in self.get_import_formats())
        ]
        return context

    def write_to_tmp_storage(self, import_file, input_format):
        storage_class = self.get_tmp_storage_class()
        storage_class.sweep()  # abandoned previews go without a cron job
        storage = storage_class(**self.get_tmp_storage_class_kwargs())
        # The library joins the upload's chunks by repeated concatenation: seconds for 20 MB.
        storage.save(b"".join(import_file.chunks()))
        import_file.preview_storage = storage  # for import_action, if the preview refuses it
        return storage

    def create_import_form(self, request):
        # One form per request: the library's import_action would otherwise check a large upload
        # a second time after the background path found it invalid.
        if not hasattr(request, "import_form"):
            request.import_form = super().create_import_form(request)
        return request.import_form

    def import_action(self, request, **kwargs):
        upload = request.FILES.get("import_file")
        # A file over the size cap is refused as ever, below.
        big = getattr(upload, "size", 0) > settings.IMPORT_BACKGROUND_BYTES
        if big and upload.size <= settings.IMPORT_MAX_BYTES:
            if not self.has_import_permission(request):
                raise PermissionDenied
            form = self.create_import_form(request)
            if form.is_valid():  # else the page shows why, as for any upload
                return self.start_preview_job(request, form)
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        storage = getattr(request.FILES.get("import_file"), "preview_storage", None)
        if "confirm_form" in context:
            name_councils(context["result"])
            # What the confirm must find: this file, and how many rows it has.
            previewed = Previewed(storage.name, storage.sha256, context["result"].total_rows)
            context["confirm_form"].initial["preview"] = previewed.sign()
        elif storage is not None:
            storage.remove()  # refused, so no confirm form can name it
        return response

    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_confirm_form(request)
        if not form.is_valid():
            return super().process_import(request, **kwargs)  # the page with the form's errors
        try:
            previewed = Previewed.from_signed(
                form.cleaned_data["preview"], form.cleaned_data["import_file_name"]
            )
            storage = self.get_tmp_storage_class()(
                name=previewed.name, **self.get_tmp_storage_class_kwargs()
            )
            data = previewed.check(storage.read())  # taken: no second confirm can have it
            if previewed.rows > settings.IMPORT_BACKGROUND_ROWS:
                return self.start_import_job(request, form, data)
            file_format = self.get_import_formats()[int(form.cleaned_data["format"])]()
            result = self.process_dataset(file_format.create_dataset(data), form, request, **kwargs)
        except PreviewChanged:
            message = PREVIEW_CHANGED
        except PreviewGone:
            message = PREVIEW_GONE
        except ImportBusy:
            message = busy_message(self.opts.verbose_name_plural)
        else:
            return self.process_result(result, request)
        messages.error(request, message)
        return HttpResponseRedirect(self.import_url())

    def start_preview_job(self, request, form) -> HttpResponseRedirect:
        upload = form.cleaned_data["import_file"]
        job, started = jobs.start_preview(
            kind=self.import_resource().import_kind,
            noun=str(self.opts.verbose_name_plural),
            file_name=upload.name,
            data=b"".join(upload.chunks()),
            page=f"admin:{self.url_name('import_job_preview')}",
            user=request.user,
        )
        if not started:
            messages.info(request, "This file is already being previewed: here is that preview.")
        return HttpResponseRedirect(job.get_absolute_url())

    def import_job_preview(self, request, object_id):
        """The preview a job made of a large upload, with the confirm form if it can be imported."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = get_object_or_404(
            Job.objects.defer("upload"),
            pk=object_id,
            status=Job.Status.SUCCEEDED,
            runner="councils.imports.jobs.run_preview",
            params__kind=self.import_resource().import_kind,
        )
        found = job.params
        confirm_form = None
        if "preview" in found:
            file_format = check_upload(found["file_name"], found["file_size"])
            confirm_form = self.create_confirm_form(request)
            confirm_form.initial = {
                "import_file_name": found["storage_name"],
                "original_file_name": found["file_name"],
                "format": str(self.get_import_formats().index(file_format)),
                "resource": "",
                "file_size": found["file_size"],
                "preview": found["preview"],
                "revises": found["revises"],
            }
        context = {
            **self.admin_site.each_context(request),
            "title": job.title,
            "opts": self.opts,
            "job": job,
            "confirm_form": confirm_form,
            # Rendered by our own templates in the job, escaped there.
            "result_html": mark_safe(found["result_html"]),
            "banner_html": mark_safe(found["banner_html"]),
        }
        return TemplateResponse(request, "admin/councils/import_job_preview.html", context)

    def start_import_job(self, request, form, data: bytes) -> HttpResponseRedirect:
        job, started = jobs.start_import(
            kind=self.import_resource().import_kind,
            lock=self.opts.label_lower,
            noun=str(self.opts.verbose_name_plural),
            file_name=form.cleaned_data["original_file_name"],
            data=data,
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
        if not started:
            messages.info(request, "This file is already being imported: here is that import.")
        return HttpResponseRedirect(job.get_absolute_url())

    def process_dataset(self, dataset, form, request, **kwargs):
        # Held until the import commits: a second confirm would otherwise wait for this one's
        # new rows, then be refused on every one of them.
        with transaction.atomic():
            if not lock_imports(self.opts.label_lower):
                raise ImportBusy
            return super().process_dataset(dataset, form, request, **kwargs)
