"""A scanned letter sent as a PDF: kept only when it opens as one, in full."""

import logging
from io import BytesIO

PDF = "application/pdf"
MAX_PAGES = 50
logging.getLogger("pypdf").setLevel(logging.ERROR)  # it warns about every odd scanner


class NotAPdf(ValueError):
    """The bytes are not a readable PDF we keep."""


def check_pdf(content: bytes) -> int:
    """The number of pages, once every page has been read; NotAPdf otherwise (not a PDF,
    damaged, encrypted, or too long for a letter)."""
    if not content.startswith(b"%PDF-"):
        raise NotAPdf("no PDF header")
    from pypdf import PdfReader  # only processes that take letters load the PDF reader

    try:
        reader = PdfReader(BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise NotAPdf("encrypted")
        pages = len(reader.pages)
        if not 1 <= pages <= MAX_PAGES:
            raise NotAPdf(f"{pages} pages")
        for page in reader.pages:
            page.get_contents()
    except NotAPdf:
        raise
    except Exception as exc:  # a parser given hostile bytes may raise anything
        raise NotAPdf(f"{exc.__class__.__name__}: {exc}") from None
    return pages
