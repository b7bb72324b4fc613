from django.utils.functional import SimpleLazyObject

from kabinet.housing.models import Organization


def site(request):
    """The site operator's organization, for the footer's contacts (one query, only if used)."""
    return {
        "site_operator": SimpleLazyObject(
            lambda: Organization.objects.filter(is_site_operator=True).first()
        )
    }
