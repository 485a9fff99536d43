"""Serve plotly.js from the installed plotly package as `vendor/plotly/plotly.min.js`.

No copy in the repository and no CDN: collectstatic (and WhiteNoise's hashing and compression)
picks the file up from the package the project depends on.
"""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_DIR = Path(plotly.__file__).parent / "package_data"
PLOTLY_FILES = {"vendor/plotly/plotly.min.js": "plotly.min.js"}


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=PLOTLY_DIR)
        # collectstatic stores each listed file under the storage's prefix.
        self.storage.prefix = "vendor/plotly"

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if kwargs:  # Django 5.2 still passes the deprecated `all=` here
            find_all = self._check_deprecated_find_param(find_all=find_all, **kwargs)
        name = PLOTLY_FILES.get(path)
        if name is None:
            return [] if find_all else None
        match = str(PLOTLY_DIR / name)
        return [match] if find_all else match

    def list(self, ignore_patterns):
        for name in PLOTLY_FILES.values():
            yield name, self.storage
