"""Where a Welsh club is, offline: the post town of its postcode, and a town's coordinates.

Used by the demo data set (clubs/demo.py) to give clubs without a city or coordinates a
realistic one; never a network geocoder. Two small tables:

- the Royal Mail post town of each postcode district the Welsh club list uses (CF37 →
  Pontypridd), falling back to the town a postcode area is named after (CF → Cardiff) for a
  district not listed;
- approximate coordinates of the centre of each of those towns (to about 1 km): a club
  placed by its town is placed at the town's centre, not at its door.

tests/clubs/test_places.py holds both tables against the club list's own coordinates.
"""

import math
import re

# The town each postcode area is named after (Royal Mail), for the areas of Wales and its
# borders. Some are in England: a Welsh address may still have an English post town.
AREA_TOWNS: dict[str, str] = {
    "CF": "Cardiff",
    "CH": "Chester",
    "HR": "Hereford",
    "LD": "Llandrindod Wells",
    "LL": "Llandudno",
    "NP": "Newport",
    "SA": "Swansea",
    "SY": "Shrewsbury",
}

# Post towns of the postcode districts in the Welsh club list (clubs/data/).
DISTRICT_TOWNS: dict[str, str] = {
    **dict.fromkeys(["CF3", "CF5", "CF10", "CF11", "CF14", "CF15", "CF23", "CF24"], "Cardiff"),
    **dict.fromkeys(["CF31", "CF32", "CF33", "CF35"], "Bridgend"),
    "CF34": "Maesteg",
    "CF36": "Porthcawl",
    "CF37": "Pontypridd",
    "CF38": "Pontypridd",
    "CF39": "Porth",
    "CF40": "Tonypandy",
    "CF43": "Ferndale",
    "CF44": "Aberdare",
    "CF45": "Mountain Ash",
    "CF46": "Treharris",
    "CF47": "Merthyr Tydfil",
    "CF48": "Merthyr Tydfil",
    "CF61": "Llantwit Major",
    "CF62": "Barry",
    "CF63": "Barry",
    "CF64": "Penarth",
    "CF72": "Pontyclun",
    "CF81": "Bargoed",
    "CF82": "Hengoed",
    "CF83": "Caerphilly",
    "CH4": "Chester",
    "CH5": "Deeside",
    "CH7": "Mold",
    "LD3": "Brecon",
    **dict.fromkeys(["LL11", "LL12", "LL13", "LL14"], "Wrexham"),
    "LL16": "Denbigh",
    "LL18": "Rhyl",
    "LL28": "Colwyn Bay",
    "LL29": "Colwyn Bay",
    "LL53": "Pwllheli",
    "LL55": "Caernarfon",
    "LL57": "Bangor",
    "LL65": "Holyhead",
    "LL77": "Llangefni",
    "NP4": "Pontypool",
    "NP7": "Abergavenny",
    **dict.fromkeys(["NP10", "NP11", "NP18", "NP19", "NP20"], "Newport"),
    "NP12": "Blackwood",
    "NP16": "Chepstow",
    "NP22": "Tredegar",
    "NP23": "Ebbw Vale",
    "NP44": "Cwmbran",
    **dict.fromkeys(["SA1", "SA2", "SA4", "SA5", "SA6"], "Swansea"),
    "SA11": "Neath",
    "SA12": "Port Talbot",
    "SA13": "Port Talbot",
    "SA14": "Llanelli",
    "SA18": "Ammanford",
    "SA19": "Llandeilo",
    "SA33": "Carmarthen",
    "SA43": "Cardigan",
    "SA72": "Pembroke Dock",
    "SY16": "Newtown",
    "SY21": "Welshpool",
}

