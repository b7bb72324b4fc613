"""The monthly billing run: every figure a resident sees comes out of it (docs/billing.md).

For one organization and one open period, each open account is charged for each service
of the organization by the service's method, with the tariff in force on the period's
first day (a house's own tariff winning). The work is split into chunks of whole houses;
each chunk is one transaction that replaces the chunk's lines of the period as a whole
set, so a chunk is either untouched or complete, and running the period again (late
readings, a corrected tariff, a new recalculation) always ends with exactly the lines a
fresh run gives. Closing the period freezes its lines for good (kabinet/billing/sql.py).

Rooms:
- `service.py`: start a run (foreground, or chunks handed to the task workers), run a
  chunk, close a period;
- `plan.py`: the chunks of houses;
- `usage.py`: what each meter used (readings; the average, then the norm, when none were
  submitted; a replaced meter's last part);
- `lines.py`: the charge lines, set-based (`INSERT … SELECT`), the common-property
  share, the recalculations;
- `penalties.py`: each account's penalty for the period with its breakdown (the
  calculation is kabinet/billing/penalties/);
- `sql.py`: the chunk's SQL pieces.
"""

from .service import (
    RunRefused,
    billing_run,
    billing_run_chunk,
    period_close,
    run_is_active,
)

__all__ = ["RunRefused", "billing_run", "billing_run_chunk", "period_close", "run_is_active"]
