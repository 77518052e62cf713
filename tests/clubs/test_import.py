"""import_clubs: the real Welsh list, idempotency, CSV, bad rows, dry runs, all-or-nothing."""

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from clubs.importing import COLUMNS, normalize_postcode
from clubs.models import Club
from tests.clubs.factories import ClubFactory

pytestmark = pytest.mark.django_db

WELSH = Path(__file__).resolve().parents[2] / "clubs" / "data" / "welsh-boxing-clubs.json"


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_clubs", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def row(name="Test ABC", **overrides):
    data = {
        "name": name,
        "email": "secretary@clubs.example.org",
        "phone": "01632 960001",
        "contactName": "Club Secretary",
        "postcode": "CF10 5LB",
        "region": "South Division",
        "latitude": 51.48,
        "longitude": -3.18,
    }
    return {**data, **overrides}


def write_json(tmp_path, rows, name="clubs.json"):
    path = tmp_path / name
    path.write_text(json.dumps(rows))
    return path


def write_csv(tmp_path, rows, name="clubs.csv"):
    path = tmp_path / name
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for item in rows:
            writer.writerow({k: "" if v is None else v for k, v in item.items()})
    return path


def test_welsh_club_list_imports_142_clubs_and_reimports_unchanged():
    out, err = run(WELSH)

    assert "created 142, updated 0, unchanged 0, rejected 0" in out
    assert err == ""
    assert Club.objects.count() == 142
    cefn = Club.objects.filter(name="Cefn Cribwr ABC")
    assert cefn.count() == 2
    assert Club.objects.get(name="Caernarfon ABC").postcode == "LL55 2BL"
    assert not Club.objects.filter(is_published=True).exists()

    again, _ = run(WELSH)

    assert "created 0, updated 0, unchanged 142, rejected 0" in again
    assert Club.objects.count() == 142


def test_postcode_without_space_is_normalised():
    run(WELSH)

    assert Club.objects.filter(postcode="NP11 5LX").exists()
    assert not Club.objects.filter(postcode="NP115LX").exists()


def test_publish_flag_publishes_new_and_matched_clubs(tmp_path):
    existing = ClubFactory(name="Old ABC", postcode="SA1 2NA", region="West Division", is_published=False)
    path = write_json(tmp_path, [row("Old ABC", postcode="SA1 2NA", region="West Division"), row("New ABC")])

    out, _ = run(path, "--publish")

    assert "created 1, updated 1" in out
    existing.refresh_from_db()
    assert existing.is_published
    assert Club.objects.get(name="New ABC").is_published


def test_import_updates_changed_fields_and_keeps_the_others(tmp_path):
    club = ClubFactory(
        name="Test ABC", postcode="CF10 5LB", description="Our story", website="https://test.example.org"
    )
    path = write_json(tmp_path, [row(phone="01632 960999")])

    out, _ = run(path)

    assert "created 0, updated 1, unchanged 0" in out
    club.refresh_from_db()
    assert club.contact_phone == "01632 960999"
    assert club.description == "Our story"
    assert club.is_published  # an import without --publish never unpublishes


def test_bad_rows_are_reported_with_reasons_and_never_imported(tmp_path):
    rows = [
        row("Good ABC"),
        row(None),
        row("   "),
        row("North ABC", latitude=95),
        row("East ABC", longitude="west"),
        row("Half ABC", latitude=51.5, longitude=None),
        row("Bool ABC", latitude=True),
        row("Post ABC", postcode="ABC 123"),
        row("Short ABC", postcode="CF1"),
        row("NoRegion ABC", region=None),
        row("Mail ABC", email="not-an-email"),
        "not an object",
        row("Good ABC"),
    ]
    path = write_json(tmp_path, rows)

    out, err = run(path)

    assert "created 1, updated 0, unchanged 0, rejected 12" in out
    assert list(Club.objects.values_list("name", flat=True)) == ["Good ABC"]
    assert "row 2 (no name): missing name" in err
    assert "row 3 (no name): missing name" in err
    assert "row 4 (North ABC): invalid latitude" in err
    assert "row 5 (East ABC): invalid longitude" in err
    assert "row 6 (Half ABC): invalid coordinates" in err
    assert "row 7 (Bool ABC): invalid latitude" in err
    assert "row 8 (Post ABC): malformed UK postcode" in err
    assert "row 9 (Short ABC): malformed UK postcode" in err
    assert "row 10 (NoRegion ABC): missing region" in err
    assert "row 11 (Mail ABC): invalid email" in err
    assert "row 12 (no name): not an object" in err
    assert "row 13 (Good ABC): duplicate of row 1" in err


