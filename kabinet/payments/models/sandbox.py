"""The sandbox gateway's own books: the operations its payment page made (docs/payments.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SandboxOperation(models.Model):
    """An operation of the sandbox, as Moneta keeps one: made by its payment page, then
    announced to the shop's Pay URL until acknowledged. No card data is kept."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", _("проведена")
        DECLINED = "declined", _("отклонена")
        IN_PROGRESS = "in_progress", _("в обработке")

    # The request's fields as the shop sent them (raw: they are signed as they are).
    merchant_id = models.CharField(_("MNT_ID"), max_length=20)
    transaction_id = models.CharField(_("MNT_TRANSACTION_ID"), max_length=255)
    amount = models.CharField(_("MNT_AMOUNT"), max_length=32)
    currency = models.CharField(_("MNT_CURRENCY_CODE"), max_length=3)
    subscriber_id = models.CharField(_("MNT_SUBSCRIBER_ID"), max_length=255, blank=True)
    test_mode = models.CharField(_("MNT_TEST_MODE"), max_length=1, blank=True)
    description = models.CharField(_("MNT_DESCRIPTION"), max_length=500, blank=True)
    status = models.CharField(_("состояние"), max_length=16, choices=Status)
    pay_url = models.URLField(_("Pay URL"), max_length=500)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)
    completed_at = models.DateTimeField(_("проведена"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("попыток уведомить"), default=0)
    acknowledged_at = models.DateTimeField(_("уведомление принято"), null=True, blank=True)
    gave_up_at = models.DateTimeField(_("уведомления прекращены"), null=True, blank=True)
    last_answer = models.TextField(_("последний ответ магазина"), blank=True)

    class Meta:
        verbose_name = _("операция песочницы")
        verbose_name_plural = _("операции песочницы")
        ordering = ["-created_at", "-id"]
        constraints = [
            # As Moneta does: one paid operation per order of a shop.
            models.UniqueConstraint(
                fields=["merchant_id", "transaction_id"],
                condition=models.Q(status="succeeded"),
                name="sandbox_one_success_per_order",
            )
        ]

    def __str__(self):
        return f"№ {self.pk} {self.amount} {self.get_status_display()}"

    @property
    def operation_id(self) -> str:
        return str(self.pk)
