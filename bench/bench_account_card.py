"""The account card (Fig. 5) against a minimal view, on one real server and database.

Setup: N generated accounts (`kabinet.demo.registry`, 12 services, two months
of charges and a payment each; the generator ends with ANALYZE, as autovacuum would
soon after in production); a user holding one account in the middle of the registry,
logged in through the session cookie. SQLite by default; PostgreSQL with
DATABASE_URL (JIT off and the card's two queries prepared, as in kabinet/settings.py).

Server: gunicorn (the production server), one sync worker, started as a subprocess
on 127.0.0.1 with this module as its URLconf: the project's URLs plus two views
behind the same middleware, both login-required:

- `/bench/minimal/`, the minimal page: an empty page on the site's base template
  (session, user, header, footer with the operator's contacts): the floor of every
  page a resident sees. This is the baseline.
- `/bench/ok/`, a bare "ok" text answer (session and user only), for reference.

The client sends one request at a time over HTTP from this process (a new
connection each, as gunicorn's sync worker closes them), in alternating rounds so
that drift on a busy machine affects all views alike.

Reported: requests/s of the card (subject) and of the minimal page (baseline),
target ratio 0.6; the bare "ok" figure is printed in the baseline's label.
"""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.utils import timezone

from bench.harness import Context, Result, benchmark
from kabinet import urls as project_urls
from kabinet.core.periods import add_months

CITY = "г. Тестоград"
STREETS = ["ул. Первая", "ул. Вторая", "ул. Третья"]
HOST = "127.0.0.1"
ROUNDS = 5


MINIMAL_PAGE = '{% extends "base.html" %}{% block content %}<h1>Кабинет</h1>{% endblock %}'


@login_required
def minimal(request):
    template = engines["django"].from_string(MINIMAL_PAGE)  # parsing: ~0.05 ms
    return HttpResponse(template.render({}, request))


@login_required
def bare_ok(request):
    return HttpResponse("ok", content_type="text/plain")


# The server's URLconf (see _settings_module): the project's URLs and the baseline views.
urlpatterns = [
    path("bench/minimal/", minimal),
    path("bench/ok/", bare_ok),
    *project_urls.urlpatterns,
]
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _settings_module(folder: Path) -> str:
    """A settings module for the server: the project's, with this module as URLconf."""
    name = "kabinet_bench_card_settings"
    (folder / f"{name}.py").write_text(
        'from kabinet.settings import *  # noqa: F403\nROOT_URLCONF = "bench.bench_account_card"\n'
    )
    return name


def _get(port: int, url: str, cookie: str) -> bytes:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", url, headers={"Cookie": cookie, "Host": HOST})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {url}: HTTP {response.status}")
        return body
    finally:
        connection.close()


