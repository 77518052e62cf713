"""Model writes → generation bumps: the one way cached values learn that the data changed.

Apps declare what a write of a model invalidates (`Watch`: the generation keys of a row) and
register their declarations from `AppConfig.ready()`: permissions/invalidation.py for the
permission facts, boxers/readmodels.py for the read models. Receivers on `post_save`,
`pre_delete` and `rows_changed` compute the keys of every written row and feed them to the
transaction's bump buffer (stamped.bump), so they leave in one round trip on commit, whatever
path made the write: a service, the Django admin, a management command, a shell.

Writes that send no model signal (`QuerySet.update()`, `bulk_create`, `bulk_update`) send
`rows_changed` themselves, with the rows and the fields they wrote; a model whose manager is
built on `WatchedQuerySet` sends it from `update()` and `bulk_create()` itself, so no caller
can forget (QuerySet.delete() sends pre_delete per row already: the watches listen to it).

A row's keys may depend on its fields (a coach link's generation key names its coach and
boxer): when a save may change such `subject_fields`, the row as stored before the save is
read once and its keys are bumped too, so the old subject never keeps a stale value.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.db.models.signals import post_save, pre_delete, pre_save
from django.dispatch import Signal

from boxerconnect.cache import stamped

# Sent by code that writes rows without model signals: sender=the model class, rows=the
# written rows (instances with their keys' fields current), fields=the names written (None:
# unknown, any), created=True for rows it inserted.
rows_changed = Signal()


@dataclass(frozen=True)
class Watch:
    """A write of a `model` row bumps `keys(row)`.

    fields: the fields whose writes matter (None: any field; empty: deletes only).
    subject_fields: the fields `keys` depends on (the stored row's keys are bumped too when a
        save may change them).
    on_create: whether inserting a row bumps anything.
    delete_keys: the keys of a row about to be deleted, if not `keys` (read before the
        delete: what its deletion removes with it is still there).
    """

    model: type[Model]
    keys: Callable[[Any], Iterable[str]]
    fields: frozenset[str] | None = None
    subject_fields: frozenset[str] = frozenset()
    on_create: bool = True
    delete_keys: Callable[[Any], Iterable[str]] | None = None

    def matches(self, fields: frozenset[str] | None) -> bool:
        if self.fields is None:
            return True
        if not self.fields:
            return False  # deletes only
        return fields is None or bool(self.fields & fields)


_watches: dict[type[Model], list[Watch]] = {}


def register(*watches: Watch) -> None:
    """Add declarations and connect the receivers of their models (from AppConfig.ready())."""
    for watch in watches:
        known = _watches.setdefault(watch.model, [])
        if watch not in known:
            known.append(watch)
        uid = f"bc-watch-{watch.model._meta.label}"
        pre_save.connect(_before_save, sender=watch.model, dispatch_uid=uid)
        post_save.connect(_saved, sender=watch.model, dispatch_uid=uid)
        pre_delete.connect(_deleting, sender=watch.model, dispatch_uid=uid)
    rows_changed.connect(_rows_changed, dispatch_uid="bc-watch-rows")


def _before_save(sender: type[Model], instance: Model, update_fields: Any = None, **kwargs: Any) -> None:
    if instance._state.adding:
        return
    fields = None if update_fields is None else frozenset(update_fields)
    moving = [
        w
        for w in _watches.get(sender, ())
        if w.subject_fields and w.matches(fields) and (fields is None or w.subject_fields & fields)
    ]
    if not moving:
        return
    stored = sender._base_manager.filter(pk=instance.pk).first()
    if stored is not None:  # bumped after the save, with the new keys (see _saved)
        instance._bc_stored_keys = {key for w in moving for key in w.keys(stored)}  # type: ignore[attr-defined]


def _saved(
    sender: type[Model], instance: Model, created: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    fields = None if update_fields is None else frozenset(update_fields)
    keys: set[str] = set(instance.__dict__.pop("_bc_stored_keys", ()))
    for watch in _watches.get(sender, ()):
        if created and not watch.on_create:
            continue
        if created or watch.matches(fields):
            keys.update(watch.keys(instance))
    stamped.bump(keys)


def _deleting(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    # Before the delete: related rows still point at it (a club's members, SET NULL later).
    stamped.bump({key for w in _watches.get(sender, ()) for key in (w.delete_keys or w.keys)(instance)})


def _rows_changed(
    sender: type[Model],
    rows: Iterable[Model],
    fields: Iterable[str] | None = None,
    created: bool = False,
    **kwargs: Any,
) -> None:
    written = None if fields is None else frozenset(fields)
    watches = [
        w
        for w in _watches.get(sender, ())
        if ((w.on_create and w.fields != frozenset()) if created else w.matches(written))
    ]
    stamped.bump({key for row in rows for w in watches for key in w.keys(row)})


class WatchedQuerySet(QuerySet[Any]):
    """A QuerySet whose `update()` and `bulk_create()` send `rows_changed`.

    `update()` reads the rows it is about to write, updates only those of them that still
    match (as if it had run at that read: a row that starts matching meanwhile is left out,
    so none is written unannounced), then reads them again: the watches get each row as it
    was and as it is (`subject_fields` moved by an update are bumped on both sides)."""

    def update(self, **kwargs: Any) -> int:
        before = list(self.order_by())
        if not before:
            return 0
        pks = [row.pk for row in before]
        count = super(WatchedQuerySet, self.filter(pk__in=pks)).update(**kwargs)
        if count:
            after = list(self.model._base_manager.filter(pk__in=pks))
            rows_changed.send(sender=self.model, rows=[*before, *after], fields=sorted(kwargs))
        return count

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        created = super().bulk_create(objs, *args, **kwargs)
        rows_changed.send(sender=self.model, rows=created, created=True)
        return created
