"""Registering with role boxer yields an empty profile that behaves like any other."""

from tests.accounts.factories import PASSWORD


def register(api, role, email):
    response = api.post(
        "/api/v1/auth/register/",
        {"email": email, "password": PASSWORD, "name": "Rhiannon Reg", "role": role},
        format="json",
    )
    assert response.status_code == 201, response.content
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return api


def test_registered_boxer_has_an_empty_profile_and_cannot_create_another(db, api):
    client = register(api, "boxer", "rhiannon@example.com")

    me = client.get("/api/v1/boxers/me/")
    second = client.post("/api/v1/boxers/", {"name": "Twice"}, format="json")
    edited = client.patch(f"/api/v1/boxers/{me.json()['id']}/", {"weight_kg": 63.5}, format="json")

    assert me.status_code == 200
    assert me.json()["name"] == "Rhiannon Reg"
    assert (me.json()["weight_kg"], me.json()["club"], me.json()["wins"]) == (None, None, 0)
    assert second.status_code == 409
    assert edited.status_code == 200


def test_registered_coach_has_no_profile_and_may_not_create_one(db, api):
    client = register(api, "coach", "coach.reg@example.com")

    me = client.get("/api/v1/boxers/me/")
    created = client.post("/api/v1/boxers/", {"name": "Coach Boxer"}, format="json")

    assert me.status_code == 404
    assert created.status_code == 403
