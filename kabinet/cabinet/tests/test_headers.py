"""No page is kept by a cache: `Cache-Control: no-store, private` on every URL pattern.

The walk covers every pattern of the site (helpers.site_routes) but the back office's
(a few of its pages are asked below: the rule is one middleware,
core.middleware.NoStoreMiddleware, not a list of views) and the CAPTCHA's images: a page
added later falls under the rule without anyone remembering it.
"""

import pytest
from django.urls import reverse

from kabinet.housing.models import AccountLink

from .helpers import concrete_url, site_routes

pytestmark = pytest.mark.django_db


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


ROUTES = site_routes(skipped=("admin/", "captcha/"))


def test_the_walk_covers_the_account_pages_and_the_back_office():
    assert "cabinet/<int:account_id>/" in ROUTES
    assert "cabinet/accounts/add/options/" in ROUTES
    assert "payments/sandbox/assistant/" in ROUTES


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/accounts/user/", "/admin/housing/personalaccount/", "/admin/login/"]
)
def test_the_back_office_is_not_stored(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code in {200, 302}
    assert {"no-store", "private"} <= cache_control(response)


@pytest.mark.parametrize("route", ROUTES)
def test_no_page_is_stored_by_a_cache(client, kamal, user, route):
    AccountLink.objects.create(user=user, account=kamal)
    client.force_login(user)
    url = concrete_url(route, kamal)
    response = client.get(url)
    assert {"no-store", "private"} <= cache_control(response), (url, response.status_code)


@pytest.mark.parametrize(
    "url",
    [
        "/cabinet/accounts/add/options/?level=house&parent=1",
        "/cabinet/accounts/add/options/?level=x",  # the 400
        "/cabinet/10/",  # a 404
        "/login/",
    ],
)
def test_personal_answers_are_not_stored_whatever_the_status(client, kamal, user, url):
    AccountLink.objects.create(user=user, account=kamal)
    client.force_login(user)
    assert {"no-store", "private"} <= cache_control(client.get(url))


def test_the_card_the_lists_and_the_json_are_not_stored(client, kamal, user):
    AccountLink.objects.create(user=user, account=kamal)
    client.force_login(user)
    for url in [
        reverse("cabinet:card", args=[kamal.pk]),
        reverse("cabinet:charges", args=[kamal.pk]),
        reverse("cabinet:payments", args=[kamal.pk]),
        reverse("cabinet:accounts"),
        reverse("cabinet:attach_options") + f"?level=house&parent={kamal.organization_id}",
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert {"no-store", "private"} <= cache_control(response), url


def test_static_files_stay_cacheable(client):
    # WhiteNoise answers them before the rule: the same CSS for everybody.
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert "no-store" not in cache_control(response)
