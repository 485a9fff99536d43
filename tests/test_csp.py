"""Content-Security-Policy: the header, no inline scripts or styles but our own stylesheets allowed
by their hashes, plotly's CSS as a file, and the pages (public and admin) working under the
policy in a real browser."""

import base64
import datetime
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import tinycss2
from django.contrib.staticfiles import finders

from councils.models import CouncilType, Outcome
from ombudsman import inline_styles, staticfinders
from tests.factories import CouncilFactory, DecisionFactory, ReportingYearFactory

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "static"


def style_hash(text: str) -> str:
    """The CSP source allowing a <style> element with exactly this text."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


# Rendered by WeasyPrint into the PDF letter, never sent to a browser.
NOT_SERVED = {"letters/letter_pdf.html"}

PUBLIC_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    # Our stylesheets put in the page (site.css on every page, letters.css on the letters'),
    # each by the hash of its text alone.
    "style-src": [
        "'self'",
        *(
            style_hash((STATIC / name).read_text(encoding="utf-8"))
            for name in ("css/site.css", "css/letters.css")
        ),
    ],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: values for name, *values in directives}


@pytest.fixture
def council_data():
    year = ReportingYearFactory(label="2023-24", published_on=datetime.date(2024, 7, 24))
    ashfield = CouncilFactory(
        type=CouncilType.DISTRICT, name="Ashfield", slug="ashfield", code="E07000170"
    )
    peer = CouncilFactory(type=CouncilType.DISTRICT, name="Peerton")
    for council, upheld, not_upheld in ((ashfield, 12, 8), (peer, 5, 15)):
        for outcome, count in ((Outcome.UPHELD, upheld), (Outcome.NOT_UPHELD, not_upheld)):
            for _ in range(count):
                DecisionFactory(council=council, outcome=outcome)
    return {"year": year, "council": ashfield}


# --- the header -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/methodology/", "/accounts/login/", "/healthz"])
def test_public_responses_carry_the_strict_policy(client, url):
    assert policy(client.get(url)) == PUBLIC_POLICY


@pytest.mark.django_db
def test_the_admin_alone_may_use_inline_styles_and_one_hashed_handler(admin_client):
    admin = policy(admin_client.get("/admin/councils/council/"))

    assert admin["style-src"] == ["'self'", "'unsafe-inline'"]
    # django-import-export's "Select all" toggle, by its hash: no other inline script.
    handler = base64.b64encode(hashlib.sha256(b"onSelectToggleChange(event)").digest()).decode()
    assert admin["script-src"] == ["'self'", "'unsafe-hashes'", f"'sha256-{handler}'"]
    assert "'unsafe-inline'" not in admin["script-src"]
    others = {k: v for k, v in admin.items() if k not in ("style-src", "script-src")}
    assert others == {
        k: v for k, v in PUBLIC_POLICY.items() if k not in ("style-src", "script-src")
    }
    # A public page after an admin one is strict again.
    assert policy(admin_client.get("/")) == PUBLIC_POLICY


# --- no inline scripts or styles --------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\bstyle\s*=", re.I)


def _templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name not in NOT_SERVED:
            yield name, path.read_text(encoding="utf-8")


def test_no_template_has_an_inline_script():
    assert [name for name, text in _templates() if INLINE_SCRIPT.search(text)] == []


def test_no_public_template_has_an_inline_style():
    offending = [
        name
        for name, text in _templates()
        if not name.startswith("admin/") and INLINE_STYLE.search(text)
    ]
    assert offending == []


class _InlineFinder(HTMLParser):
    """Inline scripts and styles; the text of each <style> element apart, in `styles`."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "style" in attributes:
            self.problems.append(f"<{tag} style=...>")
        if any(name.startswith("on") for name in attributes):
            self.problems.append(f"<{tag}> event handler attribute")
        if tag == "style":
            self._in_style = True
            self.styles.append("")
        inline = tag == "script" and "src" not in attributes
        if inline and attributes.get("type") != "application/json":
            self.problems.append("inline <script>")

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles[-1] += data


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/councils/ashfield/",
        "/compare/district/2023-24/",
        "/years/2023-24/",
        "/methodology/",
        "/data/",
        "/letters/",
        "/accounts/login/",
        "/search/?q=ash",
    ],
)
def test_rendered_public_pages_have_no_inline_scripts_or_styles(client, council_data, url):
    response = client.get(url, follow=True)  # a search with one match opens the council
    assert response.status_code == 200
    finder = _InlineFinder()
    finder.feed(response.content.decode())

    assert finder.problems == []
    # site.css is in every page, unchanged: the one style the policy allows by its hash.
    assert finder.styles[0] == (STATIC / "css/site.css").read_text(encoding="utf-8")
    allowed = policy(response)["style-src"]
    assert all(style_hash(text) in allowed for text in finder.styles)


