"""Error tracking, opt-in: SENTRY_DSN turns on sentry-sdk with its Django integration.

What leaves the process is scrubbed of the secrets this API handles: the SDK's data
collection drops cookies and sensitive headers and query parameters (its own list of names:
auth, token, password, session, csrf...), then `scrub_event` masks our field names
(passwords, reset tokens, refresh and access tokens, Authorization, cookies) anywhere in the
event, and JWTs / bearer credentials / `token=` parameters inside any string. Local
variables are not sent (a frame may hold a raw reset token under any name), nor cookies,
client addresses, user identity or SQL parameters.
"""

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration

from boxerconnect.logs import MASK, redact

# Request and response fields of this API that carry secrets, plus header spellings.
SECRET_KEYS = {
    "password",
    "current_password",
    "new_password",
    "token",
    "access",
    "refresh",
    "authorization",
    "http_authorization",
    "cookie",
    "http_cookie",
    "set_cookie",
    "sessionid",
    "csrftoken",
    "x_csrftoken",
    "email_host_password",
    "secret_key",
}


def _normal(key: str) -> str:
    return key.lower().replace("-", "_")


def _scrub(value):
    if isinstance(value, dict):
        return {
            key: (MASK if isinstance(key, str) and _normal(key) in SECRET_KEYS else _scrub(item))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        # Headers may come as [name, value] pairs.
        if len(value) == 2 and isinstance(value[0], str) and _normal(value[0]) in SECRET_KEYS:
            return [value[0], MASK]
        return [_scrub(item) for item in value]
    if isinstance(value, str):
        return redact(value)
    return value


def scrub_event(event, hint):
    """before_send / before_send_transaction: the event with every secret masked."""
    return _scrub(event)


def init(*, dsn: str, environment: str, release: str, traces_sample_rate: float, transport=None) -> None:
    """Start the SDK (settings.py calls this when SENTRY_DSN is set; tests pass a transport
    that captures envelopes instead of sending them)."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration()],
        traces_sample_rate=traces_sample_rate,
        # What integrations collect: no user identity, cookies, SQL parameters or local
        # variables; headers and query parameters minus sensitive names (the SDK's own list
        # plus ours); request bodies, scrubbed below.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {
                "request": {"mode": "denylist", "terms": ["cookie", "forwarded", "-ip", "remote-", "via"]}
            },
            "url_query_params": {"mode": "denylist", "terms": ["access", "refresh"]},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        transport=transport,
    )
