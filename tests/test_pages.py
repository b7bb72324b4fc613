import pytest
from django.test import Client
from django.urls import path

from kabinet import urls as project_urls
from kabinet.core.views import error_500
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_it_shows_the_home_page_in_russian_with_the_operator_contacts(client):
    OrganizationFactory(
        name="ОАО «Камал»",
        is_site_operator=True,
        phone="+7 (843) 555-01-54",
        email="info@kamal.example",
        working_hours="пн-пт 8:00-17:00",
    )
    OrganizationFactory(name='ООО "Чужая УК"')
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "Личный кабинет жильца" in html
    assert "ОАО «Камал»" in html or "ОАО &quot;Камал&quot;" in html
    assert "+7 (843) 555-01-54" in html and "пн-пт 8:00-17:00" in html
    assert "Чужая УК" not in html
    assert 'href="/login/"' in html


def test_it_sends_a_content_security_policy(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy


def test_an_unknown_page_gets_the_styled_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Страница не найдена" in html and "Кабинет жильца" in html


def boom(request):
    raise RuntimeError("test failure")


urlpatterns = [path("boom/", boom), *project_urls.urlpatterns]
handler500 = project_urls.handler500


@pytest.mark.urls("tests.test_pages")
def test_a_crash_gets_the_styled_500_without_details():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Что-то пошло не так" in html
    assert "test failure" not in html and "Traceback" not in html


def test_the_500_page_renders_without_touching_the_database(django_assert_num_queries, rf):
    with django_assert_num_queries(0):
        response = error_500(rf.get("/"))
    assert response.status_code == 500