def test_only_the_listed_stylesheets_can_be_put_in_a_page():
    assert inline_styles.INLINE_STYLESHEETS == ("css/site.css", "css/letters.css")
    with pytest.raises(ValueError, match="not in INLINE_STYLESHEETS"):
        inline_styles.stylesheet_text("css/embed.css")


# --- plotly.js's basic bundle from npm, and its CSS ----------------------------------------------


def test_the_served_plotly_is_the_basic_bundle_pinned_in_package_json():
    """The pinned npm package, as `npm ci` installs it: scatter, bar and pie only."""
    root = Path(__file__).resolve().parent.parent
    pinned = json.loads((root / "package.json").read_text())["dependencies"]
    locked = json.loads((root / "package-lock.json").read_text())["packages"]
    path = Path(finders.find("vendor/plotly/plotly-basic.min.js"))

    assert path == root / "node_modules" / "plotly.js-basic-dist-min" / "plotly-basic.min.js"
    assert pinned == {"plotly.js-basic-dist-min": staticfinders.installed_version()}
    assert locked["node_modules/plotly.js-basic-dist-min"]["version"] == (
        staticfinders.installed_version()
    )
    assert not finders.find("vendor/plotly/plotly.min.js")


def test_a_missing_bundle_fails_the_system_check_with_what_to_run(monkeypatch, tmp_path):
    monkeypatch.setattr(staticfinders, "PLOTLY_JS", tmp_path / "plotly-basic.min.js")

    [error] = staticfinders.PlotlyFinder().check()

    assert "make install" in error.msg


def test_the_finder_generates_plotly_css_from_the_installed_package():
    path = finders.find("vendor/plotly/plotly.css")
    css = Path(path).read_text(encoding="utf-8")

    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    assert [rule for rule in rules if rule.type == "error"] == []
    assert len(rules) > 30
    selectors = [tinycss2.serialize(rule.prelude).strip() for rule in rules]
    assert all(s.startswith((".js-plotly-plot .plotly", ".plotly-notifier")) for s in selectors)
    # The rules that keep chart layers from swallowing the pointer.
    assert ".js-plotly-plot .plotly .main-svg" in selectors
    main_svg = rules[selectors.index(".js-plotly-plot .plotly .main-svg")]
    declarations = tinycss2.parse_blocks_contents(main_svg.content, skip_whitespace=True)
    assert ("pointer-events", "none") in [
        (d.lower_name, tinycss2.serialize(d.value).strip())
        for d in declarations
        if d.type == "declaration"
    ]


def test_collectstatic_lists_plotly_js_and_css():
    finder = staticfinders.PlotlyFinder()
    listed = {name: storage for name, storage in finder.list([])}

    assert set(listed) == {"plotly-basic.min.js", "plotly.css"}
    assert {storage.prefix for storage in listed.values()} == {"vendor/plotly"}
    with listed["plotly.css"].open("plotly.css") as css:
        assert b".js-plotly-plot .plotly" in css.read()


def test_rules_are_in_the_order_plotly_would_insert_them():
    js = 'x={"X,X div":"a:1;",Y:\'b:"2";\',"X .y\\u0020z":"c:3;"};'
    assert staticfinders.plotly_css(js).splitlines()[1:] == [
        ".js-plotly-plot .plotly .y z{c:3;}",
        '.plotly-notifier{b:"2";}',
        ".js-plotly-plot .plotly,.js-plotly-plot .plotly div{a:1;}",
    ]


def test_a_plotly_without_the_rules_object_fails_loudly():
    with pytest.raises(ValueError, match=r"has plotly\.js-basic-dist-min changed"):
        staticfinders.plotly_css("var nothing = 1;")


def test_plotly_still_skips_its_style_element_for_our_link():
    """The id and class base.html uses are the ones plotly.js checks before injecting."""
    js = staticfinders.PLOTLY_JS.read_text(encoding="utf-8")
    assert '"plotly.js-style-"+' in js
    assert 'matches(".no-inline-styles")' in js


