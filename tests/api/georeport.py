"""Checking responses against the GeoReport v2 JSON schemas in schemas/ (written from the
spec), and XML responses against the spec's element names (the same schemas: the JSON is
the spec's mapping of the XML)."""

import json
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).parent / "schemas"
XML_ROOTS = {"services": ("services", "service"),
             "service_requests": ("service_requests", "request"),
             "post_response": ("service_requests", "request"),
             "errors": ("errors", "error")}


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def valid(name: str, body: Any) -> Any:
    """The body, after checking it against the schema `name` (every error listed)."""
    errors = sorted(validator(name).iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    return body


def valid_xml(name: str, body: bytes) -> list[dict[str, str | None]]:
    """The items of an XML response, after checking its declaration, root and item
    elements, and that each item has the schema's required elements and no others."""
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:60]
    root_tag, item_tag = XML_ROOTS[name]
    root = ElementTree.fromstring(body)  # noqa: S314  # our own response, in a test
    assert root.tag == root_tag, root.tag
    item_schema = validator(name).schema["items"]
    allowed = set(item_schema["properties"])
    required = set(item_schema.get("required", ()))
    items = []
    for element in root:
        assert element.tag == item_tag, element.tag
        children = {child.tag: child.text for child in element}
        assert len(children) == len(element), "an element appears twice"
        assert set(children) <= allowed, set(children) - allowed
        assert required <= set(children), required - set(children)
        items.append(children)
    return items
