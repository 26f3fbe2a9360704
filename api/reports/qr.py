"""The QR code printed on an issued report: the address of its public verification page.

Invariants: the QR code holds the verification URL and nothing else (no content, no
identity); it is made by `segno` at error level M, one parameter set for the page's SVG
and the PDF's PNG, so anyone can regenerate it from the URL printed beside it and
compare; the page embeds it as a `data:` image, which the page CSP's `img-src` allows.
"""

from __future__ import annotations

import io
from typing import Final

import segno

ERROR: Final = "m"
BORDER: Final = 4
# Pixels per module in the PDF's image: sharp however a viewer scales it.
PNG_SCALE: Final = 8
VERIFY_PATH: Final = "/verify/report"


def verify_url(base_url: str, shown_code: str) -> str:
    """The public verification page of a report, absolute (what the QR code holds)."""
    return f"{base_url.rstrip('/')}{VERIFY_PATH}/{shown_code}"


def make(url: str) -> segno.QRCode:
    """The QR code of a URL (never a Micro QR)."""
    return segno.make_qr(url, error=ERROR, boost_error=False)


def svg_data_uri(url: str) -> str:
    """The QR code as an SVG `data:` URI for an `<img>`."""
    return make(url).svg_data_uri(scale=1, border=BORDER, dark="#000", light="#fff")


def png(url: str) -> bytes:
    """The QR code as a black-and-white PNG, `PNG_SCALE` pixels a module."""
    out = io.BytesIO()
    make(url).save(out, kind="png", scale=PNG_SCALE, border=BORDER, dark="#000", light="#fff")
    return out.getvalue()


def modules(url: str) -> list[list[bool]]:
    """The QR code's modules, dark as True, with its quiet zone (for comparison in tests)."""
    return [[bool(cell) for cell in row] for row in make(url).matrix_iter(border=BORDER)]
