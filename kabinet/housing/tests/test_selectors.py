"""Reads of the registry: the natural order of the attach form's lists."""

from kabinet.housing import selectors


def test_natural_key_orders_numbers_by_value():
    labels = ["кв. 10", "кв. 2", "кв. 10а", "кв. 1", "кв. 11", "Кв. 3"]
    assert sorted(labels, key=selectors.natural_key) == [
        "кв. 1", "кв. 2", "Кв. 3", "кв. 10", "кв. 10а", "кв. 11",
    ]  # fmt: skip
