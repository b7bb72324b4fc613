"""The registry: organizations, houses, premises and personal accounts (лицевые счета)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

digits = {
    n: RegexValidator(rf"^\d{{{n}}}$", _("Должно быть ровно %(n)d цифр.") % {"n": n})
    for n in (9, 10, 12, 13, 15, 20)
}
inn_validator = RegexValidator(r"^(\d{10}|\d{12})$", _("ИНН: 10 или 12 цифр."))
ogrn_validator = RegexValidator(r"^(\d{13}|\d{15})$", _("ОГРН: 13 или 15 цифр."))
day_of_month = [MinValueValidator(1), MaxValueValidator(31)]


class Organization(models.Model):
    """A managing organization (управляющая организация) or a supplier.

    Carries what the payment document prints: requisites, bank details, contacts.
    """

    name = models.CharField(_("наименование"), max_length=160)
    is_management_company = models.BooleanField(
        _("управляющая организация"),
        default=True,
        help_text=_("Снимите флажок для поставщика услуг, который не ведет лицевые счета."),
    )
    is_site_operator = models.BooleanField(
        _("оператор кабинета"),
        default=False,
        help_text=_("Контакты этой организации показываются внизу каждой страницы."),
    )
    inn = models.CharField(_("ИНН"), max_length=12, validators=[inn_validator])
    kpp = models.CharField(_("КПП"), max_length=9, blank=True, validators=[digits[9]])
    ogrn = models.CharField(_("ОГРН"), max_length=15, blank=True, validators=[ogrn_validator])
    address = models.CharField(_("адрес"), max_length=255, blank=True)
    phone = models.CharField(_("телефон"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    site = models.URLField(_("сайт"), blank=True)
    working_hours = models.CharField(_("часы работы"), max_length=255, blank=True)

    # Bank details for payment documents and the payment QR code (ГОСТ Р 56042-2014).
    settlement_account = models.CharField(
        _("расчетный счет"), max_length=20, blank=True, validators=[digits[20]]
    )
    bank_name = models.CharField(_("банк"), max_length=45, blank=True)
    bic = models.CharField(_("БИК"), max_length=9, blank=True, validators=[digits[9]])
    correspondent_account = models.CharField(
        _("корреспондентский счет"), max_length=20, blank=True, validators=[digits[20]]
    )

    # Meter readings are accepted on these days of each month (ПП 354; contract may differ).
    reading_window_start_day = models.PositiveSmallIntegerField(
        _("прием показаний с"), default=15, validators=day_of_month
    )
    reading_window_end_day = models.PositiveSmallIntegerField(
        _("прием показаний по"), default=25, validators=day_of_month
    )

    # Online payment settings live in the payments app (payments.GatewaySettings).

    class Meta:
        verbose_name = _("организация")
        verbose_name_plural = _("организации")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["inn", "kpp"], name="organization_inn_kpp_unique"),
            models.UniqueConstraint(
                fields=["is_site_operator"],
                condition=models.Q(is_site_operator=True),
                name="organization_single_site_operator",
                violation_error_message=_(
                    "Оператором кабинета может быть только одна организация."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    reading_window_start_day__lte=models.F("reading_window_end_day")
                ),
                name="organization_reading_window_ordered",
                violation_error_message=_("Начало приема показаний должно быть не позже конца."),
            ),
        ]

    def __str__(self):
        return self.name


class House(models.Model):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="houses",
        verbose_name=_("управляющая организация"),
    )
    city = models.CharField(_("населенный пункт"), max_length=100)
    street = models.CharField(_("улица"), max_length=150)
    number = models.CharField(_("дом"), max_length=20)
    block = models.CharField(_("корпус/строение"), max_length=20, blank=True)
    postal_code = models.CharField(_("индекс"), max_length=6, blank=True)
    total_area = models.DecimalField(
        _("общая площадь, кв. м"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    common_area = models.DecimalField(
        _("площадь общего имущества, кв. м"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Для начислений на общедомовые нужды (СОИ) по нормативу."),
    )
    common_cap_lifted = models.BooleanField(
        _("СОИ сверх норматива"),
        default=False,
        help_text=_(
            "Общее собрание собственников решило распределять общедомовое потребление "
            "полностью, без ограничения нормативом."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("дом")
        verbose_name_plural = _("дома")
        ordering = ["city", "street", "number", "block"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "city", "street", "number", "block"],
                name="house_address_unique",
            )
        ]

    def __str__(self):
        return self.address

    @property
    def street_address(self) -> str:
        """ "ул. Гражданская, д. 1" (+ ", корп. 2")."""
        text = gettext("%(street)s, д. %(number)s") % {
            "street": self.street,
            "number": self.number,
        }
        if self.block:
            text = gettext("%(address)s, корп. %(block)s") % {"address": text, "block": self.block}
        return text

    @property
    def address(self) -> str:
        return f"{self.city}, {self.street_address}"


class Premises(models.Model):
    class PropertyType(models.TextChoices):
        MUNICIPAL = "municipal", _("Муниципальная")
        PRIVATE = "private", _("Частная")
        STATE = "state", _("Государственная")
        SHARED = "shared", _("Общая долевая")
        OTHER = "other", _("Иная")

    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="premises", verbose_name=_("дом")
    )
    number = models.CharField(
        _("номер помещения"), max_length=20, help_text=_("Например, 154 или 12а.")
    )
    area = models.DecimalField(
        _("площадь, кв. м"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    property_type = models.CharField(
        _("тип собственности"), max_length=16, choices=PropertyType, default=PropertyType.PRIVATE
    )
    residents_registered = models.PositiveSmallIntegerField(
        _("зарегистрировано жильцов"), default=0
    )

    class Meta:
        verbose_name = _("помещение")
        verbose_name_plural = _("помещения")
        ordering = ["house", "number"]
        constraints = [
            models.UniqueConstraint(fields=["house", "number"], name="premises_number_unique"),
            models.CheckConstraint(condition=models.Q(area__gt=0), name="premises_area_positive"),
        ]

    def __str__(self):
        return self.address

    @property
    def address(self) -> str:
        return gettext("%(address)s, кв. %(number)s") % {
            "address": self.house.address,
            "number": self.number,
        }


class PersonalAccount(models.Model):
    """A personal account (лицевой счет): what charges and payments are booked to."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("управляющая организация"),
    )
    premises = models.ForeignKey(
        Premises, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("помещение")
    )
    number = models.CharField(
        _("номер лицевого счета"),
        max_length=20,
        validators=[
            RegexValidator(r"^[0-9A-Za-z-]+$", _("Только цифры, латинские буквы и дефис."))
        ],
    )
    holder_name = models.CharField(
        _("абонент (ФИО)"),
        max_length=255,
        help_text=_("Собственник или ответственный квартиросъемщик."),
    )
    opened_on = models.DateField(_("открыт"))
    closed_on = models.DateField(_("закрыт"), null=True, blank=True)
    # Set by housing.services.account_attach when wrong proofs for this account by anyone
    # reach ACCOUNT_ATTACH_ALERT_PER_ACCOUNT within the window: somebody may be guessing.
    # The owner's right proof is still accepted; staff look and clear the mark.
    attach_alert_at = models.DateTimeField(
        _("подбор данных для привязки"),
        null=True,
        blank=True,
        help_text=_(
            "Когда неверных попыток привязать этот счет стало слишком много. Проверьте "
            "попытки привязки и очистите поле."
        ),
    )

    class Meta:
        verbose_name = _("лицевой счет")
        verbose_name_plural = _("лицевые счета")
        ordering = ["organization", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"],
                name="account_number_unique_per_organization",
                violation_error_message=_("Лицевой счет с таким номером в организации уже есть."),
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | models.Q(closed_on__gte=models.F("opened_on")),
                name="account_closed_after_opened",
                violation_error_message=_("Дата закрытия не может быть раньше даты открытия."),
            ),
        ]

    def __str__(self):
        return f"№ {self.number}"

    def clean(self):
        from django.core.exceptions import ValidationError

        premises = getattr(self, "premises", None) if self.premises_id else None
        if (
            premises
            and self.organization_id
            and premises.house.organization_id != self.organization_id
        ):
            raise ValidationError(
                {"premises": _("Помещение находится в доме другой управляющей организации.")}
            )


