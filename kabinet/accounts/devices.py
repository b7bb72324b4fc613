"""A browser's User-Agent in plain words: "Chrome, Windows", "Safari, iPhone".

For the list of active sessions only (docs/profile.md): people recognise their own
devices by browser and system, so a few dozen patterns are enough, and an unknown
string is shown as "Неизвестное устройство" rather than guessed at. The order of the
patterns matters: Edge, Opera and Яндекс Браузер also say "Chrome", Chrome also says
"Safari", every Android browser also says "Linux".
"""

import re

from django.utils.translation import gettext as _

_BROWSERS = (
    (re.compile(r"YaBrowser/"), "Яндекс Браузер"),
    (re.compile(r"EdgA?/|Edg/|Edge/"), "Edge"),
    (re.compile(r"OPR/|Opera"), "Opera"),
    (re.compile(r"SamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"Firefox/|FxiOS/"), "Firefox"),
    (re.compile(r"CriOS/|Chrome/|Chromium/"), "Chrome"),
    (re.compile(r"Version/[\d.]+.*Safari/"), "Safari"),
    (re.compile(r"MSIE |Trident/"), "Internet Explorer"),
)

_SYSTEMS = (
    (re.compile(r"iPhone"), "iPhone"),
    (re.compile(r"iPad"), "iPad"),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"CrOS"), "ChromeOS"),
    (re.compile(r"Mac OS X|Macintosh"), "macOS"),
    (re.compile(r"Linux|X11"), "Linux"),
)


def _first(patterns, text: str) -> str | None:
    return next((name for pattern, name in patterns if pattern.search(text)), None)


def device_name(user_agent: str) -> str:
    """ "Chrome, Windows"; "Firefox" or "Android" when only one is known."""
    text = user_agent or ""
    browser, system = _first(_BROWSERS, text), _first(_SYSTEMS, text)
    if browser and system:
        return f"{browser}, {system}"
    return browser or system or _("Неизвестное устройство")
