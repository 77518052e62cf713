"""clubs/places.py: post towns and town centres, held against the Welsh club list itself."""

import json

import pytest

from clubs.demo import WELSH_CLUBS
from clubs.places import (
    AREA_TOWNS,
    DISTRICT_TOWNS,
    TOWN_COORDINATES,
    distance_km,
    nearest_town,
    postcode_district,
    town_for_postcode,
)

ROWS = json.loads(WELSH_CLUBS.read_text())
# Rows whose coordinates contradict their own postcode (kept as the list has them): Aberdare
# ABC is placed in Cardiff, Mold ABC 18 km east of Mold.
CONTRADICTORY = {"Aberdare ABC", "Mold ABC"}


@pytest.mark.parametrize(
    ("postcode", "district"),
    [("CF37 5LN", "CF37"), ("cf375ln", "CF37"), ("NP115LX", "NP11"), ("SA1 7DG", "SA1"), ("LL65", "LL65")],
)
def test_the_district_is_the_outward_code_whatever_the_spacing(postcode, district):
    assert postcode_district(postcode) == district


@pytest.mark.parametrize("postcode", ["", "not a postcode", "12345", "CF375"])
def test_a_malformed_postcode_has_no_district_and_no_town(postcode):
    assert postcode_district(postcode) is None
    assert town_for_postcode(postcode) is None


def test_a_district_not_listed_falls_back_to_the_town_its_area_is_named_after():
    assert town_for_postcode("CF4 5NX") == "Cardiff"  # a retired Cardiff district
    assert town_for_postcode("LD1 5AA") == "Llandrindod Wells"
    assert town_for_postcode("EC1A 1BB") is None  # not a Welsh area: unknown, not guessed


def test_every_district_of_the_club_list_is_known_except_a_retired_one():
    districts = {postcode_district(row["postcode"]) for row in ROWS if row.get("postcode")}

    assert districts - DISTRICT_TOWNS.keys() == {"CF4"}


def test_every_town_has_coordinates():
    towns = set(DISTRICT_TOWNS.values()) | set(AREA_TOWNS.values())

    assert towns - TOWN_COORDINATES.keys() == set()


def test_clubs_are_near_the_town_of_their_postcode_where_the_list_knows_both():
    checked = 0
    for row in ROWS:
        if not row.get("postcode") or row.get("latitude") is None or row["name"] in CONTRADICTORY:
            continue
        town = town_for_postcode(row["postcode"])
        assert distance_km((row["latitude"], row["longitude"]), TOWN_COORDINATES[town]) <= 15, row
        checked += 1

    assert checked >= 50


def test_a_town_is_found_from_coordinates_only_when_one_is_near():
    assert nearest_town((51.4831, -3.1518)) == "Cardiff"  # Heath Warriors ABC, no postcode
    assert nearest_town((52.4207, -4.0825)) == "Aberystwyth"
    assert nearest_town((52.0, -4.2)) is None  # rural Carmarthenshire: no listed town within 10 km


def test_distances_are_great_circle_kilometres():
    cardiff, newport = TOWN_COORDINATES["Cardiff"], TOWN_COORDINATES["Newport"]

    assert distance_km(cardiff, newport) == pytest.approx(17.2, abs=1.0)
    assert distance_km(cardiff, cardiff) == 0
