"""Schemathesis generates requests from /api/openapi.json against the running service:
none may get a server error, and every response must be the one the file describes."""

import time
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from bot.core.apikeys import SCOPES, issue_key
from storage.models import OutboxRow
from tests.api.server import ServiceThread
from tests.api.test_open311 import FILING

EXAMPLES = 25
"""Per operation: enough to find the obvious, fast enough for every run."""
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def fuzz(operation: APIOperation, base_url: str, key: str, mode: GenerationMode) -> None:
    """Examples of one operation. A POST gets a real key (Open311's field, or the dossiers'
    bearer header) and a real service code now and then, to get past them into the checks
    of what it files. Data the file rules out
    (negative mode) must not break the service either; its answer may then be any."""
    posting = operation.method.upper() == "POST"
    checks = CHECKS if mode is GenerationMode.POSITIVE else [not_a_server_error]

    @given(case=operation.as_strategy(generation_mode=mode), real_key=st.booleans(),
           service=st.sampled_from([None, "dat_dai", "1.001193"]))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def holds(case: schemathesis.Case, real_key: bool, service: str | None) -> None:
        if posting and real_key and isinstance(case.body, dict):
            case.body["api_key"] = key
            if service is not None:
                case.body["service_code"] = service
        if posting and real_key and isinstance(case.body, list):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {key}"}
        response = case.call(base_url=base_url, timeout=30)
        case.validate_response(response, checks=checks)
    holds()


@pytest.fixture
def server(database_url: str) -> Iterator[ServiceThread]:
    with ServiceThread(database_url) as running:
        yield running


def test_the_api_holds_to_its_openapi_file(server: ServiceThread) -> None:
    service = server.service
    assert service is not None

    async def new_key() -> str:
        async with service.store.unit_of_work() as uow:
            key, _number = await issue_key(uow, "fuzzer", service.clock(),
                                           frozenset(SCOPES))
        return key
    key = server.run(new_key())
    schema = schemathesis.openapi.from_url(f"{server.url}/api/openapi.json")
    schema.validate()  # against the OpenAPI 3.0 meta-schema
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every operation but the file itself, which schemathesis leaves out.
    assert len(operations) == 11, [o.label for o in operations]

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, server.url, key, mode)

    # The service as `make run` serves it files a request too, and owes the app nothing
    # for long after: the Open311 sender is among the outbox's senders.
    filed = requests.post(f"{server.url}/open311/v2/requests.json",
                          data={"api_key": key, **FILING}, timeout=30)
    assert filed.status_code == 200, filed.text

    async def owed() -> tuple[int, int]:
        async with service.database.reading() as session:
            rows = (await session.execute(select(OutboxRow.status).where(
                OutboxRow.channel == "open311"))).scalars().all()
        return len(rows), sum(status != "sent" for status in rows)
    deadline = time.monotonic() + 10
    while (found := server.run(owed()))[1] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert found[0] >= 1 and found[1] == 0, found
