"""The entity file's columns as the real registry declares them (its OpenAPI document), not a copy."""

import pytest

from ecoreg_client.files import Columns


@pytest.fixture(scope="session")
def registry_document() -> dict:
    from registry import openapi_document

    return openapi_document()


@pytest.fixture(scope="session")
def columns(registry_document) -> Columns:
    return Columns.from_openapi(registry_document)
