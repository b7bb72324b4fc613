"""The data Kabinet ships for penalties (docs/penalties.md): the Bank of Russia rates, the
caps and the moratoria, as the data migration seeds them. Staff add later rates in the
back office (billing.KeyRate); the database, not this module, is what the run reads.

Rates: the date each value took effect; the refinancing rate until 31.12.2015, then the key
rate (equal to it from 01.01.2016). Source: Bank of Russia (../shared/data/key-rates.csv).
"""

import datetime
from decimal import Decimal

D = Decimal
date = datetime.date

KEY_RATES = (
    (date(2012, 9, 14), D("8.25"), "refinancing"),
    (date(2016, 1, 1), D("11"), "key"),
    (date(2016, 6, 14), D("10.5"), "key"),
    (date(2016, 9, 19), D("10"), "key"),
    (date(2017, 3, 27), D("9.75"), "key"),
    (date(2017, 5, 2), D("9.25"), "key"),
    (date(2017, 6, 19), D("9"), "key"),
    (date(2017, 9, 18), D("8.5"), "key"),
    (date(2017, 10, 30), D("8.25"), "key"),
    (date(2017, 12, 18), D("7.75"), "key"),
    (date(2018, 2, 12), D("7.5"), "key"),
    (date(2018, 3, 26), D("7.25"), "key"),
    (date(2018, 9, 17), D("7.5"), "key"),
    (date(2018, 12, 17), D("7.75"), "key"),
    (date(2019, 6, 17), D("7.5"), "key"),
    (date(2019, 7, 29), D("7.25"), "key"),
    (date(2019, 9, 9), D("7"), "key"),
    (date(2019, 10, 28), D("6.5"), "key"),
    (date(2019, 12, 16), D("6.25"), "key"),
    (date(2020, 2, 10), D("6"), "key"),
    (date(2020, 4, 27), D("5.5"), "key"),
    (date(2020, 6, 22), D("4.5"), "key"),
    (date(2020, 7, 27), D("4.25"), "key"),
    (date(2021, 3, 22), D("4.5"), "key"),
    (date(2021, 4, 26), D("5"), "key"),
    (date(2021, 6, 15), D("5.5"), "key"),
    (date(2021, 7, 26), D("6.5"), "key"),
    (date(2021, 9, 13), D("6.75"), "key"),
    (date(2021, 10, 25), D("7.5"), "key"),
    (date(2021, 12, 20), D("8.5"), "key"),
    (date(2022, 2, 14), D("9.5"), "key"),
    (date(2022, 2, 28), D("20"), "key"),
    (date(2022, 4, 11), D("17"), "key"),
    (date(2022, 5, 4), D("14"), "key"),
    (date(2022, 5, 27), D("11"), "key"),
    (date(2022, 6, 14), D("9.5"), "key"),
    (date(2022, 7, 25), D("8"), "key"),
    (date(2022, 9, 19), D("7.5"), "key"),
    (date(2023, 7, 24), D("8.5"), "key"),
    (date(2023, 8, 15), D("12"), "key"),
    (date(2023, 9, 18), D("13"), "key"),
    (date(2023, 10, 30), D("15"), "key"),
    (date(2023, 12, 18), D("16"), "key"),
    (date(2024, 7, 29), D("18"), "key"),
    (date(2024, 9, 16), D("19"), "key"),
    (date(2024, 10, 28), D("21"), "key"),
    (date(2025, 6, 9), D("20"), "key"),
    (date(2025, 7, 28), D("18"), "key"),
    (date(2025, 9, 15), D("17"), "key"),
    (date(2025, 10, 27), D("16.5"), "key"),
    (date(2025, 12, 22), D("16"), "key"),
)

# Cap windows (ЖК РФ ст. 155 ч. 14 as the government suspended it), by the day a penalty
# accrues: (first day, last day, kind, rate %, grounds). "fixed": that rate whatever the
# key rate; "ceiling": the lower of that rate and the key rate.
CAPS = (
    (date(2022, 2, 28), date(2022, 7, 31), "fixed", D("9.5"), "ПП РФ № 474 от 26.03.2022"),
    (date(2022, 8, 1), date(2026, 12, 31), "ceiling", D("9.5"),
     "ПП РФ № 1681 от 26.09.2022; продлено ПП РФ № 2479, № 2382, № 329"),
)  # fmt: skip

# Moratoria: days that still count toward the day number but accrue nothing:
# (first day, last day, only for debts due before this day or None, grounds).
MORATORIA = (
    (date(2020, 4, 6), date(2020, 12, 31), None, "ПП РФ № 424 от 02.04.2020"),
    (date(2022, 4, 1), date(2022, 10, 1), date(2022, 4, 1), "ПП РФ № 497 от 28.03.2022"),
)
