"""Ages and the age groups of amateur boxing, computed on a given day (never cached: a body
cached yesterday must not show yesterday's group)."""

from datetime import date
from enum import StrEnum


class AgeGroup(StrEnum):
    SCHOOLS = "schools"  # under 15
    JUNIOR = "junior"  # 15-16
    YOUTH = "youth"  # 17-18
    ELITE = "elite"  # 19-40
    MASTERS = "masters"  # 41 and over


# (lowest age, group), highest first.
_BANDS = ((41, AgeGroup.MASTERS), (19, AgeGroup.ELITE), (17, AgeGroup.YOUTH), (15, AgeGroup.JUNIOR))


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years of age on `day` (born on 29 February: a year older on 1 March in other years)."""
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def age_group(date_of_birth: date | str | None, day: date) -> AgeGroup | None:
    """The group of someone born on `date_of_birth` (a date or its ISO string) on `day`;
    None without a date of birth."""
    if date_of_birth is None:
        return None
    if isinstance(date_of_birth, str):
        date_of_birth = date.fromisoformat(date_of_birth)
    age = age_on(date_of_birth, day)
    return next((group for lowest, group in _BANDS if age >= lowest), AgeGroup.SCHOOLS)
