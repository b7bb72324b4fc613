"""Fixed texts translated once per language.

Kabinet's messages are written in Russian, the language it is served in, so a lookup
misses every one of Django's catalogs (each tried twice) before it falls back to the
message: a few microseconds, which a page naming a month on every row of a 36-month
ledger spends a hundred times over (bench/bench_ledger_pages.py). Texts that never change
while the process runs (month names, labels of choices, the side menu) are built once
per language by a function decorated with `per_language`.
"""

import functools
from collections.abc import Callable

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import get_language

_CACHES: list[dict] = []


def per_language[T](build: Callable[[], T]) -> Callable[[], T]:
    """`build()`'s result for the active language, built on the first call in it."""
    built: dict[str | None, T] = {}

    @functools.wraps(build)
    def for_active_language() -> T:
        language = get_language()
        try:
            return built[language]
        except KeyError:
            built[language] = value = build()
            return value

    _CACHES.append(built)
    return for_active_language


@receiver(setting_changed)
def _catalogs_changed(*, setting, **kwargs):
    """A test that changes what the catalogs hold changes the translations too (Django
    drops its loaded catalogs on the same settings)."""
    if setting in {"LANGUAGE_CODE", "LANGUAGES", "LOCALE_PATHS", "INSTALLED_APPS"}:
        for built in _CACHES:
            built.clear()