def test_base_html_marks_every_other_style_plotly_would_inject():
    """plotly.js also adds MapLibre's CSS unless an element with a given id exists."""
    js = staticfinders.PLOTLY_JS.read_text(encoding="utf-8")
    ids = re.findall(
        r'if\(!document\.getElementById\("([^"]+)"\)\)\{var \w+=document\.createElement\("style"\)',
        js,
    )
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")

    assert ids, "plotly.js no longer adds MapLibre's CSS this way: check base.html's marker"
    for style_id in ids:
        assert f'id="{style_id}"' in base, f'add <template id="{style_id}"></template> to base.html'


PLOTLY_CSS_LINK = (
    '<link id="plotly.js-style-global" class="no-inline-styles" rel="stylesheet" '
    'href="/static/vendor/plotly/plotly.css">'
)


@pytest.mark.django_db
def test_the_pages_drawing_with_plotly_link_the_css_it_looks_for(client, council_data):
    """Charts' pages link it before plotly.js; map.js adds it on the map page, after the load
    event; pages without plotly.js do without."""
    for url in ("/councils/ashfield/", "/years/2023-24/"):
        page = client.get(url).content.decode()
        assert page.index(PLOTLY_CSS_LINK) < page.index("plotly-basic.min.js")
    home = client.get("/").content.decode()
    assert PLOTLY_CSS_LINK not in home
    assert 'data-plotly-css-url="/static/vendor/plotly/plotly.css"' in home
    assert PLOTLY_CSS_LINK not in client.get("/methodology/").content.decode()
    css = client.get("/static/vendor/plotly/plotly.css")
    assert css.status_code == 200
    assert css["Content-Type"].startswith("text/css")
    assert b".js-plotly-plot .plotly" in b"".join(css.streaming_content)


# --- in a real browser --------------------------------------------------------------------------

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_charts_work_under_the_policy(page, council_data):
    page.add_init_script(COLLECT_VIOLATIONS)
    page.goto("/councils/ashfield/")
    page.wait_for_selector("#trend-chart .main-svg")

    assert violations(page) == []
    # plotly.js found our <link> and added no <style> of its own (only site.css is inline); its
    # rules apply.
    assert page.evaluate("document.querySelectorAll('style').length") == 1
    assert page.evaluate("document.querySelector('style').textContent") == (
        STATIC / "css/site.css"
    ).read_text(encoding="utf-8")
    assert (
        page.evaluate(
            "getComputedStyle(document.querySelector('#trend-chart .main-svg')).pointerEvents"
        )
        == "none"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_works_under_the_policy(page, settings, django_user_model, council_data):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    boss = django_user_model.objects.create_superuser(
        "boss", "boss@example.org", "admin-password-1"
    )
    page.add_init_script(COLLECT_VIOLATIONS)

    page.goto("/admin/login/?next=/admin/councils/council/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill("admin-password-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/councils/council/")
    assert "Ashfield" in page.content()
    assert violations(page) == []

    page.goto("/admin/councils/decision/import/")
    page.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "decisions.csv",
                "mimeType": "text/csv",
                "buffer": (
                    b"reference,council_code,category,received,decided,outcome\n"
                    b"24 000 001,E07000170,Housing,2023-05-14,2023-09-01,Upheld\n"
                ),
            }
        ]
    )
    page.locator("input[type=submit]").first.click()
    page.wait_for_selector("text=Preview")
    assert violations(page) == []

    # django-import-export's export page: style attributes and the hashed "Select all" handler.
    page.goto("/admin/councils/decision/export/")
    toggle = page.locator("input.select-toggle").first
    toggle.uncheck()
    assert page.locator(".selectable-field-export-row input[type=checkbox]:checked").count() == 0
    assert violations(page) == []

    # Every page linked from the admin index, and their add pages.
    page.goto("/admin/")
    links = page.eval_on_selector_all(
        "#content-main a[href^='/admin/']", "links => links.map((a) => a.getAttribute('href'))"
    )
    assert len(links) > 5
    council = council_data["council"]
    links += [
        f"/admin/councils/council/{council.pk}/change/",
        f"/admin/auth/user/{boss.pk}/change/",
    ]
    for link in dict.fromkeys(links):
        page.goto(link)
        assert violations(page) == [], link
