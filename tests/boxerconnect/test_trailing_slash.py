"""A path that exists only with its trailing slash: 308 to it for every method, debug on or off.

Django's own answer was a 301 (a client follows it with a GET: a POST's body is lost) and, in
debug, a RuntimeError for POST/PUT/PATCH (a 500 under `make run`).
"""

import json
import uuid

import pytest

from tests.accounts.factories import PASSWORD, UserFactory
from tests.clubs.factories import ClubFactory

pytestmark = pytest.mark.django_db

METHODS = ["get", "head", "post", "put", "patch", "delete", "options"]


@pytest.fixture(params=[True, False], ids=["debug-on", "debug-off"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "path", ["/api/v1/auth/login", "/api/v1/clubs/{club}", "/api/v1/clubs/{club}/membership-requests"]
)
def test_every_method_is_redirected_with_308_to_the_path_with_the_slash(api, debug, method, path):
    club = ClubFactory()
    path = path.format(club=club.pk)

    body = {} if method in ("get", "head") else {"data": '{"a": 1}', "content_type": "application/json"}

    response = getattr(api, method)(f"{path}?page=2", **body)

    assert response.status_code == 308
    assert response["Location"] == f"{path}/?page=2"
    if method != "head":
        body = json.loads(response.content)
        assert body["code"] == "trailing_slash_required"
        assert f"{path}/" in body["detail"]


def test_a_followed_redirect_keeps_the_method_and_the_body_of_a_login(api, debug):
    user = UserFactory()

    response = api.post(
        "/api/v1/auth/login", {"email": user.email, "password": PASSWORD}, format="json", follow=True
    )

    assert response.redirect_chain == [("/api/v1/auth/login/", 308)]
    assert response.status_code == 200
    assert response.json()["user"]["email"] == user.email


@pytest.mark.parametrize("method", METHODS)
def test_a_path_that_exists_neither_way_stays_a_json_404(api, debug, method):
    response = getattr(api, method)(f"/api/v1/clubs/{uuid.uuid4()}/nothing-here")

    assert response.status_code == 404
    if method != "head":
        assert response.json()["code"] == "not_found"