# Approximate town centres (latitude, longitude).
TOWN_COORDINATES: dict[str, tuple[float, float]] = {
    "Aberdare": (51.7137, -3.4451),
    "Abergavenny": (51.8240, -3.0167),
    "Aberystwyth": (52.4153, -4.0829),
    "Ammanford": (51.7930, -3.9880),
    "Bangor": (53.2274, -4.1293),
    "Bargoed": (51.6940, -3.2366),
    "Barry": (51.3998, -3.2838),
    "Blackwood": (51.6676, -3.1946),
    "Brecon": (51.9462, -3.3910),
    "Bridgend": (51.5043, -3.5769),
    "Caernarfon": (53.1396, -4.2739),
    "Caerphilly": (51.5749, -3.2180),
    "Cardiff": (51.4816, -3.1791),
    "Cardigan": (52.0830, -4.6610),
    "Carmarthen": (51.8570, -4.3100),
    "Chepstow": (51.6418, -2.6745),
    "Chester": (53.1934, -2.8931),
    "Colwyn Bay": (53.2948, -3.7266),
    "Cwmbran": (51.6530, -3.0210),
    "Deeside": (53.2096, -3.0330),
    "Denbigh": (53.1845, -3.4192),
    "Ebbw Vale": (51.7780, -3.2070),
    "Ferndale": (51.6590, -3.4480),
    "Haverfordwest": (51.8010, -4.9710),
    "Hengoed": (51.6499, -3.2297),
    "Hereford": (52.0565, -2.7160),
    "Holyhead": (53.3094, -4.6330),
    "Llandeilo": (51.8840, -3.9920),
    "Llandrindod Wells": (52.2415, -3.3790),
    "Llandudno": (53.3241, -3.8276),
    "Llanelli": (51.6840, -4.1630),
    "Llangefni": (53.2557, -4.3117),
    "Llantwit Major": (51.4077, -3.4862),
    "Maesteg": (51.6096, -3.6583),
    "Merthyr Tydfil": (51.7487, -3.3816),
    "Mold": (53.1663, -3.1419),
    "Mountain Ash": (51.6814, -3.3785),
    "Neath": (51.6630, -3.8060),
    "Newport": (51.5842, -2.9977),
    "Newtown": (52.5130, -3.3130),
    "Pembroke Dock": (51.6930, -4.9450),
    "Penarth": (51.4386, -3.1740),
    "Pontyclun": (51.5236, -3.3933),
    "Pontypool": (51.7011, -3.0445),
    "Pontypridd": (51.6014, -3.3420),
    "Port Talbot": (51.5920, -3.7800),
    "Porth": (51.6127, -3.4068),
    "Porthcawl": (51.4790, -3.7050),
    "Pwllheli": (52.8880, -4.4170),
    "Rhyl": (53.3191, -3.4916),
    "Shrewsbury": (52.7070, -2.7530),
    "Swansea": (51.6214, -3.9436),
    "Tonypandy": (51.6222, -3.4526),
    "Tredegar": (51.7720, -3.2460),
    "Treharris": (51.6647, -3.3046),
    "Welshpool": (52.6600, -3.1470),
    "Wrexham": (53.0466, -2.9916),
}

# A town found from a club's coordinates must be this close (km); farther, it stays unknown.
NEAREST_TOWN_MAX_KM = 10.0

_OUTWARD = re.compile(r"^\s*([A-Z]{1,2})(\d[A-Z\d]?)\s*(\d[A-Z]{2})?\s*$")


def postcode_district(postcode: str) -> str | None:
    """The outward code of a UK postcode ("CF37 5LN" and "cf375ln" → "CF37"), or None."""
    compact = postcode.strip().upper()
    match = _OUTWARD.match(compact)
    if match is None:
        return None
    area, district, inward = match.groups()
    if inward is None and len(compact.replace(" ", "")) > 4:
        return None
    return f"{area}{district}"


def town_for_postcode(postcode: str) -> str | None:
    """The post town of a postcode: its district's, else its area's, else None."""
    district = postcode_district(postcode)
    if district is None:
        return None
    if district in DISTRICT_TOWNS:
        return DISTRICT_TOWNS[district]
    area = re.match(r"[A-Z]+", district)
    return None if area is None else AREA_TOWNS.get(area.group())


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def nearest_town(point: tuple[float, float]) -> str | None:
    """The listed town nearest to `point`, if one is within NEAREST_TOWN_MAX_KM."""
    town, where = min(TOWN_COORDINATES.items(), key=lambda item: distance_km(point, item[1]))
    return town if distance_km(point, where) <= NEAREST_TOWN_MAX_KM else None
