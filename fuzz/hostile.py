"""Hostile request bodies for every operation of the schema that takes one (part of `make fuzz`).

Schemathesis generates bodies that fit the schema, or break it a little; an attacker sends
what no schema describes: 50,000 nested `[`, a body over the size limit, numbers that do not
fit a float, bytes that are not UTF-8, escapes of lone UTF-16 surrogates. Each goes to every
POST/PUT/PATCH operation, anonymously and with each token given; every answer must be a JSON
error below 500 (400, or what the endpoint says before reading the body: 401, 403, 404, 405,
413, 415, 429).
"""

from collections import Counter
from collections.abc import Iterator

import requests

DEPTH = 50_000
ALLOWED = {400, 401, 403, 404, 405, 413, 415, 429}


def bodies(max_body_bytes: int) -> dict[str, bytes]:
    return {
        "50k open brackets": b"[" * DEPTH,
        "50k nested arrays": b"[" * DEPTH + b"]" * DEPTH,
        "50k nested objects": b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
        "nested under a field": b'{"name": ' + b"[" * DEPTH + b"]" * DEPTH + b"}",
        "over the size limit": b'{"bio": "' + b"x" * max_body_bytes + b'"}',
        "100,000-digit integer": b'{"weight_kg": ' + b"9" * 100_000 + b"}",
        "float overflowing to infinity": b'{"weight_kg": 1e999999}',
        "NaN": b'{"weight_kg": NaN}',
        "invalid UTF-8": b'{"name": "\xff\xfe\xfa"}',
        "lone surrogate escapes": b'{"name": "\\ud800", "email": "\\udfff@example.com"}',
    }


def _chunks(body: bytes) -> Iterator[bytes]:
    """A body sent with Transfer-Encoding: chunked, so without a Content-Length."""
    for start in range(0, len(body), 65536):
        yield body[start : start + 65536]


def operations(schema: dict, path_ids: list[str]) -> list[tuple[str, str]]:
    """(method, path) of every operation with a request body; a path with parameters once per
    id (every parameter filled with it), so detail endpoints reach their parser too."""
    found = set()
    for template, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"post", "put", "patch"} or "requestBody" not in operation:
                continue
            for path_id in path_ids if "{" in template else [""]:
                path = template
                while "{" in path:
                    start, end = path.index("{"), path.index("}")
                    path = path[:start] + path_id + path[end + 1 :]
                found.add((method.upper(), path))
    return sorted(found)


def _send(session, method, url, data, headers) -> requests.Response:
    return session.request(method, url, data=data, headers=headers, timeout=30)


def run(base: str, schema: dict, *, tokens: dict[str, str], path_ids: list[str], max_body_bytes: int) -> dict:
    """Send every hostile body to every operation as each caller (None: anonymous); count
    what came back. The oversized body goes once per operation and caller, with and without
    a Content-Length (chunked: never read, so any answer below 500 will do)."""
    statuses: Counter[int] = Counter()
    failures = []
    session = requests.Session()
    hostile = bodies(max_body_bytes)
    oversized = hostile.pop("over the size limit")
    seen: set[tuple[str, str, str]] = set()
    for method, path in operations(schema, path_ids):
        template = path
        for path_id in path_ids:
            template = template.replace(path_id, "{id}")
        for caller, token in tokens.items():
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            sends = [(name, body, ALLOWED) for name, body in hostile.items()]
            if (method, template, caller) not in seen:  # the big ones once per operation
                seen.add((method, template, caller))
                sends.append(("over the size limit", oversized, {413}))
                sends.append(("over the size limit, chunked", _chunks(oversized), None))
            for name, data, expected in sends:
                response = _send(session, method, base + path, data, headers)
                statuses[response.status_code] += 1
                is_json = response.headers.get("Content-Type", "").startswith("application/json")
                wrong = (
                    response.status_code >= 500 if expected is None else response.status_code not in expected
                )
                if wrong or not is_json:
                    failures.append(
                        {
                            "operation": f"{method} {path}",
                            "caller": caller,
                            "body": name,
                            "status": response.status_code,
                            "answer": response.text[:300],
                        }
                    )
    return {
        "requests": sum(statuses.values()),
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "server_errors_5xx": sum(count for code, count in statuses.items() if code >= 500),
        "failures": failures,
    }
