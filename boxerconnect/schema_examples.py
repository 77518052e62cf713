"""What the OpenAPI document adds by hand (boxerconnect/schema.py applies it): examples of the
main bodies, and the ops endpoints, which are plain Django views the generator does not see.

The examples are checked against their schemas by Redocly's lint (scripts/openapi-clients.sh),
and their keys against what the API really answers (tests/boxerconnect/test_openapi.py).
"""

from typing import Any

from boxerconnect.error_codes import BY_CODE

BOXER_ID = "8f14e45f-ceea-4c6b-9f1e-6a3d5c2b7e10"
OTHER_BOXER_ID = "c9f0f895-fb98-4b91-8a1e-2f5d7e3c4a21"
USER_ID = "3c59dc04-8e5b-4d7a-9c2f-1b6e4a8d9f32"
COACH_ID = "a87ff679-a2f3-4e71-8d4c-5b9e2f6a1c43"
CLUB_ID = "e4da3b7f-bbce-4345-9d77-7c1a6f0b2e54"
WHEN = "2026-11-20T18:30:00Z"
ACCESS = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.c2lnbmF0dXJl"
REFRESH = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl"

CLUB_REF = {"id": CLUB_ID, "name": "Riverside Boxing Club"}
USER = {
    "id": USER_ID,
    "email": "sam.taylor@example.org",
    "name": "Sam Taylor",
    "role": "boxer",
    "is_active": True,
    "email_verified": False,
    "created_at": WHEN,
}
BOXER = {
    "id": BOXER_ID,
    "user_id": USER_ID,
    "name": "Sam Taylor",
    "weight_kg": 71.5,
    "height_cm": 178,
    "age_group": "elite",
    "gender": "male",
    "city": "Cardiff",
    "country": "Wales",
    "experience_level": "amateur",
    "bio": "Southpaw, training five days a week.",
    "club": CLUB_REF,
    "wins": 7,
    "losses": 2,
    "draws": 1,
    "is_searchable": True,
    "is_verified": True,
    "created_at": WHEN,
    "updated_at": WHEN,
}

