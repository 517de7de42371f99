"""The status rules on their own, with the day as a parameter."""

from datetime import date

import pytest

from policy_search.schema import Document, Status, status_on, supersession_dates


def doc(**fields) -> Document:
    return Document(id=fields.pop("id", "d"), title="测试文件", **fields)


@pytest.mark.parametrize("fields, day, expected", [
    ({"publish_date": date(2020, 1, 1)}, date(2020, 1, 1), Status.IN_FORCE),
    ({"publish_date": date(2020, 1, 1), "effective_date": date(2020, 3, 1)}, date(2020, 2, 29), Status.NOT_YET_EFFECTIVE),
    ({"publish_date": date(2020, 1, 1), "effective_date": date(2020, 3, 1)}, date(2020, 3, 1), Status.IN_FORCE),
    ({"publish_date": date(2020, 1, 1), "expiry_date": date(2021, 1, 1)}, date(2020, 12, 31), Status.IN_FORCE),
    ({"publish_date": date(2020, 1, 1), "expiry_date": date(2021, 1, 1)}, date(2021, 1, 1), Status.EXPIRED),
    ({"publish_date": date(2020, 1, 1), "declared_status": "expired"}, date(2020, 6, 1), Status.EXPIRED),
    ({"publish_date": date(2020, 1, 1), "declared_status": "repealed"}, date(2020, 6, 1), Status.REPEALED),
    ({"publish_date": date(2020, 1, 1), "declared_status": "repealed", "repealed_date": date(2022, 1, 1)},
     date(2021, 6, 1), Status.IN_FORCE),
    ({"publish_date": date(2020, 1, 1), "superseded_date": date(2022, 1, 1)}, date(2022, 1, 1), Status.AMENDED),
    # the source's explicit word wins over a newer version
    ({"publish_date": date(2020, 1, 1), "superseded_date": date(2022, 1, 1), "declared_status": "repealed"},
     date(2023, 1, 1), Status.REPEALED),
    ({}, date(2000, 1, 1), Status.IN_FORCE),
])
def test_status_on_a_day(fields, day, expected):
    assert status_on(doc(**fields), day) is expected


def test_each_version_is_superseded_when_the_next_takes_effect():
    versions = [
        doc(id="b", publish_date=date(2018, 1, 1), effective_date=date(2018, 5, 1)),
        doc(id="a", publish_date=date(2010, 1, 1)),
        doc(id="c", publish_date=date(2024, 1, 1), effective_date=date(2024, 7, 1)),
    ]
    assert supersession_dates(versions) == {"a": date(2018, 5, 1), "b": date(2024, 7, 1), "c": None}
