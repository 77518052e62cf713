"""Writes for accounts, by concern: users, sessions (JWT refresh rows), login (and its
limiter), passwords (change, reset, set-password mails) and housekeeping.

Import from the package (`from accounts import services; services.user_create(...)`).
"""

from accounts.services.housekeeping import tokens_purge
from accounts.services.login import INVALID_CREDENTIALS, login_retry_after, user_login
from accounts.services.notifications import notification_mark_read, notifications_mark_all_read, notify
from accounts.services.passwords import (
    INVALID_RESET,
    password_change,
    password_errors,
    password_reset_confirm,
    password_reset_request,
    send_set_password_email,
)
from accounts.services.sessions import (
    INVALID_REFRESH,
    TokenPair,
    end_all_sessions,
    session_end,
    session_refresh,
    session_start,
    user_logout_all,
)
from accounts.services.users import (
    SELF_SERVICE_ROLES,
    LastActiveAdmin,
    admin_user_create,
    user_create,
    user_deactivate,
    user_delete,
    user_register,
    user_update,
)

__all__ = [
    "INVALID_CREDENTIALS",
    "INVALID_REFRESH",
    "INVALID_RESET",
    "SELF_SERVICE_ROLES",
    "LastActiveAdmin",
    "TokenPair",
    "admin_user_create",
    "end_all_sessions",
    "login_retry_after",
    "notification_mark_read",
    "notifications_mark_all_read",
    "notify",
    "password_change",
    "password_errors",
    "password_reset_confirm",
    "password_reset_request",
    "send_set_password_email",
    "session_end",
    "session_refresh",
    "session_start",
    "tokens_purge",
    "user_create",
    "user_deactivate",
    "user_delete",
    "user_login",
    "user_logout_all",
    "user_register",
    "user_update",
]