COMPONENT_EXAMPLES: dict[str, dict[str, Any]] = {
    "Ref": CLUB_REF,
    "RegisterInputRequest": {
        "email": "sam.taylor@example.org",
        "password": "correct horse battery staple",
        "name": "Sam Taylor",
        "role": "boxer",
    },
    "LoginInputRequest": {"email": "sam.taylor@example.org", "password": "correct horse battery staple"},
    "RefreshInputRequest": {"refresh": REFRESH},
    "TokenPairOutput": {"access": ACCESS, "refresh": REFRESH},
    "SessionOutput": {"access": ACCESS, "refresh": REFRESH, "user": USER},
    "UserOutput": USER,
    "MeOutput": {**USER, "email_notifications": True},
    "BoxerOutput": BOXER,
    "BoxerInputRequest": {
        "name": "Sam Taylor",
        "weight_kg": 71.5,
        "height_cm": 178,
        "date_of_birth": "1999-04-12",
        "gender": "male",
        "city": "Cardiff",
        "country": "Wales",
        "experience_level": "amateur",
        "bio": "Southpaw, training five days a week.",
        "is_searchable": True,
    },
    "FightInputRequest": {
        "opponent_name": "Alex Morgan",
        "date": "2026-10-03",
        "venue": "Newport Leisure Centre",
        "result": "win",
        "method": "unanimous_decision",
        "round": 3,
        "notes": "",
    },
    "FightOutput": {
        "id": "45c48cce-2e2d-4fbd-a1b8-3f6c9d0e7a65",
        "boxer_id": BOXER_ID,
        "opponent_name": "Alex Morgan",
        "date": "2026-10-03",
        "venue": "Newport Leisure Centre",
        "result": "win",
        "method": "unanimous_decision",
        "round": 3,
        "notes": "",
        "created_at": WHEN,
    },
    "ClubOutput": {
        "id": CLUB_ID,
        "name": "Riverside Boxing Club",
        "region": "South Wales",
        "city": "Cardiff",
        "country": "Wales",
        "postcode": "CF10 5AN",
        "address": "1 Bute Street",
        "latitude": 51.4816,
        "longitude": -3.1791,
        "website": "https://riverside-boxing.example.org",
        "description": "Amateur boxing for all ages since 1962.",
        "accepting_members": True,
        "is_published": True,
        "is_verified": True,
        "owner": {"id": "d3d94468-02a4-4b3c-8e1f-9a7b6c5d4e76", "name": "Jo Evans"},
        "member_count": 42,
        "created_at": WHEN,
    },
    "CoachLinkCreateInputRequest": {"boxer": BOXER_ID, "rights": ["edit_profile", "manage_fights"]},
    "CoachLinkOutput": {
        "id": "6512bd43-d9ca-4e6d-9c3b-2a8f7e1d0c87",
        "coach": {"id": COACH_ID, "name": "Pat Hughes"},
        "boxer": {"id": BOXER_ID, "name": "Sam Taylor"},
        "status": "pending",
        "rights": ["edit_profile", "manage_fights"],
        "created_at": WHEN,
    },
    "MembershipRequestInputRequest": {"message": "I train Tuesdays and Thursdays; amateur, 7-2-1."},
    "MembershipRequestOutput": {
        "id": "c20ad4d7-6fe9-4759-aa27-a0c99bff6798",
        "club": CLUB_REF,
        "user": {"id": USER_ID, "name": "Sam Taylor"},
        "boxer_id": BOXER_ID,
        "status": "pending",
        "message": "I train Tuesdays and Thursdays; amateur, 7-2-1.",
        "notes": "",
        "created_at": WHEN,
        "reviewed_at": None,
    },
    "SlotInputRequest": {
        "starts_at": "2026-12-01T18:00:00+00:00",
        "ends_at": "2026-12-01T20:00:00+00:00",
        "club": CLUB_ID,
        "note": "Open to 3x2 minute rounds.",
    },
    "SlotOutput": {
        "id": "aab32389-22bc-4c1a-8e0f-1b2c3d4e5fa9",
        "boxer_id": BOXER_ID,
        "starts_at": "2026-12-01T18:00:00Z",
        "ends_at": "2026-12-01T20:00:00Z",
        "club": CLUB_REF,
        "note": "Open to 3x2 minute rounds.",
        "created_at": WHEN,
    },
    "SparringRequestInputRequest": {
        "from_boxer": BOXER_ID,
        "to_boxer": OTHER_BOXER_ID,
        "kind": "sparring",
        "proposed_start": "2026-12-01T18:00:00+00:00",
        "proposed_end": "2026-12-01T19:00:00+00:00",
        "venue_club": CLUB_ID,
        "message": "Six rounds, light contact?",
    },
    "SparringRequestOutput": {
        "id": "9bf31c7f-f062-4936-a2b5-8c0d1e2f3a4b",
        "kind": "sparring",
        "status": "accepted",
        "from_boxer": {"id": BOXER_ID, "name": "Sam Taylor"},
        "to_boxer": {"id": OTHER_BOXER_ID, "name": "Chris Price"},
        "proposed_start": "2026-12-01T18:00:00Z",
        "proposed_end": "2026-12-01T19:00:00Z",
        "venue_club": CLUB_REF,
        "message": "Six rounds, light contact?",
        "response_message": "See you there.",
        "compatibility": {"weight_diff_kg": 1.5, "bouts_diff": 2, "experience_gap": 0, "age_gap_years": 3},
        "created_by": {"id": USER_ID, "name": "Sam Taylor"},
        "responded_by": {"id": "1679091c-5a88-4faf-afb5-e6087eb1b2dc", "name": "Chris Price"},
        "expires_at": "2026-11-27T18:30:00Z",
        "created_at": WHEN,
        "updated_at": WHEN,
    },
    "NotificationOutput": {
        "id": "70efdf2e-c9b0-4b9a-8e1c-0d2f3a4b5c6d",
        "kind": "sparring_requested",
        "actor": {"id": USER_ID, "name": "Sam Taylor"},
        "data": {"sparring_request_id": "9bf31c7f-f062-4936-a2b5-8c0d1e2f3a4b", "from_boxer": "Sam Taylor"},
        "created_at": WHEN,
        "read_at": None,
    },
    "PermissionCheck": {
        "allowed": False,
        "reason": "only the boxer, its coaches with edit_profile, its club owner or an admin",
    },
}


def _error(code: str, description: str) -> dict[str, Any]:
    example = {
        "summary": f"{BY_CODE[code].status} {code}",
        "value": {"detail": BY_CODE[code].meaning, "code": code},
    }
    return {
        "description": f"`{code}`: {description}",
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ErrorBody"},
                "examples": {code: example},
            }
        },
    }


