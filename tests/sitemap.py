"""Reading the whole sitemap, as a search engine does: the index, then every file it lists."""

import re
from urllib.parse import urlsplit


def whole_sitemap(client) -> str:
    """The index and every section page it links, as one text."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    texts = [index.content.decode()]
    for location in re.findall(r"<loc>([^<]+)</loc>", texts[0]):
        url = urlsplit(location)
        page = client.get(url.path + (f"?{url.query}" if url.query else ""))
        assert page.status_code == 200, location
        texts.append(page.content.decode())
    return "\n".join(texts)