class AccountLink(models.Model):
    """A user's access to a personal account, granted by proving its last payment.

    One user may hold several accounts (of different organizations too); one account
    may be held by several users (family members). See `housing.services.account_attach`.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account_links",
        verbose_name=_("пользователь"),
    )
    account = models.ForeignKey(
        PersonalAccount,
        on_delete=models.CASCADE,
        related_name="links",
        verbose_name=_("лицевой счет"),
    )
    created_at = models.DateTimeField(_("привязан"), auto_now_add=True)
    # What the user wants to receive for this account by e-mail.
    receipts_by_email = models.BooleanField(_("квитанции по e-mail"), default=False)
    reading_reminders = models.BooleanField(_("напоминания о показаниях счетчиков"), default=True)

    class Meta:
        verbose_name = _("привязка лицевого счета")
        verbose_name_plural = _("привязки лицевых счетов")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "account"],
                name="account_link_unique",
                violation_error_message=_("Этот лицевой счет уже привязан к пользователю."),
            )
        ]

    def __str__(self):
        return f"{self.user_id} → {self.account_id}"


class AccountAttachAttempt(models.Model):
    """The log of every try to attach an account: the audit trail and the lockout's counter.

    Rows are written by `housing.services.account_attach` only; the entered proof
    (date and amount) is not stored.
    """

    class Outcome(models.TextChoices):
        ATTACHED = "attached", _("привязан")
        ALREADY_ATTACHED = "already", _("уже был привязан")
        WRONG_PROOF = "wrong", _("неверные данные платежа")
        LOCKED = "locked", _("отказ: превышено число попыток")
        BY_STAFF = "staff", _("привязан сотрудником")

    # SET_NULL: deleting a user must not erase the failures counted against an account.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("пользователь"),
    )
    account = models.ForeignKey(
        PersonalAccount,
        on_delete=models.CASCADE,
        related_name="attach_attempts",
        verbose_name=_("лицевой счет"),
    )
    outcome = models.CharField(_("результат"), max_length=8, choices=Outcome)
    ip_address = models.GenericIPAddressField(_("IP-адрес"), null=True, blank=True)
    created_at = models.DateTimeField(_("время"), default=timezone.now)

    class Meta:
        verbose_name = _("попытка привязки лицевого счета")
        verbose_name_plural = _("попытки привязки лицевых счетов")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["account", "outcome", "created_at"], name="attach_attempt_account_idx"
            ),
            models.Index(fields=["user", "outcome", "created_at"], name="attach_attempt_user_idx"),
        ]

    def __str__(self):
        return f"{self.created_at:%d.%m.%Y %H:%M} {self.get_outcome_display()}"
