"""Authorization tables (pretix style): one row per actor for each (method, url)."""


def rows(actors, method, url, default, *, anonymous=401, payload=None, **expected):
    """(method, url, actor, expected status, payload) for every actor: keyword overrides win
    over `default`; "anonymous" gets `anonymous`. An override for an unknown actor is a bug in
    the table, not a row."""
    unknown = set(expected) - set(actors) - {"anonymous"}
    if unknown:
        raise ValueError(f"no such actors: {sorted(unknown)}")
    table = dict.fromkeys(actors, default)
    table["anonymous"] = anonymous
    table.update(expected)
    return [(method, url, actor, status, payload) for actor, status in table.items()]
