"""What the meters app asks billing: which months an organization has closed.

Meters sit below billing, so they cannot import it; `settings.METER_READINGS_CLOSED_MONTHS`
names this function instead (docs/meters.md). A closed month's readings are final: a
resident's late reading counts for the next open month, staff cannot change them.
"""

import datetime

from .models import BillingPeriod


def closed_months(*, organization_id: int, since: datetime.date) -> list[datetime.date]:
    return list(
        BillingPeriod.objects.filter(
            organization_id=organization_id, month__gte=since, is_closed=True
        ).values_list("month", flat=True)
    )
