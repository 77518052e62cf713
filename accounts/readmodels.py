"""Read model of the caller's own account: the body of GET /api/v1/auth/me/ cached whole on
the stamped protocol of boxerconnect/cache/stamped.py, so a warm read spends no SQL.

  account   MeOutputSerializer of one user, keyed by the user, stamped [nonce, the user's
            account generation]. Its keys ride in the request's one round trip
            (`permissions.checker.prime` asks the view's `read_model_keys`, which reads
            the token's user from `primed_actor_id`), with the user fact that authenticates the request.

What bumps the account generation (`WATCHES`, registered by AccountsConfig.ready(), whatever
path writes: services, the Django admin, a shell): a committed write of any field the body
shows (`SHOWN`, taken from the serializer, so a field added to the body is watched with it)
and the user's deletion. A password change or reset, a token_version bump (logout-all) and
last_login do not change the body and bump nothing here; a password reset that proves the
address writes `email_verified`, which does. The user fact's own generation is not reused:
it is bumped by relationship writes the body does not show and not by a name, an email or
the notification switch, which it does show.

Disabled with the other read models (`READ_MODEL_CACHE=false`).
"""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from accounts.models import User
from accounts.serializers import MeOutputSerializer
from boxerconnect.api.readmodels import enabled, read_through
from boxerconnect.cache import keys as K
from boxerconnect.cache import watch
from permissions.store import FactStore

# The user's fields GET /auth/me/ shows (its id never changes).
SHOWN = frozenset(MeOutputSerializer.Meta.fields) - {"id"}


def _account_stamp(user_id: UUID | str) -> tuple[str, tuple[str, ...]]:
    return K.account_key(user_id), (K.account_generation_key(user_id),)


def account_lookup_keys(user_id: UUID | str) -> list[str]:
    """The keys an account lookup reads (for `FactStore.read_along`); none when disabled."""
    if not enabled():
        return []
    key, gen_keys = _account_stamp(user_id)
    return [*gen_keys, key]


def account(user_id: UUID | str, compute: Callable[[], Any], store: FactStore | None = None) -> Any:
    """The body of GET /auth/me/ for `user_id` (`compute` builds it). Looked up only for an
    authenticated caller (the user exists and is active), so ids nobody owns store nothing."""
    key, gen_keys = _account_stamp(user_id)
    return read_through("account", key, gen_keys, compute, store)


def _user_keys(user: User) -> list[str]:
    return [K.account_generation_key(user.pk)]


# A new user has nothing cached under its (random) id yet: nothing to bump on create.
WATCHES = (watch.Watch(User, _user_keys, SHOWN, on_create=False),)


def register() -> None:
    watch.register(*WATCHES)
