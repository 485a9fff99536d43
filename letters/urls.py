from django.urls import path, re_path

from councils.caching import public_page
from letters import views

app_name = "letters"

YEAR = r"(?P<year>[0-9]{4}-[0-9]{2})"
SLUG = r"(?P<slug>[-a-zA-Z0-9_]+)"

# Published letters are public pages (councils.caching); an officer's or staff member's view,
# which may include embargoed letters, is private and never stored.
urlpatterns = [
    path("", public_page(views.letter_list, params=("year",)), name="list"),
    re_path(rf"^{SLUG}/$", public_page(views.council_letters), name="council"),
    re_path(rf"^{SLUG}/{YEAR}/$", public_page(views.letter_page), name="letter"),
    re_path(rf"^{SLUG}/{YEAR}\.pdf$", public_page(views.letter_pdf), name="pdf"),
    re_path(
        rf"^{SLUG}/{YEAR}/versions/(?P<number>[0-9]{{1,4}})\.pdf$",
        public_page(views.version_pdf),
        name="version-pdf",
    ),
]
