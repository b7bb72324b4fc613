"""Online payments and the log of what the gateways told us about them."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import MONEY, AppendOnlyQuerySet, Payment
from kabinet.core.money import format_money
from kabinet.housing.models import PersonalAccount

from .gateway import GatewayKind


def _transaction_id() -> str:
    # Random, not a sequence: two Kabinet databases (a staging copy, say) may share one
    # gateway account, which refuses a transaction id it has seen.
    return uuid.uuid4().hex


class OnlinePayment(models.Model):
    """A payment a resident started online. Its money reaches the ledger only when a
    verified notification comes (payments/services.py, `notification_receive`)."""

    class Status(models.TextChoices):
        CREATED = "created", _("ожидает оплаты")
        IN_PROGRESS = "in_progress", _("в обработке у платежной системы")
        PAID = "paid", _("зачислен")
        # The gateway's test mode moves no money: acknowledged, never credited.
        TEST_PAID = "test_paid", _("проведен в тестовом режиме, не зачисляется")
        FAILED = "failed", _("не прошел")

    transaction_id = models.CharField(
        _("номер платежа (MNT_TRANSACTION_ID)"),
        max_length=64,
        unique=True,
        default=_transaction_id,
        editable=False,
    )
    account = models.ForeignKey(
        PersonalAccount,
        on_delete=models.PROTECT,
        related_name="online_payments",
        verbose_name=_("лицевой счет"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто начал"),
    )
    # Copied from the organization's settings when the payment starts: a notification is
    # checked against what was asked for, whatever the settings say later.
    gateway = models.CharField(_("платежная система"), max_length=16, choices=GatewayKind)
    merchant_id = models.CharField(_("номер счета (MNT_ID)"), max_length=20)
    test_mode = models.BooleanField(_("тестовый режим"), default=False)
    amount = models.DecimalField(_("сумма"), **MONEY)
    currency = models.CharField(_("валюта"), max_length=3, default="RUB")
    receipt_contact = models.CharField(
        _("e-mail или телефон для чека"), max_length=254, blank=True
    )
    status = models.CharField(
        _("состояние"), max_length=16, choices=Status, default=Status.CREATED
    )
    status_note = models.CharField(_("основание состояния"), max_length=255, blank=True)
    operation_id = models.CharField(
        _("номер операции платежной системы"), max_length=64, blank=True
    )
    ledger_payment = models.OneToOneField(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="online_payment",
        verbose_name=_("платеж в учете"),
    )
    created_at = models.DateTimeField(_("начат"), auto_now_add=True, db_index=True)
    notified_at = models.DateTimeField(
        _("первое подтвержденное уведомление"), null=True, blank=True
    )
    paid_at = models.DateTimeField(_("зачислен"), null=True, blank=True)
    reconciled_at = models.DateTimeField(_("сверен"), null=True, blank=True)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто сверил"),
    )

    class Meta:
        verbose_name = _("онлайн-платеж")
        verbose_name_plural = _("онлайн-платежи")
        ordering = ["-created_at", "-id"]
        permissions = [("credit_onlinepayment", _("Может зачислить онлайн-платеж по сверке"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="online_payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="paid")
                | (~models.Q(operation_id="") & models.Q(ledger_payment__isnull=False)),
                name="online_payment_paid_has_ledger_row",
            ),
        ]

    def __str__(self):
        return gettext("Онлайн-платеж %(amount)s ₽ (%(status)s)") % {
            "amount": format_money(self.amount),
            "status": self.get_status_display(),
        }

    @property
    def is_paid(self) -> bool:
        return self.status in (self.Status.PAID, self.Status.TEST_PAID)


class Notification(models.Model):
    """Every notification and check request a gateway sent, and what Kabinet made of it.

    Written once, never changed (the audit trail of every credit and every refusal);
    only the fields named by the gateway's protocol are kept, never anything else.
    """

    class Kind(models.TextChoices):
        PAY = "pay", _("уведомление об оплате (Pay URL)")
        CHECK = "check", _("проверочный запрос (Check URL)")

    class Outcome(models.TextChoices):
        CREDITED = "credited", _("зачислен")
        REPEAT = "repeat", _("повтор: уже зачислен")
        CREDITED_AGAIN = "again", _("зачислен: вторая операция по тому же платежу")
        TEST_PAID = "test_paid", _("тестовый платеж: не зачисляется")
        IN_PROGRESS = "in_progress", _("в обработке")
        FAILED = "failed", _("платеж не прошел")
        LATE_FAILURE = "late_failure", _("отмена после зачисления: ничего не изменено")
        CHECKED = "checked", _("проверка: дан ответ")
        MALFORMED = "malformed", _("отказ: неполные или неверные данные")
        UNKNOWN = "unknown", _("отказ: неизвестный платеж")
        NO_CODE = "no_code", _("отказ: не задан код проверки целостности")
        BAD_SIGNATURE = "signature", _("отказ: неверная подпись")
        WRONG_ACCOUNT = "account", _("отказ: чужой номер счета (MNT_ID)")
        WRONG_AMOUNT = "amount", _("отказ: сумма не совпадает")
        WRONG_CURRENCY = "currency", _("отказ: валюта не совпадает")
        WRONG_TEST_MODE = "test_mode", _("отказ: тестовый режим")
        UNKNOWN_COMMAND = "command", _("отказ: неизвестная команда")
        OPERATION_CONFLICT = "conflict", _("отказ: операция уже зачислена по другому платежу")

    # Verified by signature, yet not what was expected: an accountant should look.
    ATTENTION = (
        Outcome.CREDITED_AGAIN,
        Outcome.LATE_FAILURE,
        Outcome.WRONG_ACCOUNT,
        Outcome.WRONG_AMOUNT,
        Outcome.WRONG_CURRENCY,
        Outcome.WRONG_TEST_MODE,
        Outcome.UNKNOWN_COMMAND,
        Outcome.OPERATION_CONFLICT,
    )

    received_at = models.DateTimeField(_("получено"), auto_now_add=True, db_index=True)
    gateway = models.CharField(_("платежная система"), max_length=16, choices=GatewayKind)
    kind = models.CharField(_("вид"), max_length=8, choices=Kind)
    online_payment = models.ForeignKey(
        OnlinePayment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("онлайн-платеж"),
    )
    ledger_payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("платеж в учете"),
    )
    transaction_id = models.CharField(_("номер платежа"), max_length=255, blank=True)
    operation_id = models.CharField(_("номер операции"), max_length=255, blank=True)
    command = models.CharField(_("команда"), max_length=255, blank=True)
    amount = models.CharField(_("сумма"), max_length=64, blank=True)
    signature_valid = models.BooleanField(_("подпись верна"), null=True)
    outcome = models.CharField(_("результат"), max_length=16, choices=Outcome)
    answer = models.TextField(_("ответ Кабинета"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP-адрес"), null=True, blank=True)
    params = models.JSONField(_("поля запроса"), default=dict)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("уведомление платежной системы")
        verbose_name_plural = _("уведомления платежной системы")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["outcome", "received_at"], name="notification_outcome_idx")
        ]

    def __str__(self):
        return f"{self.received_at:%d.%m.%Y %H:%M:%S} {self.get_outcome_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The notification log is append-only.")
        super().save(*args, **kwargs)

    @property
    def needs_attention(self) -> bool:
        return self.outcome in self.ATTENTION
