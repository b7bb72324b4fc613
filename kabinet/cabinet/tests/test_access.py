"""Strangers get 404 on every account-scoped page; anonymous visitors are sent to log in.

The walk covers every pattern of cabinet.urls: a new pattern must either take
`account_id` (and then it is checked here) or be listed as not account-scoped.
"""

import pytest
from django.urls import URLPattern, reverse

from kabinet.cabinet import urls as cabinet_urls
from kabinet.housing.models import AccountLink

pytestmark = pytest.mark.django_db

ACCOUNT_KWARG = "account_id"
NOT_ACCOUNT_SCOPED = {
    "index",
    "accounts",
    "attach",
    "attach_options",
    # "Мой профиль": the logged-in user's own data only (cabinet/tests/test_profile.py).
    "profile",
    "profile_subscriptions",
    "profile_email",
    "profile_phone",
    "profile_password",
    "profile_sessions",
    "profile_data",
    "profile_delete",
}
# Other arguments an account page may take, and a value of the held account for each:
# the stranger must get 404 with a real one too.
OTHER_KWARGS = {"meter_id": lambda account: account.premises.meters.order_by("pk").first().pk}


def url_for(name: str, account, account_id=None) -> str:
    pattern = next(p for p in patterns() if p.name == name)
    kwargs = {ACCOUNT_KWARG: account.pk if account_id is None else account_id}
    for kwarg in pattern.pattern.converters:
        if kwarg in OTHER_KWARGS:
            kwargs[kwarg] = OTHER_KWARGS[kwarg](account)
    return reverse(f"cabinet:{name}", kwargs=kwargs)


def patterns() -> list[URLPattern]:
    found = []
    for entry in cabinet_urls.urlpatterns:
        assert isinstance(entry, URLPattern), f"nested URLconf {entry!r}: walk it here too"
        found.append(entry)
    return found


def account_scoped() -> list[str]:
    return [p.name for p in patterns() if ACCOUNT_KWARG in p.pattern.converters]


def test_every_pattern_is_either_account_scoped_or_known_not_to_be():
    for pattern in patterns():
        scoped = ACCOUNT_KWARG in pattern.pattern.converters
        assert scoped or pattern.name in NOT_ACCOUNT_SCOPED, (
            f"cabinet:{pattern.name} takes no account_id: if it shows an account's data, take "
            f"account_id and use _get_account_for_user; otherwise list it in NOT_ACCOUNT_SCOPED."
        )
        assert set(pattern.pattern.converters) <= {ACCOUNT_KWARG, *OTHER_KWARGS}, (
            f"cabinet:{pattern.name} takes {set(pattern.pattern.converters)}: extend this walk."
        )
    assert len(account_scoped()) >= 6


@pytest.mark.parametrize("name", account_scoped())
@pytest.mark.parametrize("method", ["get", "post", "put", "delete", "head"])
def test_a_stranger_gets_404_whatever_the_method(client, kamal, user, stranger, name, method):
    # Not even a 405 for a method the page does not take: it would tell that the
    # account exists.
    AccountLink.objects.create(user=user, account=kamal)
    url = url_for(name, kamal)
    client.force_login(stranger)
    response = getattr(client, method)(url)
    assert response.status_code == 404
    if method != "head":
        assert "Страница не найдена" in response.content.decode()
    assert AccountLink.objects.filter(user=user, account=kamal).exists()  # detach did nothing


@pytest.mark.parametrize("name", account_scoped())
def test_the_owner_gets_405_for_a_method_the_page_does_not_take(client, kamal, user, name):
    AccountLink.objects.create(user=user, account=kamal)
    client.force_login(user)
    response = client.put(url_for(name, kamal))
    assert response.status_code == 405


@pytest.mark.parametrize("name", account_scoped())
def test_the_owner_gets_the_page(client, kamal, user, name):
    AccountLink.objects.create(user=user, account=kamal)
    client.force_login(user)
    response = client.get(url_for(name, kamal))
    assert response.status_code == 200


@pytest.mark.parametrize("name", account_scoped())
def test_a_missing_account_is_404_too(client, kamal, stranger, name):
    client.force_login(stranger)
    assert client.get(url_for(name, kamal, account_id=10**9)).status_code == 404


@pytest.mark.parametrize("pattern", patterns(), ids=lambda p: p.name)
def test_anonymous_visitors_are_sent_to_log_in(client, kamal, pattern):
    if ACCOUNT_KWARG in pattern.pattern.converters:
        url = url_for(pattern.name, kamal)
    else:
        url = reverse(f"cabinet:{pattern.name}")
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
