"""The two answers API.md fixes for every endpoint, whatever object the URL names:

- a method the endpoint does not offer is 405 with `Allow`, for every caller;
- a protected method without credentials is 401 with `WWW-Authenticate`, decided before any
  object is looked up (an anonymous write to a hidden profile or an unpublished club, or to
  an id that does not exist, is 401, never 404).

The sweep reads the URL configuration, so an endpoint added later is held to it too.
"""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.accounts.factories import AdminFactory, UserFactory
from tests.boxers.factories import BoxerFactory
from tests.clubs.factories import ClubFactory

pytestmark = pytest.mark.django_db

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# (method, route name) an anonymous caller may use: everything else needs credentials.
PUBLIC = {
    ("POST", "auth-register"),
    ("POST", "auth-login"),
    ("POST", "auth-refresh"),
    ("POST", "auth-password-reset"),
    ("POST", "auth-password-reset-confirm"),
    ("GET", "boxer-list"),
    ("GET", "boxer-detail"),
    ("GET", "boxer-fights"),
    ("GET", "boxer-fight-detail"),
    ("GET", "club-list"),
    ("GET", "club-regions"),
    ("GET", "club-detail"),
    ("GET", "permission-check"),
}


def _api_routes():
    """(route name, path template with `{}` for each URL argument, view class) under /api/v1/."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and hasattr(entry.callback, "view_class"):
                route = prefix + str(entry.pattern)
                if route.startswith("api/v1/"):
                    found.append((entry.name, route, entry.callback.view_class))

    walk(get_resolver().url_patterns, "")
    return found


ROUTES = _api_routes()


def _url(route: str, ids) -> str:
    """The route with each `<converter:name>` replaced by the id `ids(name)` gives."""
    parts, rest = [], route
    while "<" in rest:
        head, tail = rest.split("<", 1)
        spec, rest = tail.split(">", 1)
        parts += [head, str(ids(spec.split(":")[-1]))]
    return "/" + "".join(parts) + rest


def _offers(view_class, method: str) -> bool:
    return hasattr(view_class, method.lower())


def test_the_sweep_sees_every_api_endpoint():
    names = {name for name, _route, _view in ROUTES}

    assert {"boxer-detail", "club-list", "club-coach", "coach-link-list", "permission-check"} <= names
    assert {name for _method, name in PUBLIC} <= names  # no stale entry in the public list


UNDECLARED = [
    (method, name, route, view)
    for name, route, view in ROUTES
    for method in METHODS
    if not _offers(view, method)
]


@pytest.mark.parametrize("who", ["anonymous", "boxer", "admin"])
@pytest.mark.parametrize(
    ("method", "name", "route", "view"), UNDECLARED, ids=[f"{m} {n}" for m, n, _r, _v in UNDECLARED]
)
def test_a_method_the_endpoint_does_not_offer_is_405_with_allow_for_every_caller(
    client_for, who, method, name, route, view
):
    user = {"anonymous": lambda: None, "boxer": lambda: BoxerFactory().user, "admin": AdminFactory}[who]()
    url = _url(route, lambda _name: uuid.uuid4())

    response = client_for(user).generic(method, url, "{}", content_type="application/json")

    assert response.status_code == 405, (url, response.content)
    assert response.json()["code"] == "method_not_allowed"
    offered = {m.strip() for m in response["Allow"].split(",")}
    assert method not in offered
    assert {m for m in METHODS if _offers(view, m)} <= offered


def test_delete_on_the_club_directory_is_405_not_403(client_for):
    for user in (None, UserFactory(), AdminFactory()):
        response = client_for(user).delete("/api/v1/clubs/")

        assert response.status_code == 405
        assert response["Allow"].split(", ")[:2] == ["GET", "POST"]


PROTECTED = [
    (method, name, route)
    for name, route, view in ROUTES
    for method in METHODS
    if _offers(view, method) and (method, name) not in PUBLIC
]


@pytest.mark.parametrize("target", ["missing", "hidden"])
@pytest.mark.parametrize(("method", "name", "route"), PROTECTED, ids=[f"{m} {n}" for m, n, _r in PROTECTED])
def test_a_protected_method_without_credentials_is_401_whatever_the_url_names(
    api, target, method, name, route
):
    """`missing`: ids that do not exist; `hidden`: a hidden, soft-deleted profile in an
    unpublished club (every other id is random). Neither may turn the 401 into a 404."""
    if target == "hidden":
        club = ClubFactory(is_published=False)
        boxer = BoxerFactory(club=club, is_searchable=False, is_active=False)
        named = {"pk": boxer.pk if route.startswith("api/v1/boxers/") else club.pk, "boxer_id": boxer.pk}
    else:
        named = {}
    url = _url(route, lambda arg: named.get(arg, uuid.uuid4()))

    response = api.generic(method, url, '{"name": "x"}', content_type="application/json")

    assert response.status_code == 401, (url, response.content)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(("method", "name"), sorted(PUBLIC))
def test_public_methods_do_not_ask_for_credentials(api, method, name):
    route = next(route for route_name, route, _view in ROUTES if route_name == name)
    url = _url(route, lambda _arg: uuid.uuid4())

    response = api.generic(method, url, "{}", content_type="application/json")

    assert response.status_code != 401, response.content


def test_anonymous_patch_of_a_hidden_profile_and_an_unpublished_club_is_401(api):
    boxer = BoxerFactory(is_searchable=False)
    club = ClubFactory(is_published=False)
    api.get(f"/api/v1/boxers/{boxer.pk}/")  # the facts are cached: the answer must not change

    for url in (f"/api/v1/boxers/{boxer.pk}/", f"/api/v1/clubs/{club.pk}/"):
        response = api.patch(url, {"name": "Taken"}, format="json")

        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    boxer.refresh_from_db()
    club.refresh_from_db()
    assert (boxer.name, club.name) != ("Taken", "Taken")
