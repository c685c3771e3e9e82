"""Open311's formats: JSON, or XML by the spec's element names, as the path's suffix
(.json, .xml) asks; errors as the spec writes them, several at once if need be."""

import json
from typing import Any
from xml.etree import ElementTree

from aiohttp import web

from bot.web.published import clean

JSON_TYPE = "application/json"
XML_TYPE = "text/xml"
# Children of these XML elements are named by the singular.
_ITEMS = {"services": "service", "service_requests": "request", "errors": "error",
          "attributes": "attribute", "endpoints": "endpoint", "formats": "format"}


class Open311Error(Exception):
    """Answered in the spec's error format: HTTP status, and one or more descriptions."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = descriptions


def respond(request: web.Request, root: str, body: Any, status: int = 200) -> web.Response:
    """JSON or XML as the path asked (.json, .xml); XML by the spec's element names."""
    if request.match_info.get("format") == "xml":
        return web.Response(body=to_xml(root, body), status=status,
                            content_type=XML_TYPE, charset="utf-8")
    return web.Response(text=json.dumps(body, ensure_ascii=False), status=status,
                        content_type=JSON_TYPE, charset="utf-8")


def to_xml(root: str, body: Any) -> bytes:
    text = ElementTree.tostring(_element(root, body), encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode()


def _element(tag: str, value: Any) -> ElementTree.Element:
    element = ElementTree.Element(tag)
    if isinstance(value, dict):
        element.extend(_element(key, item) for key, item in value.items())
    elif isinstance(value, list):
        element.extend(_element(_ITEMS[tag], item) for item in value)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = clean(str(value)) if isinstance(value, str) else str(value)
    return element
