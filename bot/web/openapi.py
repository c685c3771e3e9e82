"""The OpenAPI description of the open data endpoints, of Open311's JSON endpoints (their
XML twins have the same arguments) and of the dossiers pushed by the one-stop system,
served at /api/openapi.json."""

from typing import Any

from complaints.dossiers import COLUMNS, REQUIRED, Status
from surveys.indicators import figures, judged

JSON = "application/json"
CSV = "text/csv"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "nullable": True, **extra}


def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def _path(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    """The errors an endpoint may answer; every one may answer 429 (PAKN_LIMIT_*)."""
    words = {400: "The arguments are not valid.", 403: "api_key is missing or invalid.",
             404: "Not found.", 503: "The database is unavailable for a moment."}
    errors = {str(s): _json(_ref("Errors"), words[s]) for s in statuses}
    errors["429"] = {**_json(_ref("Errors"), "Too many requests from this address (or, when "
                             "filing, with this key): try again after Retry-After seconds."),
                     "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1},
                                                 "description": "Seconds to wait."}}}
    return errors


LANG = _query("lang", "Language of names and texts (default: the browser's, else Vietnamese).",
              type="string", enum=["vi", "en"])
JURISDICTION = _query("jurisdiction_id", "Accepted and ignored: one jurisdiction is served.")
PERIOD = _query("period", "2026, 2026-Q1, 2026-H1, 2026-9M, 2026-03 or 2026-01-01..2026-03-31 "
                "(default: the current quarter).", type="string", maxLength=40)
UNIT = _query("unit", "Only this unit (its code).", type="string", maxLength=64)
FIELD = _query("field", "Only this field (its code).", type="string", maxLength=64)
CASE_FILTERS = [
    FIELD, UNIT,
    _query("q", "Words in the code or the published question or answer (any case, with or "
           "without diacritics).", type="string", maxLength=100),
    _query("start", "Received on or after this day (local time).", type="string",
           format="date"),
    _query("end", "Received on or before this day (local time).", type="string", format="date"),
    _query("limit", "How many cases (default 100).", type="integer", minimum=1, maximum=1000),
    _query("offset", "How many to skip.", type="integer", minimum=0, maximum=10**9),
    LANG,
]

RATE = {"type": "object", "required": ["numerator", "denominator", "rate", "target", "met",
                                        "ci_low", "ci_high"],
        "properties": {
            "numerator": {"type": "integer", "minimum": 0},
            "denominator": {"type": "integer", "minimum": 0},
            "rate": _nullable("number", minimum=0, maximum=1),
            "target": _nullable("number", description="null: a figure with no target"),
            "met": _nullable("boolean", description="null: not enough responses to tell, "
                             "or no target"),
            "ci_low": _nullable("number", description="95% Wilson interval"),
            "ci_high": _nullable("number")}}


def _indicators() -> dict[str, Any]:
    """The registered indicators and figures (surveys.indicators)."""
    rates = [d.key for d in (*judged(), *figures())]
    notes = [d.api_note for d in judged() if d.api_note]
    notes.append(" and ".join(d.key for d in figures()) + " are figures with no target")
    return {"type": "object", "required": rates, "description": "; ".join(notes),
            "properties": {k: _ref("Rate") for k in rates}}


BY_CODE = {"type": "object", "additionalProperties": _ref("Indicators")}
NAMES = {"type": "object", "additionalProperties": {"type": "string"}}
REPORT = {"allOf": [_ref("Indicators"), {
    "type": "object",
    "required": ["period", "scope", "previous", "trend_points", "by_unit", "by_field",
                 "by_procedure", "by_channel", "by_month", "unverified_included", "names"],
    "properties": {
        "period": {"type": "object", "required": ["label", "first", "last"], "properties": {
            "label": {"type": "string"}, "first": {"type": "string", "format": "date"},
            "last": {"type": "string", "format": "date"}}},
        "scope": {"type": "object", "additionalProperties": {"type": "string"}},
        "previous": _ref("Indicators"),
        "trend_points": {"type": "object", "description": "percentage points on the previous "
                         "period", "additionalProperties": _nullable("number")},
        "by_unit": BY_CODE, "by_field": BY_CODE, "by_procedure": BY_CODE,
        "by_channel": BY_CODE, "by_month": BY_CODE,
        "unverified_included": {"type": "array", "items": {
            "type": "object", "required": ["unit", "first", "last", "decided_at"],
            "properties": {"unit": {"type": "string"},
                           "first": {"type": "string", "format": "date"},
                           "last": {"type": "string", "format": "date"},
                           "decided_at": {"type": "string", "format": "date-time"}}}},
        "names": {"type": "object", "properties": {"unit": NAMES, "field": NAMES,
                                                   "procedure": NAMES}}}}]}