def test_csv_with_the_same_columns_matches_the_json_import(tmp_path):
    rows = [row("Csv ABC"), row("Bare ABC", postcode=None, latitude=None, longitude=None, email=None)]
    run(write_json(tmp_path, rows))

    out, err = run(write_csv(tmp_path, rows))

    assert "created 0, updated 0, unchanged 2, rejected 0" in out
    assert err == ""


def test_csv_import_creates_clubs_with_coordinates(tmp_path):
    path = write_csv(tmp_path, [row("Csv ABC", latitude="51.5255522", longitude="-3.6376041")])

    run(path)

    club = Club.objects.get(name="Csv ABC")
    assert (str(club.latitude), str(club.longitude)) == ("51.525552", "-3.637604")


def test_dry_run_reports_and_saves_nothing(tmp_path):
    path = write_json(tmp_path, [row("A ABC"), row("B ABC"), row(None)])

    out, _ = run(path, "--dry-run")

    assert "dry run" in out
    assert "created 2, updated 0, unchanged 0, rejected 1" in out
    assert not Club.objects.exists()


def test_generated_file_of_thousands_of_rows_is_idempotent_and_shows_progress(tmp_path):
    regions = ["North Division", "South Division", "East Division", "West Division"]
    rows = [
        row(
            f"Generated {n} ABC",
            postcode=f"CF{n % 90 + 10} {n % 9}AB",
            region=regions[n % 4],
            latitude=None,
            longitude=None,
        )
        for n in range(3000)
    ]
    rows[1500] = row("Broken ABC", postcode="nope")
    path = write_json(tmp_path, rows, "big.json")

    out, err = run(path)
    again, _ = run(path, "--no-progress")

    assert "created 2999, updated 0, unchanged 0, rejected 1" in out
    assert "3000/3000" in err  # the tqdm bar went to stderr, not into the summary
    assert "3000/3000" not in out
    assert "created 0, updated 0, unchanged 2999, rejected 1" in again
    assert Club.objects.count() == 2999


def test_database_error_rolls_back_the_whole_import(tmp_path):
    rows = [row(f"Club {n} ABC") for n in range(1200)] + [row("Boom ABC")]
    path = write_json(tmp_path, rows)
    with connection.cursor() as cursor:  # a real database error in the last insert batch
        cursor.execute(
            "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN "
            "IF NEW.name = 'Boom ABC' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$ "
            "LANGUAGE plpgsql"
        )
        cursor.execute("CREATE TRIGGER boom BEFORE INSERT ON clubs_club FOR EACH ROW EXECUTE FUNCTION boom()")

    with pytest.raises(CommandError, match="nothing was imported"):
        run(path)

    assert not Club.objects.exists()


def test_unreadable_files_are_command_errors(tmp_path):
    (tmp_path / "object.json").write_text('{"name": "x"}')
    (tmp_path / "broken.json").write_text("[{")
    (tmp_path / "clubs.txt").write_text("")

    for name in ("object.json", "broken.json", "clubs.txt", "missing.json"):
        with pytest.raises(CommandError):
            run(tmp_path / name)


def test_publishing_import_is_seen_by_the_next_request(tmp_path, api, django_capture_on_commit_callbacks):
    club = ClubFactory(name="Test ABC", postcode="CF10 5LB", is_published=False)
    assert api.get(f"/api/v1/clubs/{club.pk}/").status_code == 404  # fact now cached

    with django_capture_on_commit_callbacks(execute=True):
        run(write_json(tmp_path, [row()]), "--publish")

    assert api.get(f"/api/v1/clubs/{club.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("np115lx", "NP11 5LX"),
        ("CF4 5NX", "CF4 5NX"),
        (" sw1a  1aa ", "SW1A 1AA"),
        ("W1A 0AX", "W1A 0AX"),
        ("GIR0AA", "GIR 0AA"),
        ("CF1", None),
        ("ABC 123", None),
        ("12345", None),
        ("CF10 5LBX", None),
    ],
)
def test_uk_postcodes_are_normalised_or_rejected(raw, expected):
    assert normalize_postcode(raw) == expected