_SERVICE = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["up", "down", "degraded", "disabled"]},
        "responseTime": {"type": "number", "description": "Milliseconds the probe took."},
    },
    "required": ["status", "responseTime"],
    "additionalProperties": {},
}
_HEALTH = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["healthy", "degraded", "unhealthy"]},
        "timestamp": {"type": "string", "format": "date-time"},
        "uptime": {"type": "number", "description": "Seconds since the process started."},
        "version": {"type": "string", "description": "The version of this document."},
        "services": {"type": "object", "additionalProperties": _SERVICE},
    },
    "required": ["status", "timestamp", "uptime", "version", "services"],
}
_HEALTH_EXAMPLE = {
    "status": "healthy",
    "timestamp": WHEN,
    "uptime": 3600.5,
    "version": "0.1.0",
    "services": {
        "database": {"status": "up", "responseTime": 1.2},
        "redis": {"status": "up", "responseTime": 0.4},
    },
}
_READY = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ready", "not_ready"]},
        "services": {"type": "object", "properties": {"database": _SERVICE}, "required": ["database"]},
    },
    "required": ["status", "services"],
}


def _json(schema: dict[str, Any], description: str, example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"description": description, "content": {"application/json": media}}


BAD_REQUEST = _error("bad_request", "the request is malformed (e.g. a Host the server does not serve).")


def _op(operation_id: str, summary: str, description: str, responses: dict[str, Any], security=None) -> dict:
    responses = {**responses, "400": BAD_REQUEST}
    return {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "tags": ["ops"],
        "security": security if security is not None else [],
        "responses": dict(sorted(responses.items())),
    }


OPS_PATHS: dict[str, dict[str, Any]] = {
    "/": {
        "get": _op(
            "index",
            "Where things are",
            "The API's name, version and where its parts live.",
            {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            name: {"type": "string"}
                            for name in ("name", "version", "api", "docs", "schema", "health")
                        },
                        "required": ["name", "version", "api", "docs", "schema", "health"],
                    },
                    "Links to the API, its documentation and its health.",
                    {
                        "name": "BoxerConnect API",
                        "version": "0.1.0",
                        "api": "/api/v1/",
                        "docs": "/api/docs/",
                        "schema": "/api/schema/",
                        "health": "/health",
                    },
                )
            },
        )
    },
    "/health": {
        "get": _op(
            "health",
            "Health of the service and its dependencies",
            "Healthy, or degraded (Redis down or a job backlog: still 200); unhealthy (503) "
            "without the database. Answers within about a second even when a dependency hangs.",
            {
                "200": _json(_HEALTH, "Healthy or degraded.", _HEALTH_EXAMPLE),
                "503": _json(_HEALTH, "Unhealthy: the database is down."),
            },
        )
    },
    "/health/live": {
        "get": _op(
            "health_live",
            "Liveness probe",
            "The process answers; touches no dependency.",
            {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {"status": {"type": "string", "enum": ["ok"]}},
                        "required": ["status"],
                    },
                    "Alive.",
                    {"status": "ok"},
                )
            },
        )
    },
    "/health/ready": {
        "get": _op(
            "health_ready",
            "Readiness probe",
            "Ready when the database answers.",
            {
                "200": _json(
                    _READY,
                    "Ready.",
                    {"status": "ready", "services": {"database": {"status": "up", "responseTime": 1.2}}},
                ),
                "503": _json(_READY, "Not ready: the database does not answer."),
            },
        )
    },
    "/metrics": {
        "get": _op(
            "metrics",
            "Prometheus metrics",
            "Request counts and latency, permission-cache and breaker figures, in the Prometheus "
            "text format. With debug off: only with `Authorization: Bearer <METRICS_TOKEN>` when "
            "the server has one; nobody when it has none (unless METRICS_PUBLIC=true).",
            {
                "200": {
                    "description": "The metrics.",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
                "401": _error("not_authenticated", "the server's METRICS_TOKEN is required."),
                "403": _error("metrics_not_public", "the server has no METRICS_TOKEN."),
                "404": _error("not_found", "metrics are disabled (METRICS_ENABLED=false)."),
            },
            security=[{"metricsToken": []}, {}],
        )
    },
}