PUBLISHED_CASE = {
    "type": "object",
    "required": ["code", "field", "field_name", "procedure", "procedure_name", "unit",
                 "unit_name", "area", "area_name", "received_at", "due_at", "resolved_at",
                 "on_time", "question", "answer", "published_at"],
    "description": "A PAKN whose texts a member of staff or an administrator approved for "
                   "publication, having seen them; only those are listed",
    "properties": {
        "code": {"type": "string"}, "field": {"type": "string"},
        "field_name": {"type": "string"}, "procedure": _nullable("string"),
        "procedure_name": _nullable("string"), "unit": {"type": "string"},
        "unit_name": {"type": "string"}, "area": _nullable("string"),
        "area_name": _nullable("string"),
        "received_at": {"type": "string", "format": "date-time"},
        "due_at": {"type": "string", "format": "date-time"},
        "resolved_at": _nullable("string", format="date-time"),
        "on_time": _nullable("boolean"),
        "question": {"type": "string", "description": "as approved for publication"},
        "answer": {"type": "string", "description": "as approved for publication"},
        "published_at": {"type": "string", "format": "date-time",
                         "description": "when its publication was approved"}}}
CASE_PAGE = {"type": "object", "required": ["total", "limit", "offset", "cases"], "properties": {
    "total": {"type": "integer", "minimum": 0}, "limit": {"type": "integer"},
    "offset": {"type": "integer"}, "cases": {"type": "array", "items": _ref("PublishedCase")}}}

W3C = {"type": "string", "format": "date-time"}
SERVICE = {"type": "object",
           "required": ["service_code", "service_name", "description", "metadata", "type",
                        "keywords", "group"],
           "properties": {
               "service_code": {"type": "string"}, "service_name": {"type": "string"},
               "description": {"type": "string"}, "metadata": {"type": "boolean"},
               "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
               "keywords": {"type": "string"}, "group": {"type": "string"}}}
DEFINITION = {"type": "object", "required": ["service_code", "attributes"], "properties": {
    "service_code": {"type": "string"},
    "attributes": {"type": "array", "maxItems": 0}}}
SERVICE_REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "service_name", "service_code", "description",
                 "requested_datetime", "updated_datetime"],
    "properties": {
        "service_request_id": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": _nullable("string", description="closed: the answer as approved "
                                  "for publication, else the status in words"),
        "service_name": {"type": "string"},
        "service_code": {"type": "string"},
        "description": _nullable("string", description="the question as approved for "
                                 "publication; null until a person approved it"),
        "agency_responsible": _nullable("string"), "service_notice": _nullable("string"),
        "requested_datetime": W3C, "updated_datetime": W3C,
        "expected_datetime": _nullable("string", format="date-time"),
        "address_id": _nullable("string"),
        "zipcode": _nullable("string"),
        "address": _nullable("string", description="the commune the request was filed for"),
        "lat": _nullable("number", minimum=-90, maximum=90,
                         description="rounded to about 100 m; null unless the approver "
                         "published the place"),
        "long": _nullable("number", minimum=-180, maximum=180)}}
CREATED = {"type": "object", "required": ["service_request_id"], "properties": {
    "service_request_id": {"type": "string"}, "service_notice": _nullable("string"),
    "account_id": _nullable("string")}}
NEW_REQUEST = {
    "type": "object", "required": ["api_key", "service_code"],
    "properties": {
        "api_key": {"type": "string", "description": "issued with `pakn api-key create`"},
        "jurisdiction_id": {"type": "string"},
        "service_code": {"type": "string", "description": "a field or procedure code"},
        "description": {"type": "string", "description": "the PAKN, at least 20 characters"},
        "first_name": {"type": "string"},
        "last_name": {"type": "string", "description": "family name, written first"},
        "phone": {"type": "string", "description": "required: a Vietnamese number"},
        "address_string": {"type": "string", "description": "required: the sender's address"},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "long": {"type": "number", "minimum": -180, "maximum": 180},
        "address_id": {"type": "string", "description": "a commune or ward code"},
        "email": {"type": "string", "description": "not kept"},
        "device_id": {"type": "string", "description": "not kept"},
        "account_id": {"type": "string", "description": "not kept"},
        "media_url": {"type": "string", "description": "not kept"}}}
