"""Serve plotly.js, and the CSS it would inject, from the npm package `make install` installs.

- `vendor/plotly/plotly-basic.min.js`: plotly.js's basic partial bundle (scatter, bar and pie
  traces: all our map and charts use), `plotly.js-basic-dist-min` pinned in package.json and
  installed by `npm ci` into node_modules/. A quarter of the full bundle's size.
- `vendor/plotly/plotly.css`: plotly.js adds its global style rules in a `<style>` element at
  run time, which our Content-Security-Policy (`style-src 'self'`) blocks, and without them the
  chart layers swallow hovers and clicks. It skips that when the page already has
  `<link id="plotly.js-style-global" class="no-inline-styles">`, so base.html links this file,
  generated from the rules object inside the bundle (the one that starts `{"X,X div":`) the first
  time it is looked for (collectstatic, or the development server).

No copy in the repository and no CDN: collectstatic (and WhiteNoise's hashing and compression)
picks both files up, and upgrading the package regenerates the CSS.
"""

import hashlib
import json
import os
import re
import threading
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core import checks
from django.core.files.storage import FileSystemStorage

PACKAGE = "plotly.js-basic-dist-min"
PLOTLY_DIR = Path(settings.BASE_DIR) / "node_modules" / PACKAGE
JS_NAME = "plotly-basic.min.js"
PLOTLY_JS = PLOTLY_DIR / JS_NAME
PREFIX = "vendor/plotly"
CSS_NAME = "plotly.css"
MISSING = f"{PACKAGE} is not installed in node_modules/: run `make install` (or `npm ci`)."

# plotly.js (src/css/_base.js, built into every bundle): selector → declarations, where X stands
# for `.js-plotly-plot .plotly` and Y for `.plotly-notifier`.
RULES_START = '{"X,X div":'
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_lock = threading.Lock()


def _js_string(text: str, at: int) -> tuple[str, int]:
    """The JavaScript string literal starting at `at` (either quote), and the index after it."""
    quote = text[at]
    if quote not in "'\"":
        raise ValueError(f"expected a string at offset {at}, found {text[at : at + 20]!r}")
    out: list[str] = []
    i = at + 1
    while True:
        char = text[i]
        if char == quote:
            return "".join(out), i + 1
        if char == "\n":
            raise ValueError(f"unterminated string at offset {at}")
        if char == "\\":
            code = text[i + 1]
            if code == "u":
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
            elif code == "x":
                out.append(chr(int(text[i + 2 : i + 4], 16)))
                i += 4
            else:
                out.append(_ESCAPES.get(code, code))
                i += 2
            continue
        out.append(char)
        i += 1


_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


def _js_key(text: str, at: int) -> tuple[str, int]:
    """An object key: a string literal, or a bare identifier (`Y:` in the minified source)."""
    bare = _IDENTIFIER.match(text, at)
    if bare:
        return bare.group(), bare.end()
    return _js_string(text, at)


def _skip_space(text: str, at: int) -> int:
    while text[at].isspace():
        at += 1
    return at


def plotly_style_rules(js: str) -> list[tuple[str, str]]:
    """The (selector pattern, declarations) pairs of plotly.js's global style rules, in order."""
    start = js.find(RULES_START)
    if start < 0:
        raise ValueError(
            f"plotly.js's style rules ({RULES_START}...) are not in {JS_NAME}: "
            f"has {PACKAGE} changed how it adds its CSS?"
        )
    rules = []
    i = start + 1
    while True:
        key, i = _js_key(js, _skip_space(js, i))
        i = _skip_space(js, i)
        if js[i] != ":":
            raise ValueError(f"expected ':' at offset {i} of {JS_NAME}")
        value, i = _js_string(js, _skip_space(js, i + 1))
        rules.append((key, value))
        i = _skip_space(js, i)
        if js[i] == "}":
            return rules
        if js[i] != ",":
            raise ValueError(f"expected ',' or '}}' at offset {i} of {JS_NAME}")
        i += 1


def plotly_css(js: str, *, version: str = "") -> str:
    """plotly.js's global rules as a stylesheet, in the order they end up in its `<style>`.

    plotly.js inserts each rule at index 0 of its sheet, so the last one in its source comes
    first; the same order here keeps the cascade the same.
    """
    lines = [
        f"/* Generated from plotly.js {version} ({PACKAGE}) by"
        " ombudsman/staticfinders.py: the rules plotly.js would otherwise inject in a <style>"
        " element, which the Content-Security-Policy blocks. Do not edit. */"
    ]
    for key, declarations in reversed(plotly_style_rules(js)):
        if any(char in key + declarations for char in "{}<"):
            raise ValueError(f"unexpected characters in plotly.js style rule {key!r}")
        selector = (
            re.sub(r"^,", " ,", key)
            .replace("X", ".js-plotly-plot .plotly")
            .replace("Y", ".plotly-notifier")
        )
        lines.append(f"{selector}{{{declarations}}}")
    return "\n".join(lines) + "\n"


def installed_version() -> str:
    if not PLOTLY_JS.exists():
        raise FileNotFoundError(MISSING)
    return json.loads((PLOTLY_DIR / "package.json").read_text(encoding="utf-8"))["version"]


def generated_dir() -> Path:
    """Where the CSS is written: one folder per installed bundle (version, size and time)."""
    version = installed_version()
    source = PLOTLY_JS.stat()
    stamp = hashlib.sha256(f"{version}:{source.st_size}:{source.st_mtime_ns}".encode()).hexdigest()[
        :12
    ]
    return Path(settings.BASE_DIR) / "var" / "generated-static" / f"plotly-{stamp}"


def ensure_plotly_css() -> Path:
    """The generated plotly.css, written (atomically) if it is not there yet."""
    target = generated_dir() / CSS_NAME
    if target.exists():
        return target
    with _lock:
        if not target.exists():
            css = plotly_css(PLOTLY_JS.read_text(encoding="utf-8"), version=installed_version())
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{CSS_NAME}.{os.getpid()}.{threading.get_ident()}")
            partial.write_text(css, encoding="utf-8")
            os.replace(partial, target)
    return target


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=PLOTLY_DIR)
        # collectstatic stores each listed file under the storage's prefix.
        self.storage.prefix = PREFIX

    def check(self, **kwargs):
        if PLOTLY_JS.exists():
            return []
        return [checks.Error(MISSING, obj=self, id="ombudsman.E001")]

    def _generated_storage(self) -> FileSystemStorage:
        storage = FileSystemStorage(location=ensure_plotly_css().parent)
        storage.prefix = PREFIX
        return storage

    def find(self, path, find_all=False, **kwargs):
        if kwargs:  # Django 5.2 still passes the deprecated `all=` here
            find_all = self._check_deprecated_find_param(find_all=find_all, **kwargs)
        if path == f"{PREFIX}/{JS_NAME}":
            match = str(PLOTLY_JS)
        elif path == f"{PREFIX}/{CSS_NAME}":
            match = str(ensure_plotly_css())
        else:
            return []  # what Django's finders return for "not here", whatever find_all
        return [match] if find_all else match

    def list(self, ignore_patterns):
        yield JS_NAME, self.storage
        yield CSS_NAME, self._generated_storage()
