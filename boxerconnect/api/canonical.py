"""One canonical form per list query, for lists whose pages are cached (clubs/readmodels.py).

A page is keyed on its validated parameters, never on the raw URI: unknown parameters, their
order, a default spelled out or another spelling of one value would each make a new entry
(a flood of junk parameters would fill Redis). `canonical_query` reads a request's
parameters through the list's FilterSet (the values as the filters use them) and its
paginator's page and size; `CanonicalPagination` builds `next`/`previous` from that form, so
every spelling of one query gets the same body. `listed_host` bounds the Host spellings.

The boxer directory uses it too (boxers/filters.py, `DirectoryQuery`).
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import QueryDict
from django_filters.constants import EMPTY_VALUES

from boxerconnect.api.pagination import PageNumberPagination


@dataclass(frozen=True)
class CanonicalQuery:
    """Validated filters (unknown parameters dropped), page (None for 1) and page size (None
    for the default), in one order."""

    filters: tuple[tuple[str, str], ...]
    page: str | None
    page_size: int | None

    def query_string(self, page: int | str | None = None) -> str:
        """`?...` at `page` (default: its own), page 1 and the default size left out, sorted."""
        page = self.page if page is None else page
        params = [
            *self.filters,
            *([("page", str(page))] if page not in (None, 1, "1") else []),
            *([("page_size", str(self.page_size))] if self.page_size is not None else []),
        ]
        return "?" + urlencode(sorted(params)) if params else ""


def _canonical(value: Any) -> str | None:
    if value in EMPTY_VALUES:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)


def canonical_query(
    filterset_class: Any,
    params: QueryDict,
    *,
    page_size: int | None,
    default_page_size: int | None,
    last_page_strings: tuple[str, ...],
) -> CanonicalQuery | None:
    """The canonical form of `params`, or None when they are invalid (the request answers 400
    or 404, and nothing is cached). `page_size` is what the paginator settled on."""
    filterset = filterset_class(data=params, queryset=filterset_class._meta.model.objects.none())
    if not filterset.is_valid():
        return None
    filters = []
    for name in sorted(filterset.filters):
        value = _canonical(filterset.form.cleaned_data.get(name))
        if value is not None:
            filters.append((name, value))
    raw_page = params.get("page") or "1"
    if raw_page in last_page_strings:
        page: str | None = raw_page
    else:
        try:
            number = int(raw_page)  # as Django's Paginator reads it
        except ValueError:
            return None
        if number < 1:
            return None
        page = None if number == 1 else str(number)
    return CanonicalQuery(
        filters=tuple(filters), page=page, page_size=None if page_size == default_page_size else page_size
    )


@lru_cache(maxsize=4096)
def _memoised(
    filterset_class: Any,
    query_string: str,
    page_size: int | None,
    default_page_size: int | None,
    last_page_strings: tuple[str, ...],
) -> CanonicalQuery | None:
    return canonical_query(
        filterset_class,
        QueryDict(query_string),
        page_size=page_size,
        default_page_size=default_page_size,
        last_page_strings=last_page_strings,
    )


def query_of(paginator: Any, request: Any, filterset_class: Any) -> CanonicalQuery | None:
    """The canonical form of a list request, as `paginator` reads its page and size.

    A pure function of the query string (the filters validate without the database), so it
    is memoised per process by the exact query string: building and validating a FilterSet
    was about half the CPU of a warm clubs page (bench/warm_path.py). Bounded (LRU): junk
    query strings only evict each other."""
    return _memoised(
        filterset_class,
        request.META.get("QUERY_STRING", ""),
        paginator.get_page_size(request),
        paginator.page_size,
        tuple(paginator.last_page_strings),
    )


class CanonicalPagination(PageNumberPagination):
    """Page links built from the canonical query (the view's `filterset_class`)."""

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self._filterset_class = getattr(view, "filterset_class", None)
        return super().paginate_queryset(queryset, request, view)

    def get_next_link(self) -> str | None:
        page = self.page
        assert page is not None
        return self._link(page.next_page_number()) if page.has_next() else None

    def get_previous_link(self) -> str | None:
        page = self.page
        assert page is not None
        return self._link(page.previous_page_number()) if page.has_previous() else None

    def _link(self, number: int) -> str:
        request = self.request
        assert request is not None
        query = query_of(self, request, self._filterset_class)
        assert query is not None  # the page was found: its parameters are valid
        return request.build_absolute_uri(request.path) + query.query_string(page=number)


def listed_host(host: str, server_port: str) -> bool:
    """Is `host` (the Host header Django validated) one of ALLOWED_HOSTS as written, alone or
    with the port this server listens on? Django accepts any port and any letter case of an
    allowed name, and a page's links name the host: only these spellings are cached."""
    allowed = settings.ALLOWED_HOSTS
    if host in allowed:
        return True
    name, _, port = host.rpartition(":")
    return not host.endswith("]") and port == server_port and name in allowed
