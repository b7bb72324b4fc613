"""The rate table the calculation reads, from the database (staff add rates in the back
office) or from the data shipped with Kabinet."""

from . import data
from .calc import Cap, Moratorium, Rates


def rates_shipped() -> Rates:
    """The table as shipped (migration 0007 seeds the database with it)."""
    return Rates(
        [(day, rate) for day, rate, _kind in data.KEY_RATES],
        caps=[
            Cap(start, end, kind, rate, grounds) for start, end, kind, rate, grounds in data.CAPS
        ],
        moratoria=[Moratorium(*row) for row in data.MORATORIA],
    )


def rates_current() -> Rates:
    """The table in the database: three queries. A database without any rate (the seeding
    migration's rows flushed, as a test database between transactional tests) gets the
    shipped table instead."""
    from kabinet.billing.models import KeyRate, PenaltyCap, PenaltyMoratorium

    key_rates = list(KeyRate.objects.values_list("valid_from", "rate"))
    if not key_rates:
        return rates_shipped()
    return Rates(
        key_rates,
        caps=[Cap(c.start, c.end, c.kind, c.rate, c.grounds) for c in PenaltyCap.objects.all()],
        moratoria=[
            Moratorium(m.start, m.end, m.debts_due_before, m.grounds)
            for m in PenaltyMoratorium.objects.all()
        ],
    )