DOSSIER_RECORD = {
    "type": "object", "required": list(REQUIRED), "additionalProperties": False,
    "description": "A dossier as the one-stop system describes it; times ISO 8601 with an "
                   "offset, or local (Asia/Ho_Chi_Minh) without; a due date without a time "
                   "is the end of that working day",
    "properties": {**{name: {"type": "string", "maxLength": 100} for name in COLUMNS},
                   "status": {"type": "string", "enum": [s.value for s in Status]},
                   "finished_at": _nullable("string"), "returned_at": _nullable("string"),
                   "phone": _nullable("string", description="the applicant's phone: with "
                                      "the code, it lets them follow the dossier")}}
DOSSIER_RESULTS = {"type": "object", "required": ["results"], "properties": {"results": {
    "type": "array", "description": "one per record, in order", "items": {
        "type": "object", "required": ["code", "result", "reason"],
        "properties": {
            "code": _nullable("string"),
            "result": {"type": "string",
                       "enum": ["created", "updated", "unchanged", "refused"]},
            "reason": _nullable("string", description="why it was refused, in the "
                                "reader's language"),
            "reason_code": {"type": "string"},
            "link": {"type": "string", "description": "the dossier's one-time "
                     "follow-and-rate link, to print on the receipt (also as a QR code)"},
            "telegram_link": {"type": "string"}}}}}}
PROBLEM = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
ERRORS = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["code", "description"],
    "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}}
DISCOVERY = {"type": "object", "required": ["changeset", "contact", "key_service", "endpoints"],
             "properties": {
                 "changeset": {"type": "string"}, "contact": {"type": "string"},
                 "key_service": {"type": "string"},
                 "endpoints": {"type": "array", "items": {
                     "type": "object",
                     "required": ["specification", "url", "changeset", "type", "formats"],
                     "properties": {
                         "specification": {"type": "string"}, "url": {"type": "string"},
                         "changeset": {"type": "string"},
                         "type": {"type": "string", "enum": ["production", "test"]},
                         "formats": {"type": "array", "items": {"type": "string"}}}}}}}


