"""Texts translated once per language (kabinet/core/i18n.py) and the `{% translate %}`
that looks a fixed text up once (kabinet/core/templatetags/i18n_once.py)."""

import re
from pathlib import Path
from unittest import mock

import pytest
from django.template import Context, Engine, engines
from django.test import override_settings
from django.utils import translation

from kabinet.core.i18n import per_language
from kabinet.core.periods import month_label, month_names
from kabinet.core.templatetags import i18n_once


def test_a_per_language_text_is_built_once_in_each_language():
    built = []

    @per_language
    def greeting():
        built.append(translation.get_language())
        return translation.gettext("Yes")

    with translation.override("ru"):
        assert greeting() == "Да"
        assert greeting() == "Да"
    with translation.override("en"):
        assert greeting() == "Yes"
    with translation.override("ru"):
        assert greeting() == "Да"
    assert built == ["ru", "en"]
    with override_settings(LOCALE_PATHS=[]):  # the catalogs may change: built again
        assert greeting() == "Да"
    assert built == ["ru", "en", "ru"]


def test_month_names_follow_the_language():
    import datetime

    with translation.override("ru"):
        assert month_names()[9] == "октябрь"
        assert month_label(datetime.date(2014, 10, 1)) == "октябрь 2014"


# Each form of the tag, rendered by the project's engine (our `i18n`) and by a plain
# engine with Django's own library: the same text, escaped the same way.
FORMS = [
    '{% translate "Начисления" %}',
    '{% translate "Yes" %}',  # in Django's catalog: "Да"
    '{% translate "100% оплачено" %}',
    '{% translate "<b>as is</b>" %}',
    '{% translate "Yes" as answer %}[{{ answer }}]',
    '{% translate "May" context "month name" %}',
    '{% translate "Yes" noop %}',
    '{% translate "yes"|upper %}',
    "{% translate word %}",
    "{% trans 'No' %}",
]


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("form", FORMS)
def test_the_tag_renders_as_djangos_own(form, language):
    context = {"word": "<No>"}
    djangos = Engine(libraries={"i18n": "django.templatetags.i18n"})
    djangos = djangos.from_string("{% load i18n %}" + form)
    with translation.override(language):
        expected = djangos.render(Context(context))
        ours = engines["django"].from_string("{% load i18n_once %}" + form)
        assert ours.render(context) == expected
        assert ours.render(context) == expected  # from the cache


KABINET = Path(__file__).resolve().parents[2]
TEMPLATES = KABINET / "templates"
LOADS = re.compile(r"{%\s*load\s+([^%]*?)\s*%}")


def test_kabinets_templates_load_the_caching_library():
    loading_djangos = []
    for template in KABINET.glob("**/templates/**/*.*"):
        for libraries in LOADS.findall(template.read_text(encoding="utf-8")):
            if "i18n" in libraries.split():
                loading_djangos.append(str(template.relative_to(KABINET)))
    assert loading_djangos == []
    assert any(
        "i18n_once" in libraries.split()
        for libraries in LOADS.findall((TEMPLATES / "base.html").read_text(encoding="utf-8"))
    )


def test_a_fixed_text_is_looked_up_once_per_language():
    template = engines["django"].from_string(
        '{% load i18n_once %}{% translate "Текст, найденный однажды" %}'
    )
    with mock.patch.object(i18n_once, "gettext", wraps=i18n_once.gettext) as lookup:
        with translation.override("ru"):
            for _ in range(3):
                assert template.render({}) == "Текст, найденный однажды"
        assert lookup.call_count == 1
        with translation.override("en"):
            template.render({})
        assert lookup.call_count == 2
