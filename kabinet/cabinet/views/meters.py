"""The account's meters ("Показания счетчиков", section 4 of Fig. 5): the list with the
verification dates, each meter's history with a chart, and the form "Ввести показания".
Rules: docs/meters.md."""

import uuid

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from kabinet.cabinet import charts
from kabinet.cabinet.meter_forms import KEY, ReadingsForm
from kabinet.core.security import client_ip
from kabinet.meters import rules, selectors, services, window

from .base import account_view, render_account_page


@account_view()
def meters(request, held):
    account = held.account
    moment = window.moment_for(account.organization)
    context = {
        "moment": moment,
        "cards": selectors.account_meters(premises_id=account.premises_id, today=moment.today),
        "removed": list(
            selectors.removed_meters(premises_id=account.premises_id, today=moment.today)
        ),
    }
    return render_account_page(request, held, "cabinet/meters/list.html", "meters", context)


@account_view()
def meter_history(request, held, meter_id: int):
    meter = selectors.premises_meter(premises_id=held.account.premises_id, meter_id=meter_id)
    if meter is None:
        raise Http404("No such meter on this account")
    rows = selectors.meter_history(meter=meter)
    today = window.local_now().date()
    context = {
        "meter": meter,
        "verification": selectors.verification(meter, today=today),
        "rows": rows,
        "zones": [(zone, meter.zone_name(zone)) for zone in meter.zones],
        "chart": charts.consumption_chart(rows, meter=meter),
        "submissions": selectors.meter_submissions(meter=meter),
    }
    return render_account_page(request, held, "cabinet/meters/history.html", "meters", context)


def _receipt(sheet, key: str) -> list[dict]:
    """What the form with `key` gave, with the use each value makes."""
    states = {(s.meter.pk, s.zone): s for item in sheet for s in item.zones}
    lines = []
    for row in selectors.submissions_of(key=key, meter_ids=[item.meter.pk for item in sheet]):
        state = states.get((row.meter_id, row.zone))
        if state is None:
            continue
        use = None
        if state.period == row.period and state.previous is not None:
            use = rules.consumption(
                state.previous.value,
                row.value,
                capacity=state.meter.capacity,
                rollover=row.rollover,
            )
        lines.append({"submission": row, "state": state, "use": use})
    return lines


@account_view(methods=("GET", "POST"))
def meters_submit(request, held):
    account = held.account
    moment = window.moment_for(account.organization)
    sheet = selectors.submission_sheet(
        premises_id=account.premises_id, period=moment.period, today=moment.today
    )
    email = request.user.email or ""
    receipt, mailed = [], False
    if request.method == "POST":
        form = ReadingsForm(request.POST, sheet=sheet, email=email)
        if form.is_valid():
            try:
                result = services.readings_submit(
                    account=account,
                    entries=form.entries(),
                    user=request.user,
                    key=form.cleaned_data["key"],
                    ip=client_ip(request),
                    confirm_by_email=bool(form.cleaned_data.get("confirm_by_email")),
                )
            except services.ReadingsRefused as refused:
                if refused.stale_form:
                    data = request.POST.copy()
                    data["key"] = uuid.uuid4().hex
                    form = ReadingsForm(data, sheet=sheet, email=email)
                    form.is_valid()
                form.refuse(refused)
            else:
                query = {"done": result.key}
                if form.cleaned_data.get("confirm_by_email") and not result.duplicate:
                    query["mail"] = "1"
                url = reverse("cabinet:meters_submit", args=[account.pk])
                return redirect(f"{url}?{urlencode(query)}")
    else:
        form = ReadingsForm(sheet=sheet, email=email)
        done = request.GET.get("done", "")
        if KEY.fullmatch(done):
            receipt = _receipt(sheet, done)
            mailed = request.GET.get("mail") == "1" and bool(email)
    context = {
        "moment": moment,
        "form": form,
        "groups": form.groups(),
        "receipt": receipt,
        "mailed": mailed,
    }
    return render_account_page(request, held, "cabinet/meters/submit.html", "meters", context)
