"""The read model of the notifications list: each page of GET /api/v1/notifications/ cached
whole on the stamped protocol of boxerconnect/cache/stamped.py, so a warm read spends no SQL
and no round trip of its own (its keys ride in `prime`'s one read).

  notifications  one page for one recipient (the list is the caller's own), keyed by the
                 recipient, the origin its links name and the canonical query (`unread`, page,
                 size; unknown parameters change nothing), stamped [nonce, the recipient's
                 notifications generation]. Empty pages are stored too: the keys are bounded
                 (three filters, the pages that exist, the sizes allowed).

What bumps a recipient's generation (`WATCHES`, whatever path writes):
- a notification of theirs written: created (`notify`'s bulk_create), marked read (one or
  all: QuerySet.update), deleted (admin, cascade): the manager's WatchedQuerySet tells the
  watch of update() and bulk_create();
- the name change or deletion of a user who is the actor of one of their notifications (the
  `actor` ref shows the name; a deletion sets it to null without a signal): the recipients
  are read after the commit (a notification created meanwhile by another transaction,
  under the old name, is caught), for a deletion in the writing transaction too (after it
  no row names the actor).

Disabled with the other read models (`READ_MODEL_CACHE=false`).
"""

from collections.abc import Callable
from typing import Any
from uuid import UUID

import django_filters

from accounts.models import Notification, User
from boxerconnect.api.canonical import CanonicalQuery, listed_host
from boxerconnect.api.readmodels import enabled, read_through
from boxerconnect.cache import keys as K
from boxerconnect.cache import stamped, watch
from permissions.store import FactStore


class NotificationQuery(django_filters.FilterSet):
    """The canonical form of a notifications page's parameters (for its key and its links)."""

    unread = django_filters.ChoiceFilter(choices=[("true", "true"), ("false", "false")])

    class Meta:
        model = Notification
        fields: list[str] = []


def page_key(
    request: Any, user_id: UUID | str | None, query: CanonicalQuery | None
) -> tuple[str | None, tuple[str, ...]]:
    """The recipient's page key and its generations (None: not cached: read models off,
    anonymous, invalid parameters, a Host spelling not listed)."""
    if not enabled() or user_id is None or query is None:
        return None, ()
    host = request.get_host()
    if not listed_host(host, str(request.META.get("SERVER_PORT", ""))):
        return None, ()
    key = K.notifications_page_key(user_id, f"{request.scheme}://{host}", query.query_string())
    return key, (K.notifications_generation_key(user_id),)


def lookup_keys(key: str | None, gen_keys: tuple[str, ...]) -> list[str]:
    return [] if key is None else [*gen_keys, key]


def page(
    key: str | None, gen_keys: tuple[str, ...], compute: Callable[[], Any], store: FactStore | None = None
) -> Any:
    """One notifications page under `key` (None: computed)."""
    if key is None:
        return compute()
    return read_through("notifications", key, gen_keys, compute, store)


def _notification_keys(row: Notification) -> set[str]:
    return {K.notifications_generation_key(row.recipient_id)}


def _recipients_of(user: User) -> Callable[[], set[str]]:
    pk = user.pk

    def resolve() -> set[str]:
        recipients = (
            Notification.objects.filter(actor_id=pk).values_list("recipient_id", flat=True).distinct()
        )
        return {K.notifications_generation_key(r) for r in recipients}

    return resolve


def _actor_keys(user: User) -> set[str]:
    stamped.bump_resolved(_recipients_of(user))  # a rename: read after the commit
    return set()


def _deleted_actor_keys(user: User) -> set[str]:
    # Read now too: the deletion sets `actor` to null, after which no row names the user.
    resolve = _recipients_of(user)
    stamped.bump_resolved(resolve)
    return resolve()


# Bumped even with READ_MODEL_CACHE off here: another process sharing the cache may have it on.
WATCHES = (
    watch.Watch(Notification, _notification_keys, subject_fields=frozenset({"recipient"})),
    watch.Watch(User, _actor_keys, frozenset({"name"}), on_create=False, delete_keys=_deleted_actor_keys),
)


def register() -> None:
    watch.register(*WATCHES)