def _paths() -> dict[str, Any]:
    csv_body = {"description": "CSV (UTF-8, a header row)",
                "content": {CSV: {"schema": {"type": "string"}}}}
    return {
        "/api/openapi.json": {"get": {
            "summary": "This description", "operationId": "openapi",
            "responses": {"200": _json({"type": "object"}, "OpenAPI 3"), **_errors()}}},
        "/api/indicators.json": {"get": {
            "summary": "The indicators of a period, as `pakn stats --json` prints them",
            "operationId": "indicators", "parameters": [PERIOD, UNIT, FIELD, LANG],
            "responses": {"200": _json(_ref("Report"), "The report"), **_errors(400, 503)}}},
        "/api/indicators.csv": {"get": {
            "summary": "The indicators of a period, one row per group, value and indicator",
            "operationId": "indicatorsCsv",
            "parameters": [PERIOD, UNIT, FIELD, LANG, _query(
                "group", "Only the rows of this group.", type="string",
                enum=["overall", "unit", "field", "procedure", "channel", "month"])],
            "responses": {"200": csv_body, **_errors(400, 503)}}},
        "/api/cases.json": {"get": {
            "summary": "Resolved PAKN, anonymised, newest first", "operationId": "cases",
            "parameters": CASE_FILTERS,
            "responses": {"200": _json(_ref("CasePage"), "A page of cases"),
                          **_errors(400, 503)}}},
        "/api/cases.csv": {"get": {
            "summary": "Resolved PAKN, anonymised, as CSV (X-Total-Count: how many match)",
            "operationId": "casesCsv", "parameters": CASE_FILTERS,
            "responses": {"200": csv_body, **_errors(400, 503)}}},
        "/api/dossiers": {"post": {
            "summary": "The one-stop system pushes dossier records (at most 1000); each is "
                       "created, updated (its status and times only move forward), "
                       "unchanged, or refused with the reason",
            "operationId": "pushDossiers", "tags": ["Dossiers"], "parameters": [LANG],
            "security": [{"apiKey": []}],
            "requestBody": {"required": True, "content": {JSON: {"schema": {
                "type": "array", "maxItems": 1000, "items": _ref("DossierRecord")}}}},
            "responses": {
                "200": _json(_ref("DossierResults"), "The result of each record"),
                **{str(status): _json(_ref("Problem"), words) for status, words in (
                    (400, "The body is not a JSON array."),
                    (401, "No key, or an unknown or revoked one."),
                    (403, "The key lacks the scope dossiers:write."),
                    (413, "More than 1000 records."),
                    (503, "The database is unavailable for a moment."))}}}},
        "/open311/discovery.json": {"get": {
            "summary": "Open311 service discovery", "operationId": "open311Discovery",
            "tags": ["Open311"], "parameters": [LANG],
            "responses": {"200": _json(_ref("Discovery"), "Where the endpoints are"),
                          **_errors(400, 503)}}},
        "/open311/v2/services.json": {"get": {
            "summary": "GeoReport v2: fields and procedures as services",
            "operationId": "open311Services", "tags": ["Open311"],
            "parameters": [JURISDICTION, LANG],
            "responses": {"200": _json({"type": "array", "items": _ref("Service")},
                                       "The services"), **_errors(400, 503)}}},
        "/open311/v2/services/{service_code}.json": {"get": {
            "summary": "GeoReport v2: a service's definition (no extra attributes)",
            "operationId": "open311Service", "tags": ["Open311"],
            "parameters": [_path("service_code", "A field or procedure code"), JURISDICTION,
                           LANG],
            "responses": {"200": _json(_ref("ServiceDefinition"), "The definition"),
                          **_errors(400, 404, 503)}}},
        "/open311/v2/requests.json": {
            "get": {
                "summary": "GeoReport v2: requests (default: the last 90 days, 1000 at most)",
                "operationId": "open311Requests", "tags": ["Open311"],
                "parameters": [
                    _query("service_request_id", "Comma-delimited tracking codes; overrides "
                           "every other argument.", type="string", maxLength=200),
                    _query("service_code", "Comma-delimited service codes.", type="string",
                           maxLength=200),
                    _query("start_date", "Earliest requested_datetime (W3C).", type="string",
                           format="date-time"),
                    _query("end_date", "Latest requested_datetime (W3C); at most 90 days "
                           "after start_date.", type="string", format="date-time"),
                    _query("status", "open, closed, or both.", type="string",
                           enum=["open", "closed", "open,closed"]),
                    JURISDICTION, LANG],
                "responses": {"200": _json({"type": "array", "items": _ref("ServiceRequest")},
                                           "The requests, newest first"),
                              **_errors(400, 503)}},
            "post": {
                "summary": "GeoReport v2: file a PAKN (the sender's name, phone and address "
                           "are required by Vietnamese rules)",
                "operationId": "open311Create", "tags": ["Open311"], "parameters": [LANG],
                "requestBody": {"required": True, "content": {
                    "application/x-www-form-urlencoded": {"schema": _ref("NewRequest")}}},
                "responses": {"200": _json({"type": "array", "items": _ref("Created"),
                                            "minItems": 1, "maxItems": 1}, "Filed"),
                              **_errors(400, 403, 404, 503)}}},
        "/open311/v2/requests/{service_request_id}.json": {"get": {
            "summary": "GeoReport v2: one request by its tracking code",
            "operationId": "open311Request", "tags": ["Open311"],
            "parameters": [_path("service_request_id", "A tracking code (PA-2026-000042)"),
                           JURISDICTION, LANG],
            "responses": {"200": _json({"type": "array", "items": _ref("ServiceRequest"),
                                        "minItems": 1, "maxItems": 1}, "The request"),
                          **_errors(400, 404, 503)}}},
    }


def openapi() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "PAKN open data and Open311",
            "version": "1.0.0",
            "description": "The indicators and the resolved PAKN (phản ánh, kiến nghị) of the "
                           "jurisdiction, anonymised: no names, phones, addresses or photos "
                           "of senders. Open311 GeoReport v2 (also in XML: replace .json by "
                           ".xml) lists and files PAKN; filing needs an API key. The "
                           "province's one-stop system pushes dossiers with a key of its "
                           "own.",
        },
        "paths": _paths(),
        "components": {"schemas": {
            "Rate": RATE, "Indicators": _indicators(), "Report": REPORT,
            "PublishedCase": PUBLISHED_CASE, "CasePage": CASE_PAGE, "Service": SERVICE,
            "ServiceDefinition": DEFINITION, "ServiceRequest": SERVICE_REQUEST,
            "Created": CREATED, "NewRequest": NEW_REQUEST, "Errors": ERRORS,
            "Discovery": DISCOVERY, "DossierRecord": DOSSIER_RECORD,
            "DossierResults": DOSSIER_RESULTS, "Problem": PROBLEM},
            "securitySchemes": {"apiKey": {
                "type": "http", "scheme": "bearer",
                "description": "a key of scope dossiers:write, from `pakn api-key create "
                               "--scope dossiers:write`"}}},
    }
