from django.urls import path, re_path
from django.views.decorators.http import require_safe

from letters import views

app_name = "letters"

YEAR = r"(?P<year>[0-9]{4}-[0-9]{2})"
SLUG = r"(?P<slug>[-a-zA-Z0-9_]+)"

urlpatterns = [
    path("", require_safe(views.letter_list), name="list"),
    re_path(rf"^{SLUG}/$", require_safe(views.council_letters), name="council"),
    re_path(rf"^{SLUG}/{YEAR}/$", require_safe(views.letter_page), name="letter"),
    re_path(rf"^{SLUG}/{YEAR}\.pdf$", require_safe(views.letter_pdf), name="pdf"),
    re_path(
        rf"^{SLUG}/{YEAR}/versions/(?P<number>[0-9]{{1,4}})\.pdf$",
        require_safe(views.version_pdf),
        name="version-pdf",
    ),
]
