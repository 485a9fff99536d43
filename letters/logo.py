"""The letterhead's logo: an optional PNG staff upload on a year's letter template.

PNG only (no SVG: an SVG is a document that may carry scripts, foreign objects and references
to other files; a PNG is pixels). It is checked to really be a PNG, and capped in bytes and
pixels. A letter embeds it as a `data:` URI, so neither its web page nor WeasyPrint ever fetches
media: no public media URL is needed, and the PDF renders with fetching refused.
"""

import base64
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_PIXELS = 4000 * 4000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def validate_logo(file) -> None:
    """Refuse anything but a PNG of at most LOGO_MAX_BYTES that Pillow can read whole."""
    from PIL import Image, UnidentifiedImageError

    if file.size > LOGO_MAX_BYTES:
        raise ValidationError(
            f"The logo is {file.size // 1024} KB; it may be at most {LOGO_MAX_BYTES // 1024} KB."
        )
    file.seek(0)
    if file.read(len(PNG_SIGNATURE)) != PNG_SIGNATURE:
        raise ValidationError("The logo must be a PNG image (SVG and other formats are refused).")
    file.seek(0)
    try:
        with Image.open(file) as image:
            if image.format != "PNG":
                raise ValidationError("The logo must be a PNG image.")
            width, height = image.size
            if width * height > LOGO_MAX_PIXELS:
                raise ValidationError("The logo has too many pixels (at most 16 million).")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError("The logo is not a readable PNG image.") from error
    finally:
        file.seek(0)


def logo_data_uri(name: str) -> str:
    """The stored logo `name` as a data: URI; "" for none, or if the file has gone."""
    if not name:
        return ""
    try:
        with default_storage.open(name, "rb") as file:
            data = file.read(LOGO_MAX_BYTES + 1)
    except OSError:
        logger.warning("Letterhead logo %s is missing from %s", name, settings.MEDIA_ROOT)
        return ""
    if len(data) > LOGO_MAX_BYTES or not data.startswith(PNG_SIGNATURE):
        logger.warning("Letterhead logo %s is not a PNG of at most %s bytes", name, LOGO_MAX_BYTES)
        return ""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
