"""Invalidation of permission facts: every committed write that changes a fact bumps its
generation, whatever path made the write.

The family table (permissions/facts.py, `FAMILIES`) says which writes change which facts
(`sources`); `register()` (from PermissionsConfig.ready()) hands them to the cache's write
watcher (boxerconnect/cache/watch.py), whose receivers feed the transaction's bump buffer:
one round trip on commit, before the response is sent. Writes that bypass model signals
(QuerySet.update, bulk operations) send `boxerconnect.cache.watch.rows_changed`.
"""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from boxerconnect.cache import stamped, watch
from boxerconnect.cache.keys import fact_generation_key
from permissions.facts import FAMILIES, FactFamily, Source


def canonical(value: UUID | str) -> str:
    """An id as facts name it (raises ValueError for anything that is not a UUID)."""
    return str(UUID(str(value)))


def generation_keys(family: str, subjects: Iterable[tuple[Any, ...]]) -> set[str]:
    key = FAMILIES[family].key
    return {fact_generation_key(key, tuple(canonical(i) for i in ids)) for ids in subjects}


def invalidate(**subjects: Iterable[Any]) -> None:
    """Bump the named facts when the current transaction commits (at once outside one).

    Keywords are family names with an "s": `invalidate(users=[user_id], boxers=[...],
    links=[(coach_id, boxer_id)])`. Writes are watched already (see `register`); this is for
    tools and tests that need a bump of their own. None ids are skipped.
    """
    keys: set[str] = set()
    for keyword, values in subjects.items():
        family = FAMILIES[keyword.removesuffix("s")]
        ids = [v if isinstance(v, tuple) else (v,) for v in values if v is not None]
        keys |= generation_keys(family.name, ids)
    stamped.bump(keys)


def _watch(family: FactFamily, source: Source) -> watch.Watch:
    def keys(row: Any) -> set[str]:
        return generation_keys(family.name, source.subjects(row))

    return watch.Watch(source.model, keys, source.fields, source.subject_fields)


_registered: set[str] = set()


def register() -> None:
    """Watch the sources of every fact family not watched yet (AppConfig.ready() calls it)."""
    for family in FAMILIES.values():
        if family.name not in _registered:
            _registered.add(family.name)
            watch.register(*(_watch(family, source) for source in family.sources))
