"""Every auth flow once, through any client, collecting each secret it used or received.

The log-scanning tests run it against the test client and against a live gunicorn, then
check that none of the collected values appears in any log line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# call(method, path, body, access_token, cookie) -> (status, json body or {})
Call = Callable[[str, str, dict | None, str | None, str | None], tuple[int, dict]]

PASSWORD = "Orig-Jab-Cross-7731"
CHANGED = "Next-Hook-Slip-4419"
RESET = "Last-Feint-Counter-9925"
WRONG = "Wrong-Guess-Uppercut-0042"
COOKIE_SESSION = "sessionidvalue5f0c8d2e71aa"
COOKIE_CSRF = "csrftokenvalue9b27c4e1d0ff"


@dataclass
class Secrets:
    values: list[str] = field(
        default_factory=lambda: [PASSWORD, CHANGED, RESET, WRONG, COOKIE_SESSION, COOKIE_CSRF]
    )
    statuses: dict[str, int] = field(default_factory=dict)

    def add(self, *values: str) -> None:
        for value in values:
            if value:
                self.values.append(value)
                # A JWT's signature alone is a secret too (its header part is public).
                if value.count(".") == 2:
                    self.values.append(value.rsplit(".", 1)[1])


def drive(call: Call, *, email: str, reset_token: Callable[[], str]) -> Secrets:
    """register, login (and a wrong one), refresh, reuse of a rotated refresh token, me with
    a cookie, password change, logout, reset request + confirm, login, logout-all."""
    secrets = Secrets()
    cookie = f"sessionid={COOKIE_SESSION}; csrftoken={COOKIE_CSRF}"

    def step(name: str, method: str, path: str, body=None, token=None, with_cookie=False) -> dict:
        status, data = call(method, path, body, token, cookie if with_cookie else None)
        secrets.statuses[name] = status
        secrets.add(data.get("access", ""), data.get("refresh", ""))
        return data

    registered = step(
        "register",
        "POST",
        "/api/v1/auth/register/",
        {"email": email, "password": PASSWORD, "name": "Log Scan"},
    )
    step("login_wrong", "POST", "/api/v1/auth/login/", {"email": email, "password": WRONG})
    logged_in = step("login", "POST", "/api/v1/auth/login/", {"email": email, "password": PASSWORD})
    refreshed = step("refresh", "POST", "/api/v1/auth/refresh/", {"refresh": logged_in["refresh"]})
    step("refresh_reuse", "POST", "/api/v1/auth/refresh/", {"refresh": logged_in["refresh"]})
    step("me", "GET", "/api/v1/auth/me/", token=registered["access"], with_cookie=True)
    changed = step(
        "password_change",
        "POST",
        "/api/v1/auth/password/change/",
        {"current_password": PASSWORD, "new_password": CHANGED},
        token=registered["access"],
    )
    step("logout", "POST", "/api/v1/auth/logout/", {"refresh": changed["refresh"]}, token=changed["access"])
    step(
        "logout_stale",
        "POST",
        "/api/v1/auth/logout/",
        {"refresh": refreshed.get("refresh", "")},
        token=changed["access"],
    )
    step("reset_request", "POST", "/api/v1/auth/password/reset/", {"email": email})
    token = reset_token()
    secrets.add(token)
    step(
        "reset_confirm_wrong",
        "POST",
        "/api/v1/auth/password/reset/confirm/",
        {"token": token[::-1], "new_password": RESET},
    )
    step(
        "reset_confirm",
        "POST",
        "/api/v1/auth/password/reset/confirm/",
        {"token": token, "new_password": RESET},
    )
    final = step("login_after_reset", "POST", "/api/v1/auth/login/", {"email": email, "password": RESET})
    step("logout_all", "POST", "/api/v1/auth/logout-all/", {}, token=final["access"], with_cookie=True)
    return secrets


EXPECTED = {
    "register": 201,
    "login_wrong": 401,
    "login": 200,
    "refresh": 200,
    "refresh_reuse": 401,
    "me": 200,
    "password_change": 200,
    "logout": 204,
    "reset_request": 202,
    "reset_confirm_wrong": 400,
    "reset_confirm": 204,
    "login_after_reset": 200,
    "logout_all": 204,
}


def leaks(text: str, secrets: Secrets) -> list[str]:
    """The secrets found in `text` (shortened, so a failure does not print them whole)."""
    return [f"{value[:4]}...({len(value)} chars)" for value in secrets.values if value and value in text]
