"""The one read-through of the read models: response bodies cached whole in Redis on the
stamped protocol (boxerconnect/cache/stamped.py), for the apps whose bodies they are
(boxers/readmodels.py: profile, directory; clubs/readmodels.py: club, clubs, regions).

Each app keeps its keys, generations and what bumps them; this is what they share: the
switch (`READ_MODEL_CACHE`), the body rendered as the API renders it (so a hit is byte for
byte the miss), the entry taken from the request's one round trip when `prime` read it, and
the hit/miss/bypass counters of `read_cache_events_total`."""

import json
from collections.abc import Callable
from typing import Any

import orjson
from django.conf import settings
from rest_framework.utils.encoders import JSONEncoder

from boxerconnect import metrics
from boxerconnect.cache import keys as K
from boxerconnect.cache import recording, stamped
from permissions.store import FactStore

_EVENTS = {
    model: {event: metrics.READ_CACHE_EVENTS.labels(model, event) for event in metrics.EVENTS}
    for model in metrics.READ_MODELS
}


def enabled() -> bool:
    value: bool = settings.READ_MODEL_CACHE
    return value


def read_through(
    model: str,
    key: str,
    gen_keys: tuple[str, ...],
    compute: Callable[[], Any],
    store: FactStore | None = None,
    cacheable: Callable[[Any], bool] | None = None,
    until: Callable[[Any], float | None] | None = None,
) -> Any:
    """The value of read model `model` under `key`, stamped with `gen_keys` (stamped.py), or
    `compute()`'s (stored unless `cacheable` refuses it; a current entry is a miss from
    `until(value)` on). Counts the hit, miss or bypass in `read_cache_events_total` (again
    when the response is replayed: api/replay.py)."""
    if not enabled():
        return compute()
    raw = store.take_raw([K.NONCE_KEY, *gen_keys, key]) if store is not None else None

    def rendered() -> Any:
        # As the API renders it (Decimal, dates, UUIDs...), so a hit renders the same bytes.
        return orjson.loads(json.dumps(compute(), cls=JSONEncoder))

    value, event = stamped.read_through(key, gen_keys, rendered, raw, cacheable, until)
    counter = _EVENTS[model][event]
    counter.inc()
    recorded = recording.current()
    if recorded is not None:
        recorded.count(counter)
    return value