def _wait_until_up(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-2000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start in 60 s")


def _registry(count: int):
    """`count` accounts of one company; returns the one in the middle."""
    from kabinet.demo.registry import accounts_generate, company_ensure
    from kabinet.housing.models import PersonalAccount

    months = [add_months(timezone.localdate(), -n) for n in (2, 1)]
    company = company_ensure(
        name="УК Бенчмарк", inn="7700000003", city=CITY, last_month=months[-1]
    )
    accounts_generate(company=company, count=count, months=months, city=CITY, streets=STREETS)
    accounts = PersonalAccount.objects.filter(organization=company.organization).order_by("pk")
    return accounts[count // 2]


def _session_cookie(account) -> str:
    from django.conf import settings
    from django.test import Client

    from kabinet.accounts.models import User
    from kabinet.housing.models import AccountLink

    user, _ = User.objects.get_or_create(
        username="bench-resident", defaults={"email": "bench@example.com"}
    )
    AccountLink.objects.get_or_create(user=user, account=account)
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@contextlib.contextmanager
def _server(folder: Path, name: str, **environment: str):
    """A gunicorn with one sync worker serving this module's URLconf; yields its port."""
    port = _free_port()
    log = folder / f"gunicorn-{name}.log"
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": _settings_module(folder),
        "PYTHONPATH": os.pathsep.join([str(folder), str(root), os.environ.get("PYTHONPATH", "")]),
        "LOG_LEVEL": "WARNING",
        **environment,
    }
    env.pop("DEBUG", None)
    command = [
        sys.executable, "-m", "gunicorn", "kabinet.wsgi:application",
        "--bind", f"{HOST}:{port}", "--workers", "1", "--worker-class", "sync",
        "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as log_file:
        server = subprocess.Popen(command, cwd=root, env=env, stdout=log_file, stderr=log_file)
    try:
        _wait_until_up(port, server, log)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _rates(targets: list[tuple[int, str]], cookie: str, seconds: float) -> list[float]:
    """Requests/s of each (port, url), measured in alternating rounds after a warm-up."""
    for _ in range(20):  # warm up: templates compiled, the card's session note written
        for port, url in targets:
            _get(port, url, cookie)
    done = [0] * len(targets)
    spent = [0.0] * len(targets)
    for _ in range(ROUNDS):
        for index, (port, url) in enumerate(targets):
            started = time.perf_counter()
            while time.perf_counter() - started < seconds:
                _get(port, url, cookie)
                done[index] += 1
            spent[index] += time.perf_counter() - started
    return [count / elapsed for count, elapsed in zip(done, spent, strict=True)]


def _check_card(port: int, account, cookie: str) -> str:
    url = f"/cabinet/{account.pk}/"
    page = _get(port, url, cookie).decode()
    assert f"Л/С № {account.number}" in page and "Итого начислено" in page, page[:500]
    return url


@benchmark("account_card")
def account_card(context: Context) -> Result:
    count = 300 if context.quick else context.scale
    seconds = 0.3 if context.quick else 4.0
    account = _registry(count)
    cookie = _session_cookie(account)
    folder = Path(os.environ.get("KABINET_VAR_DIR", "."))
    with _server(folder, "card") as port:
        card_url = _check_card(port, account, cookie)
        minimal_url, ok_url = "/bench/minimal/", "/bench/ok/"
        assert "<h1>Кабинет</h1>" in _get(port, minimal_url, cookie).decode()
        assert _get(port, ok_url, cookie) == b"ok"
        card, empty, ok = _rates(
            [(port, card_url), (port, minimal_url), (port, ok_url)], cookie, seconds
        )
    return Result(
        name="account_card",
        unit="req/s",
        subject=card,
        baseline=empty,
        baseline_label=(
            f"empty page on base.html, same gunicorn worker and database ({count} accounts; "
            f"bare 'ok' view: {ok:.1f} req/s, card/ok {card / ok:.2f})"
        ),
        target=0.6,
    )


@benchmark("card_prepared_queries")
def card_prepared_queries(context: Context) -> Result:
    """The card with its two queries compiled once (PREPARED_QUERIES on, the default)
    against the same card built by the ORM on every request, two servers side by side."""
    count = 300 if context.quick else context.scale
    seconds = 0.3 if context.quick else 4.0
    account = _registry(count)
    cookie = _session_cookie(account)
    folder = Path(os.environ.get("KABINET_VAR_DIR", "."))
    with (
        _server(folder, "prepared", PREPARED_QUERIES="1") as prepared,
        _server(folder, "orm", PREPARED_QUERIES="0") as orm,
    ):
        url = _check_card(prepared, account, cookie)
        _check_card(orm, account, cookie)
        with_prepared, with_orm = _rates([(prepared, url), (orm, url)], cookie, seconds)
    return Result(
        name="card_prepared_queries",
        unit="req/s",
        subject=with_prepared,
        baseline=with_orm,
        baseline_label=f"the same card with PREPARED_QUERIES=0, plain ORM ({count} accounts)",
    )
