"""How an organization takes payments online: its gateway, account and receipt settings."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import MONEY
from kabinet.housing.models import Organization

from .. import crypto


class GatewayKind(models.TextChoices):
    MONETA = "moneta", _("Moneta.ru (MONETA.Assistant)")
    SANDBOX = "sandbox", _("Песочница: тестовая оплата в самом Кабинете")


class VatTag(models.TextChoices):
    """Tax codes of a receipt line in Moneta's 54-ФЗ attributes (vatTag)."""

    NONE = "1105", _("НДС не облагается")
    VAT0 = "1104", _("НДС 0 %")
    VAT10 = "1103", _("НДС 10 %")
    VAT20 = "1102", _("НДС 20 %")


class GatewaySettings(models.Model):
    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="payment_gateway",
        verbose_name=_("управляющая организация"),
    )
    enabled = models.BooleanField(
        _("онлайн-оплата включена"),
        default=True,
        help_text=_("Снимите флажок, чтобы кнопка «Оплатить» пропала у жильцов."),
    )
    kind = models.CharField(
        _("платежная система"), max_length=16, choices=GatewayKind, default=GatewayKind.MONETA
    )
    account_id = models.CharField(
        _("номер счета (MNT_ID)"),
        max_length=20,
        validators=[RegexValidator(r"^\d{1,20}$", _("Только цифры: номер расширенного счета."))],
    )
    test_mode = models.BooleanField(
        _("тестовый режим (MNT_TEST_MODE)"),
        default=False,
        help_text=_(
            "Для проверки подключения: платежи в тестовом режиме проходят весь путь, но на "
            "лицевые счета не зачисляются. Без флажка уведомления в тестовом режиме "
            "отклоняются."
        ),
    )
    # Fernet token (payments/crypto.py); the code itself is never shown back.
    integrity_code_encrypted = models.TextField(blank=True, editable=False)
    page_url = models.URLField(
        _("адрес платежной страницы"),
        blank=True,
        help_text=_(
            "Пусто: https://moneta.ru/assistant.htm (демо-площадка Moneta: "
            "https://demo.moneta.ru/assistant.htm); для песочницы — страница самого Кабинета."
        ),
    )
    site_url = models.URLField(
        _("адрес Кабинета"),
        blank=True,
        help_text=_(
            "Откуда платежная система возвращает жильца и куда шлет уведомления. "
            "Пусто: адрес из настройки SITE_URL."
        ),
    )
    max_amount = models.DecimalField(
        _("наибольшая сумма одного платежа, ₽"),
        default=Decimal("100000.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        **MONEY,
    )
    fiscal_receipts = models.BooleanField(
        _("передавать данные для чека (54-ФЗ)"),
        default=False,
        help_text=_(
            "Ответ на уведомление об оплате несет состав чека и e-mail или телефон "
            "плательщика (INVENTORY, CUSTOMER) для онлайн-кассы Moneta."
        ),
    )
    receipt_item_name = models.CharField(
        _("предмет расчета в чеке"),
        max_length=128,
        default="Оплата жилищно-коммунальных услуг",
    )
    receipt_vat_tag = models.CharField(
        _("НДС в чеке"), max_length=4, choices=VatTag, default=VatTag.NONE
    )
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        verbose_name = _("настройки онлайн-оплаты")
        verbose_name_plural = _("настройки онлайн-оплаты")
        ordering = ["organization__name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_amount__gt=0), name="gateway_max_amount_positive"
            )
        ]

    def __str__(self):
        return f"{self.organization}: {self.get_kind_display()}"

    @property
    def code_in_environment(self) -> bool:
        return crypto.code_from_environment(self.account_id) is not None

    def integrity_code(self) -> str | None:
        """The environment's code for this account if set, else the stored one."""
        return crypto.code_from_environment(self.account_id) or crypto.code_decrypt(
            self.integrity_code_encrypted
        )

    def base_url(self) -> str:
        return (self.site_url or settings.SITE_URL).rstrip("/")
