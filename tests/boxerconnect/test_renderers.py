"""The API's JSON renderer (boxerconnect/api/renderers.py) writes DRF's bytes, through orjson.

Generated data of every kind a response carries (nested objects and arrays, text with
control characters, U+2028/U+2029 and astral characters, 64-bit integers, finite floats,
Decimals, UUIDs, datetimes with and without a time zone, dates, lazy strings, DRF's
ReturnDict/ReturnList) renders to the same bytes as DRF's JSONRenderer. Two known
differences are pinned below: a float under 1e-4 in exponent form (`1e-7` against Python's
`1e-07`, the same number in JSON), and a non-finite float (null, where DRF fails with a 500).
"""

import datetime
import json
import math
import uuid
from decimal import Decimal

import orjson
import pytest
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import renderers
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from boxerconnect.api.renderers import JSONRenderer

DRF = renderers.JSONRenderer()
OURS = JSONRenderer()


def _no_exponent_below_1e4(value: float) -> bool:
    return "e-" not in repr(value)


floats = st.floats(allow_nan=False, allow_infinity=False).filter(_no_exponent_below_1e4)
datetimes = st.datetimes(
    min_value=datetime.datetime(1900, 1, 1), timezones=st.none() | st.just(datetime.UTC) | st.timezones()
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | floats
    | st.text(alphabet=st.characters(blacklist_categories=["Cs"]))
    | st.sampled_from(["\u2028", "a\u2029b", "\x00\x1f\x7f", '/\\"', "😀é"])
    | st.decimals(allow_nan=False, allow_infinity=False, places=2)
    | st.uuids()
    | datetimes
    | st.dates()
    | st.times()
    | st.builds(gettext_lazy, st.text(max_size=10))
)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=8), children, max_size=5)
    | st.builds(
        lambda d: ReturnDict(d, serializer=None), st.dictionaries(st.text(max_size=8), children, max_size=4)
    )
    | st.builds(lambda items: ReturnList(items, serializer=None), st.lists(children, max_size=4)),
    max_leaves=30,
)


@given(documents)
def test_the_bytes_are_drfs(document):
    assert OURS.render(document) == DRF.render(document)


def test_small_floats_differ_only_in_the_exponents_spelling():
    assert DRF.render([1e-07]) == b"[1e-07]"
    assert OURS.render([1e-07]) == b"[1e-7]"
    assert json.loads(OURS.render([1e-07])) == json.loads(DRF.render([1e-07]))


@pytest.mark.parametrize(
    "document",
    [
        {"big": 2**64},  # over 64 bits: orjson refuses, DRF writes it
        {"page": 1, "indent": "asked"},
    ],
)
def test_what_orjson_refuses_is_drfs_own_path(document):
    assert OURS.render(document) == DRF.render(document)


def test_an_indented_render_is_drfs():
    context = {"indent": 4}
    assert OURS.render({"a": [1, 2]}, "application/json", context) == DRF.render(
        {"a": [1, 2]}, "application/json", context
    )
    assert b"\n    " in OURS.render({"a": [1, 2]}, "application/json", context)


def test_none_is_an_empty_body():
    assert OURS.render(None) == b"" == DRF.render(None)


@pytest.mark.django_db
def test_the_api_renders_with_it(api):
    response = api.get("/api/v1/clubs/")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, JSONRenderer)
    assert orjson.loads(response.content)["results"] == []


def test_a_value_drf_cannot_encode_fails_as_it_does():
    with pytest.raises(TypeError):
        DRF.render({"x": object()})
    with pytest.raises(TypeError):
        OURS.render({"x": object()})


def test_a_non_finite_float_is_null_where_drf_would_fail():
    # The parser refuses non-finite input; a computed NaN or infinity renders as null (orjson)
    # instead of DRF's ValueError, which would answer 500.
    with pytest.raises(ValueError):
        DRF.render({"x": math.nan})
    assert OURS.render({"x": math.nan, "y": math.inf}) == b'{"x":null,"y":null}'


def test_uuid_and_decimal_as_drf_writes_them():
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert OURS.render({"id": value, "w": Decimal("70.50")}) == DRF.render(
        {"id": value, "w": Decimal("70.50")}
    )
