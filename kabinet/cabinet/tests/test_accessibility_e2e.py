"""axe-core on every resident page, in Chromium, at 390 px, 1280 px and 1280 px at 200 % zoom.

The pages are not listed by hand: every URL pattern of the resident pages
(kabinet/cabinet/urls.py) and of the public account pages (kabinet/accounts/urls.py) is
visited, so a page another change adds is checked as soon as it is merged. A pattern
taking an argument this test does not know fails the test (add it to ARGUMENTS), and a
pattern that answers something other than a page (JSON, a PDF, a redirect elsewhere) is
recorded as such. The forms are also checked as they look after a refused submit.

A serious or critical violation fails the test, as does a page wider than the screen
(tables scroll inside their own focusable region instead: docs/accessibility.md).

Set KABINET_SCREENSHOTS=<dir> to keep a screenshot of every page checked, per screen.
"""

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from playwright.sync_api import Browser, Page

from kabinet.demo.reference import reference_load
from kabinet.housing.models import AccountLink
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# (name, viewport, device scale): 200 % zoom of a 1280 × 900 window is a 640 × 450 CSS
# viewport drawn at twice the scale.
SCREENS = [
    ("390", {"width": 390, "height": 844}, 1),
    ("1280", {"width": 1280, "height": 900}, 1),
    ("1280-zoom-200", {"width": 640, "height": 450}, 2),
]
FAILING_IMPACTS = {"serious", "critical"}
SCREENSHOTS = os.environ.get("KABINET_SCREENSHOTS")
# Patterns that are not pages a resident reads: data for scripts, files, actions.
NOT_PAGES = {
    "accounts:logout",  # POST only
    "accounts:activate",  # a link's landing, redirects
    "cabinet:attach_options",  # JSON for the cascading lists
    "cabinet:receipt",  # a PDF
    "cabinet:profile_data",  # a JSON download
}
AXE = Axe()


def cabinet_and_account_patterns() -> list[tuple[str, list[str]]]:
    """(URL name, its arguments) of every pattern under the cabinet and accounts apps."""
    found = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                found.append((name, list(entry.pattern.converters)))

    resolver = get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in ("cabinet", "accounts"):
            walk(entry.url_patterns, entry.namespace)
        elif isinstance(entry, URLResolver) and entry.namespace is None:
            walk(entry.url_patterns, None)  # login/logout live at the top level
    return [(name, args) for name, args in found if name.split(":")[0] in ("cabinet", "accounts")
            or name in ("login", "home")]  # fmt: skip


def page_urls(account, meter) -> tuple[list[str], list[str]]:
    """(public pages, a resident's pages) as paths."""
    arguments = {
        "account_id": [account.pk],
        "meter_id": [meter.pk],
        "kind": ["terms", "personal-data"],
    }
    public, resident = ["/"], []
    for name, params in cabinet_and_account_patterns():
        if name in NOT_PAGES or name == "home":
            continue
        if any(param not in arguments for param in params):
            if name.startswith("accounts:") and params == ["token"]:
                continue  # a link from an e-mail: its landing page is checked by its app
            pytest.fail(f"{name} takes {params}: add them to ARGUMENTS to check the page")
        values = [[]]
        for param in params:
            values = [[*v, a] for v in values for a in arguments[param]]
        for value in values:
            path = reverse(name, args=value)
            (resident if name.startswith("cabinet:") else public).append(path)
    return public, resident


def violations(page: Page) -> list[str]:
    results = AXE.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in FAILING_IMPACTS:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


@pytest.fixture
def kamal(live_server, captcha_test_mode):
    return reference_load()


@pytest.mark.parametrize(("screen", "viewport", "scale"), SCREENS, ids=[s[0] for s in SCREENS])
def test_every_resident_page_passes_axe(browser: Browser, live_server, kamal, screen, viewport,
                                        scale):  # fmt: skip
    resident = UserFactory(username="muravyev")
    AccountLink.objects.create(user=resident, account=kamal)
    meter = kamal.premises.meters.order_by("pk").first()
    public, own = page_urls(kamal, meter)
    assert len(own) >= 15, own  # card, tariffs, contacts, charges, payments, meters, …

    context = browser.new_context(
        viewport=viewport, device_scale_factor=scale, locale="ru-RU", bypass_csp=True
    )
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    checked = []

    def check(label: str) -> None:
        found = violations(page)
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > viewport["width"]:
            found.append(f"the page is {wide}px wide on a {viewport['width']}px screen")
        if found:
            problems[label] = found
        checked.append(label)
        if SCREENSHOTS:
            folder = Path(SCREENSHOTS) / screen
            folder.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w]+", "-", label).strip("-") or "home"
            page.screenshot(path=folder / f"{name}.png", full_page=True)

    def visit(path: str) -> None:
        response = page.goto(f"{live_server.url}{path}")
        kind = response.headers.get("content-type", "") if response else ""
        if kind.startswith("text/html"):
            check(path)

    for path in public:
        visit(path)
    # The forms after a refused submit: the error summary, invalid fields, the title.
    for path, button in (("/register/", "Зарегистрироваться"), ("/login/", "Войти")):
        page.goto(f"{live_server.url}{path}")
        page.get_by_role("button", name=button, exact=True).click()
        page.wait_for_load_state("load")
        assert page.title().startswith("Ошибка:"), path
        check(f"{path} (errors)")

    page.goto(f"{live_server.url}/login/")
    page.locator("#id_username").fill(resident.username)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Войти", exact=True).click()
    visit("/")
    for path in own:
        visit(path)
    page.goto(f"{live_server.url}{reverse('cabinet:attach')}")
    page.get_by_role("button", name="Сохранить", exact=True).click()
    page.wait_for_load_state("load")
    assert page.title().startswith("Ошибка:")
    check("attach (errors)")
    context.close()

    for needed in ("/login/", "/register/", "/password/reset/", f"/cabinet/{kamal.pk}/"):
        assert needed in checked, (needed, checked)
    assert not problems, "\n".join(
        f"{label}:\n  " + "\n  ".join(found) for label, found in problems.items()
    )


def test_the_check_catches_what_it_should(page: Page):
    """The checker itself: a picture without alt text, an unlabelled box, a table region
    that scrolls but cannot take focus are reported; the fixed versions are not."""
    page.set_viewport_size({"width": 390, "height": 600})
    page.set_content(
        '<html lang="ru"><title>t</title><main><img src="data:,">'
        '<input type="text"><div style="overflow-x:auto;width:100px">'
        '<table><tr><td style="white-space:nowrap">' + "длинная строка " * 20 + "</td></tr>"
        "</table></div></main></html>"
    )
    found = " ".join(violations(page))
    assert "image-alt" in found and "label" in found and "scrollable-region-focusable" in found
    page.set_content(
        '<html lang="ru"><title>t</title><main><img src="data:," alt="Код">'
        '<label for="a">Код</label><input id="a" type="text">'
        '<div style="overflow-x:auto;width:100px" role="region" tabindex="0" aria-label="Т">'
        '<table><tr><td style="white-space:nowrap">' + "длинная строка " * 20 + "</td></tr>"
        "</table></div></main></html>"
    )
    assert violations(page) == []
