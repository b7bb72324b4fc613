"""Middleware of the floor: no page Kabinet renders is kept by a cache, static files are
served without the manifest (docs/security.md).

Static files never reach this middleware (WhiteNoise answers them further out, with
their own long-lived, public headers).
"""

from django.utils.cache import patch_cache_control
from whitenoise.middleware import WhiteNoiseMiddleware


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response Django renders.

    Wholesale rather than per view: the account pages, the profile, the attach options'
    JSON, the login and recovery pages, the back office and any page added later show or
    may show personal data, and a rule per view is a rule somebody forgets. A shared
    cache (a proxy, a CDN) must not keep them and a browser must not keep them on disk
    after logout. The few public pages lose nothing that matters (they are small).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, but the manifest `collectstatic` writes (staticfiles.json: every file's
    hashed name) is not a static file: it is not served."""

    HIDDEN = ("staticfiles.json",)

    def _hidden(self, url: str) -> bool:
        return url.rsplit("/", 1)[-1] in self.HIDDEN

    def add_file_to_dictionary(self, url, path, stat_cache=None):
        if not self._hidden(url):
            super().add_file_to_dictionary(url, path, stat_cache=stat_cache)

    def find_file(self, url):
        return None if self._hidden(url) else super().find_file(url)
