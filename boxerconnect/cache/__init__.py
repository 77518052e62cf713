"""The cache wing: generic Redis plumbing that imports no domain app.

keys.py (every key, its TTL, what bumps it), stamped.py (the nonce/generation protocol and
the per-transaction bump buffer), watch.py (model writes → bumps), breaker.py, guarded.py
(the guarded client), fastpath.py (the held-connection MGET), events.py (cache trouble and
Redis server vetting). Authorization facts live in `permissions`; a read model lives in the
app whose bodies it caches.
"""
