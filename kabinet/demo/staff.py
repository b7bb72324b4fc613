"""Demo logins for the back office, printed by `make run`."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from kabinet.accounts.models import User

DEMO_LOGINS = [
    # (login, password, role); demo only: a real deployment creates its own staff.
    ("admin", "kabinet-admin-2014", "администратор (все права)"),
    ("operator", "kabinet-operator-2014", "сотрудник управляющей организации"),
]
STAFF_GROUP = "Сотрудники управляющей организации"
# Ledgers (and the log of gateway notifications) are viewed and appended to, never edited;
# so are the history of meter readings and the reminders sent. Bank registers are loaded
# (add: upload, check, post or discard a draft) and viewed, never edited; register formats
# are the staff's to configure. The penalty tables (rates, caps, moratoria, contract due
# days) are dated rows added, never edited (docs/penalties.md).
LEDGER_MODELS = {
    "charge", "penalty", "payment", "notification", "register", "registerline",
    "readingsubmission", "readingreminder", "penaltyline", "keyrate", "penaltycap",
    "penaltymoratorium", "contractdueday",
}  # fmt: skip


def staff_group() -> Group:
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    registry = Q(
        content_type__app_label__in=["housing", "billing", "meters", "payments", "receipts"]
    )
    ledger_edit = Q(content_type__model__in=LEDGER_MODELS) & (
        Q(codename__startswith="change_") | Q(codename__startswith="delete_")
    )
    group.permissions.set(Permission.objects.filter(registry).exclude(ledger_edit))
    return group


def staff_users_load() -> None:
    group = staff_group()
    for login, password, _role in DEMO_LOGINS:
        user, created = User.objects.get_or_create(
            username=login,
            defaults={"email": f"{login}@kabinet.local", "is_staff": True},
        )
        if created:
            user.is_superuser = login == "admin"
            user.set_password(password)
            user.save()
        if not user.is_superuser:
            user.groups.add(group)
