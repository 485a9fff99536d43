from django.urls import path, re_path

from letters import views

app_name = "letters"

YEAR = r"(?P<year>[0-9]{4}-[0-9]{2})"
SLUG = r"(?P<slug>[-a-zA-Z0-9_]+)"

urlpatterns = [
    path("", views.letter_list, name="list"),
    re_path(rf"^{SLUG}/{YEAR}/$", views.letter_page, name="letter"),
    re_path(rf"^{SLUG}/{YEAR}\.pdf$", views.letter_pdf, name="pdf"),
]
