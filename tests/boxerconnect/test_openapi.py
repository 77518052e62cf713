"""The OpenAPI document as clients use it (docs/clients.md): the committed openapi.yaml is the
generated one; every operation has a summary, a tag, its security and its error responses
(with an example per error code, which Swagger UI shows); types are what clients need.

scripts/openapi-clients.sh (run by scripts/test.sh) adds Redocly's lint and a TypeScript
type-check of the document; this file holds what Python can check.
"""

import inspect
import re
import uuid
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.urls import resolve

from boxerconnect.error_codes import BY_CODE, ERROR_CODES
from boxerconnect.schema import SUMMARIES, table_codes, table_operations
from boxerconnect.schema_examples import COMPONENT_EXAMPLES
from tests.boxerconnect.subproc import REPO

COMMITTED = REPO / "openapi.yaml"
METHODS = ("get", "put", "post", "patch", "delete")
TAGS = [
    "auth",
    "boxers",
    "fights",
    "coach links",
    "clubs",
    "membership",
    "sparring",
    "notifications",
    "permissions",
    "admin",
    "ops",
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> str:
    target = Path(tmp_path_factory.mktemp("openapi")) / "openapi.yaml"
    call_command("spectacular", "--file", str(target), "--validate", "--fail-on-warn")
    return target.read_text()


@pytest.fixture(scope="module")
def schema(generated) -> dict:
    return yaml.safe_load(generated)


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def resolved(schema: dict, response: dict) -> dict:
    if "$ref" in response:
        return schema["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response


def test_the_committed_openapi_yaml_is_the_generated_one(generated):
    assert COMMITTED.read_text() == generated, (
        "openapi.yaml differs from what the code generates: the API contract changed. Review the "
        "change, then regenerate it with `make openapi` and commit openapi.yaml."
    )


def test_the_served_schema_is_the_committed_one(api):
    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert response.json() == yaml.safe_load(COMMITTED.read_text())


def test_swagger_ui_is_served_and_groups_by_the_tags_in_order(api, schema):
    response = api.get("/api/docs/")

    assert response.status_code == 200 and b"swagger-ui" in response.content
    assert [tag["name"] for tag in schema["tags"]] == TAGS
    assert all(tag.get("description") for tag in schema["tags"])


def test_info_servers_contact_and_license(schema):
    assert schema["servers"] and schema["info"]["contact"] and schema["info"]["license"]["name"]


def test_every_operation_has_a_summary_one_known_tag_and_a_4xx(schema):
    missing = []
    for method, path, operation in operations(schema):
        if not operation.get("summary"):
            missing.append(f"{method} {path}: summary")
        if len(operation.get("tags", [])) != 1 or operation["tags"][0] not in TAGS:
            missing.append(f"{method} {path}: tag {operation.get('tags')}")
        if not any(status.startswith("4") for status in operation["responses"]):
            missing.append(f"{method} {path}: no 4xx")
        if "security" not in operation:
            missing.append(f"{method} {path}: security")

    assert missing == []
    summaries = [op["summary"] for _m, _p, op in operations(schema)]
    assert len(set(summaries)) == len(summaries), "two operations share a summary"


def test_the_summary_table_has_no_stale_entry(schema):
    served = {f"{method} {path}" for method, path, _op in operations(schema)}

    assert set(SUMMARIES) - served == set()


def test_every_operation_the_error_table_names_exists(schema):
    served = {(method, re.sub(r"\{[^}]+\}", "{}", path)) for method, path, _op in operations(schema)}

    assert table_operations() - served == set()
    assert len(table_operations()) > 20


def test_every_specific_error_code_is_documented_with_its_example(schema):
    """A code error_codes.py names an operation in is under its status there, as an example."""
    for method, path, operation in operations(schema):
        for code in table_codes(method, path):
            status = str(BY_CODE[code].status)
            response = resolved(schema, operation["responses"].get(status, {}))
            examples = response.get("content", {}).get("application/json", {}).get("examples", {})
            assert code in examples, (method, path, code)


def test_every_operation_documents_the_malformed_request_answer(schema):
    """`bad_request` can answer any request (gunicorn's request line over 4 KiB, a malformed
    Content-Length): every operation's 400 accepts its body (make fuzz found an operation
    whose 400 allowed only a validation body)."""
    import jsonschema

    body = {"detail": "Request Line is too large (6334 > 4094)", "code": "bad_request"}
    for method, path, operation in operations(schema):
        response = resolved(schema, operation["responses"].get("400", {}))
        found = response.get("content", {}).get("application/json", {}).get("schema")
        assert found is not None, (method, path)
        validator = jsonschema.Draft202012Validator({**found, "components": schema["components"]})
        assert validator.is_valid(body), (method, path)


def test_every_error_response_carries_examples_of_real_codes(schema):
    """What Swagger UI shows under each error: one example per code, with that code's status."""
    seen = set()
    for method, path, operation in operations(schema):
        for status, response in operation["responses"].items():
            if not status.startswith("4"):
                continue
            media = resolved(schema, response)["content"]["application/json"]
            assert media["examples"], (method, path, status)
            for name, example in media["examples"].items():
                value = example["value"]
                if name == "validation":
                    assert status == "400" and "code" not in value
                    continue
                assert value["code"] == name and BY_CODE[name].status == int(status), (method, path, name)
                seen.add(name)
    assert {"throttled", "not_found", "not_authenticated", "permission_denied", "link_exists"} <= seen


def test_error_components_are_shared(schema):
    components = schema["components"]
    assert components["schemas"]["ErrorCode"]["enum"] == [e.code for e in ERROR_CODES]
    assert components["schemas"]["ErrorBody"]["required"] == ["detail", "code"]
    assert "ValidationErrorBody" in components["schemas"]
    throttled = components["responses"]["Throttled"]
    assert throttled["headers"]["Retry-After"]["schema"]["type"] == "integer"
    for _method, _path, operation in operations(schema):
        if "429" in operation["responses"]:
            assert operation["responses"]["429"] == {"$ref": "#/components/responses/Throttled"}


def _probe_url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _m: str(uuid.uuid4()), path)


@pytest.mark.django_db
def test_security_says_what_an_anonymous_call_really_gets(api, schema):
    """Each operation called anonymously (random ids, an empty body): a 401 exactly where the
    document requires a token, and whatever else it answers documented for it."""
    undocumented, wrong_security = [], []
    for method, path, operation in operations(schema):
        if path == "/metrics":
            continue  # its own token, decided by settings (tests/boxerconnect/test_observability.py)
        response = api.generic(method, _probe_url(path), "{}", content_type="application/json")
        needs_token = bool(operation["security"]) and {} not in operation["security"]
        if (response.status_code == 401 and response.json()["code"] == "not_authenticated") != needs_token:
            wrong_security.append(
                f"{method} {path}: {response.status_code}, security {operation['security']}"
            )
        if str(response.status_code) not in operation["responses"]:
            undocumented.append(f"{method} {path}: {response.status_code}")

    assert wrong_security == []
    assert undocumented == []


@pytest.mark.django_db
def test_a_bad_token_on_a_public_read_is_the_documented_401(api, schema):
    response = api.get("/api/v1/boxers/", HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 401
    documented = schema["paths"]["/api/v1/boxers/"]["get"]["responses"]["401"]
    assert response.json()["code"] in documented["content"]["application/json"]["examples"]


def test_anonymous_operations_are_the_public_reads_and_the_login_flow(schema):
    anonymous = {f"{m} {p}" for m, p, op in operations(schema) if not op["security"] or {} in op["security"]}

    assert {
        "GET /api/v1/boxers/",
        "GET /api/v1/clubs/",
        "GET /health",
        "POST /api/v1/auth/login/",
    } <= anonymous
    assert "POST /api/v1/boxers/" not in anonymous and "GET /api/v1/auth/me/" not in anonymous


def _schemas(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schemas(value)


def test_types_clients_can_rely_on(schema):
    problems = []
    for node in _schemas(schema):
        if node.get("nullable") and "type" not in node:
            problems.append(f"nullable without type: {node}")
        if node.get("type") == "boolean" and "enum" in node:
            problems.append(f"boolean with enum: {node}")
        enum = node.get("enum")
        if enum and node is not schema["components"]["schemas"]["ErrorCode"]:
            bad = [v for v in enum if isinstance(v, str) and v != v.lower()]
            if bad:
                problems.append(f"enum not lowercase: {bad}")
    for name, component in schema["components"]["schemas"].items():
        for field, prop in component.get("properties", {}).items():
            plain = prop if "$ref" not in prop else {}
            is_id = field == "id" or field.endswith("_id")
            if is_id and plain.get("type") == "string" and plain.get("format") != "uuid":
                problems.append(f"{name}.{field} is not format uuid")
            if field.endswith("_at") and plain.get("format") != "date-time":
                problems.append(f"{name}.{field} is not format date-time")
    assert problems == []


def test_output_enums_are_enums(schema):
    components = schema["components"]["schemas"]

    def enum_of(prop):
        for part in [prop, *prop.get("allOf", []), *prop.get("oneOf", [])]:
            if "$ref" in part:
                target = components[part["$ref"].rsplit("/", 1)[-1]]
                if "enum" in target:
                    return set(target["enum"])
        return set(prop.get("enum", []))

    assert enum_of(components["FightOutput"]["properties"]["result"]) == {"win", "loss", "draw", "no_contest"}
    assert enum_of(components["BoxerOutput"]["properties"]["experience_level"]) >= {
        "beginner",
        "professional",
    }
    assert "expired" in enum_of(components["SparringRequestOutput"]["properties"]["status"])
    assert "cancelled" in enum_of(components["MembershipRequestOutput"]["properties"]["status"])
    assert "coach_invited" in enum_of(components["NotificationOutput"]["properties"]["kind"])


def test_filters_are_typed(schema):
    def param(path, name):
        return next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name)["schema"]

    assert param("/api/v1/clubs/", "accepting_members") == {"type": "boolean"}
    assert param("/api/v1/boxers/", "is_verified") == {"type": "boolean"}
    assert param("/api/v1/admin/users/", "is_active") == {"type": "boolean"}
    assert param("/api/v1/permissions/check/", "resource_id")["format"] == "uuid"
    assert param("/api/v1/boxers/{id}/availability/", "from")["format"] == "date-time"


def test_examples_name_the_fields_their_schema_has(schema):
    components = schema["components"]["schemas"]
    for name, example in COMPONENT_EXAMPLES.items():
        component = components[name]
        assert component["example"] == example
        properties = set(component.get("properties", {}))
        assert set(example) <= properties, (name, set(example) - properties)
        assert set(component.get("required", [])) <= set(example), name
    assert {
        "LoginInputRequest",
        "SessionOutput",
        "BoxerOutput",
        "ClubOutput",
        "SparringRequestOutput",
    } <= set(COMPONENT_EXAMPLES)


@pytest.mark.django_db
def test_the_ops_endpoints_are_documented_as_they_answer(api, schema, settings):
    settings.METRICS_PUBLIC = True
    for path in ("/", "/health", "/health/live", "/health/ready"):
        response = api.get(path)
        body = response.json()
        documented = schema["paths"][path]["get"]["responses"][str(response.status_code)]
        media = documented["content"]["application/json"]
        assert set(media["schema"]["required"]) <= set(body), path
        resolve(path)


def test_body_actions_declare_every_check_a_method_makes():
    """The 403/404 the document derives from a view's actions see the checks in its methods:
    each `require(Action.X ...)` in a method is its declared action or in `body_actions`."""
    from boxerconnect.urls import urlpatterns  # noqa: F401  (loads every app's views)
    from permissions.checker import required_action

    class Request:
        def __init__(self, method):
            self.method = method

    missing = []
    for route in _api_views():
        for method in ("get", "post", "put", "patch", "delete"):
            handler = getattr(route, method, None)
            if handler is None:
                continue
            source = inspect.getsource(handler)
            called = set(re.findall(r"\.require(?:_role)?\(\s*Action\.(\w+)", source))
            declared = {
                *getattr(route, "body_actions", {}).get(method.upper(), ()),
                required_action(route, Request(method.upper())),
            }
            names = {action.name for action in declared if action is not None}
            if called - names:
                missing.append(f"{route.__name__}.{method}: {sorted(called - names)}")
    assert missing == []


def _api_views():
    from django.urls import URLPattern, URLResolver, get_resolver

    found = []

    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
            elif isinstance(entry, URLPattern) and hasattr(entry.callback, "view_class"):
                found.append(entry.callback.view_class)

    walk(get_resolver().url_patterns)
    return found


# The authorization tables (tested against the API, actor by actor) name the statuses each
# operation really answers: every one must be documented for its operation.
AUTHORIZATION_TABLES = {
    "tests.boxers.test_authorization": [
        "PROFILE_TABLE",
        "COLLECTION_TABLE",
        "LINK_TABLE",
        "LINK_REQUEST_TABLE",
    ],
    "tests.clubs.test_authorization": ["TABLE"],
    "tests.boxers.test_sparring_authorization": ["TABLE"],
    "tests.accounts.test_admin_api": ["TABLE"],
}


def _operation_for(schema: dict, method: str, url: str):
    concrete = re.sub(r"\{[^}]+\}", "x", url.split("?")[0])
    for path, item in schema["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", path), concrete) and method.lower() in item:
            return path, item[method.lower()]
    return None, None


def test_every_status_the_authorization_tables_expect_is_documented(schema):
    import importlib

    checked, undocumented = 0, set()
    for module_name, tables in AUTHORIZATION_TABLES.items():
        module = importlib.import_module(module_name)
        for table in tables:
            for row in getattr(module, table):
                at = next(i for i, value in enumerate(row) if value in {m.upper() for m in METHODS})
                method, url, _actor, status = row[at : at + 4]
                if not url.startswith("/"):
                    continue  # a whole-URL placeholder, filled in by its test
                path, operation = _operation_for(schema, method, url)
                assert operation is not None, (method, url)
                checked += 1
                if str(status) not in operation["responses"]:
                    undocumented.add(f"{method} {path}: {status}")

    assert undocumented == set()
    assert checked > 300


def test_enums_are_the_lowercase_values_docs_api_md_lists(schema):
    text = (REPO / "docs" / "api.md").read_text()
    bullet = re.search(r"^- Enum values are lowercase:(.*?)\. ", text, re.MULTILINE | re.DOTALL).group(1)
    listed = {}
    for segment in " ".join(bullet.split()).split(";"):
        name, values = re.fullmatch(r"\s*([a-z ]+?) `([^`]+)`\s*", segment).groups()
        listed[name] = set(values.replace(" ", "").split("|"))
    components = schema["components"]["schemas"]
    names = {
        "roles": "RoleEnum",
        "experience levels": "ExperienceLevelEnum",
        "gender": "GenderEnum",
        "fight result": "FightResultEnum",
        "fight method": "FightMethodEnum",
        "coach rights": "CoachRightEnum",
    }
    assert set(listed) == set(names)
    for name, component in names.items():
        assert set(components[component]["enum"]) == listed[name], name
