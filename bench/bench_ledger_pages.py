""" "Начисления" and "Платежи" against the empty page, on one real server and database.

Setup: N generated accounts (`kabinet.demo.registry`, 12 services) with 36 months of
history each, written set-based (`bench_penalties.history_write`: every service charged
each month, the bill paid on the 20th of the next, in full by most, half by one in ten,
never by one in twenty), so that 100 000 accounts take minutes rather than the hours 36
billing runs would; a user holding one account in the middle of the registry. The server, the baseline (the empty
page on the site's base template) and the client are those of `bench_account_card`:
gunicorn with one sync worker, one request at a time, alternating rounds.

Each page is asked for as a resident opens it (no query string): "Начисления" shows the
latest period with its 12-month chart and the comparison, "Платежи" the money flow of
the last 12 months with every payment. Target ratio 0.6, like the card.
"""

import os
from pathlib import Path

from django.utils import timezone

from bench.bench_account_card import _get, _rates, _server, _session_cookie
from bench.harness import Context, Result, benchmark
from kabinet.core.periods import add_months

CITY = "г. Тестоград"
STREETS = ["ул. Первая", "ул. Вторая", "ул. Третья"]
MONTHS = 36
_registries: dict[int, object] = {}  # count → the account in the middle


def _registry(count: int, months: int):
    """`count` accounts of one company with `months` months of history; returns the one
    in the middle (generated once per process, both benchmarks use it)."""
    if count in _registries:
        return _registries[count]
    from bench.bench_penalties import history_write
    from kabinet.demo.registry import company_ensure, registry_generate, statistics_refresh
    from kabinet.housing.models import PersonalAccount

    history = [add_months(timezone.localdate(), -n) for n in range(months, 0, -1)]
    company = company_ensure(
        name="УК Бенчмарк: история", inn="7700000014", city=CITY, last_month=history[-1]
    )
    registry_generate(
        company=company, count=count, months=history[-1:], city=CITY, streets=STREETS
    )
    history_write(company.organization.pk, history)
    statistics_refresh()
    accounts = PersonalAccount.objects.filter(organization=company.organization).order_by("pk")
    _registries[count] = accounts[count // 2]
    return _registries[count]


def _measure(context: Context, name: str, page: str, expected: str) -> Result:
    count = 200 if context.quick else context.scale
    months = 3 if context.quick else MONTHS
    seconds = 0.3 if context.quick else 4.0
    account = _registry(count, months)
    cookie = _session_cookie(account)
    folder = Path(os.environ.get("KABINET_VAR_DIR", "."))
    with _server(folder, name) as port:
        url = f"/cabinet/{account.pk}/{page}/"
        body = _get(port, url, cookie).decode()
        assert expected in body, body[:500]
        minimal_url = "/bench/minimal/"
        assert "<h1>Кабинет</h1>" in _get(port, minimal_url, cookie).decode()
        subject, empty = _rates([(port, url), (port, minimal_url)], cookie, seconds)
    return Result(
        name=name,
        unit="req/s",
        subject=subject,
        baseline=empty,
        baseline_label=(
            f"empty page on base.html, same gunicorn worker and database ({count} accounts, "
            f"{months} months of history each)"
        ),
        target=0.6,
    )


@benchmark("charges_page")
def charges_page(context: Context) -> Result:
    return _measure(context, "charges_page", "charges", "Итого начислено за")


@benchmark("payments_page")
def payments_page(context: Context) -> Result:
    return _measure(context, "payments_page", "payments", "Движение финансов")
