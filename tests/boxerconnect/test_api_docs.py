"""docs/api.md stays in step with the code: every endpoint it lists exists, every endpoint that
exists is listed; and the generated OpenAPI document carries no internal notes."""

import json
import re

import pytest
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator

from boxerconnect import urls as root_urls
from tests.boxerconnect.subproc import REPO

DOCS = REPO / "docs" / "api.md"
_ROW = re.compile(r"^\|\s*`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]*)`", re.MULTILINE)


def normalized(path: str) -> str:
    """`/api/v1/boxers/{id}/fights/{fight_id}/` → `/api/v1/boxers/{}/fights/{}/`."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def documented() -> set[tuple[str, str]]:
    return {(method, normalized(path)) for method, path in _ROW.findall(DOCS.read_text())}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_scan_reads_the_tables():
    assert len(documented()) > 50


def test_every_api_operation_is_in_the_docs_and_every_documented_one_exists(schema):
    methods = {"get", "post", "put", "patch", "delete"}
    operations = [(m, path) for path, ops in schema["paths"].items() for m in ops if m in methods]
    served = {(m.upper(), normalized(path)) for m, path in operations}
    api = {(method, path) for method, path in served if path.startswith("/api/v1/")}
    listed = {(method, path) for method, path in documented() if path.startswith("/api/v1/")}

    assert api - listed == set(), "endpoints missing from docs/api.md"
    assert listed - api == set(), "docs/api.md lists endpoints the code does not serve"
    # The ops endpoints the document adds (boxerconnect/schema_examples.py) are listed too.
    assert served - api <= documented() and served - api


def test_every_route_outside_the_api_is_documented_and_resolves():
    others = {
        "/" + str(pattern.pattern)
        for pattern in root_urls.urlpatterns
        if not str(pattern.pattern).startswith("api/v1/")
    }
    listed = {path for _, path in documented() if not path.startswith("/api/v1/")}

    assert others == listed
    for path in listed:
        try:
            resolve(path)
        except Resolver404:
            pytest.fail(f"docs/api.md lists {path}, which does not resolve")


def test_docs_link_the_repository_contract_not_a_file_outside_it():
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = page.read_text()
        assert "../shared" not in text, page.name
        assert not re.search(r"(?<![/\w])API\.md", text), f"{page.name} names an API.md outside docs/"


# Internal notes that must never reach the API documentation (drf-spectacular turns view and
# serializer docstrings into descriptions).
INTERNAL = ["API.md", "DESIGN.md", "STYLE.md", "context[", "context.get", "TODO", "FIXME", "XXX", "../shared"]


def test_the_openapi_document_carries_no_internal_notes(schema):
    text = json.dumps(schema, default=str)

    assert [phrase for phrase in INTERNAL if phrase in text] == []


def test_the_club_is_described_for_its_readers(schema):
    description = schema["components"]["schemas"]["ClubOutput"]["description"]

    assert "contact_email" in description and "owner" in description


# References to other objects in responses: `{"id", "name"}` (component Ref), or the whole
# object where the contract says so; bare ids only where the contract names them.
CONTRACT_IDS = {
    ("BoxerOutput", "user_id"),
    ("FightOutput", "boxer_id"),
    ("MembershipRequestOutput", "boxer_id"),
    ("SlotOutput", "boxer_id"),
}
WHOLE_OBJECTS = {("BoxerAccountOutput", "user"), ("BoxerAccountOutput", "boxer"), ("SessionOutput", "user")}


def _refs(prop: dict) -> set[str]:
    return {part["$ref"].rsplit("/", 1)[-1] for part in [prop, *prop.get("allOf", [])] if "$ref" in part}


def test_responses_name_other_objects_in_one_shape(schema):
    components = schema["components"]["schemas"]
    outputs = {name: c for name, c in components.items() if name.endswith("Output")}
    named = {"club", "owner", "coach", "boxer", "user", "reviewed_by", "created_by"}

    bare_ids = {
        (name, field)
        for name, c in outputs.items()
        for field, prop in c.get("properties", {}).items()
        if field.endswith("_id") and prop.get("format") == "uuid"
    }
    shapes = {
        (name, field): _refs(prop)
        for name, c in outputs.items()
        for field, prop in c.get("properties", {}).items()
        if field in named and (name, field) not in WHOLE_OBJECTS
    }

    assert bare_ids == CONTRACT_IDS
    assert shapes and all(refs == {"Ref"} for refs in shapes.values()), shapes
    assert set(components["Ref"]["properties"]) == {"id", "name"}
