"""Middleware of the floor: no page Kabinet renders is kept by a cache (docs/security.md).

Static files never reach this middleware (WhiteNoise answers them further out, with
their own long-lived, public headers).
"""

from django.utils.cache import patch_cache_control


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
