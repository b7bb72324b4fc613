"""Bank payment registers (реестры принятых платежей): the formats, the registers loaded,
and their lines with the outcome of each.

A register is loaded in two steps: checked (a draft: its lines carry the outcome they
would have, nothing is posted) and posted (each line imported, a duplicate or an error).
Each imported line links to the one `Payment` it posted (`RegisterLine.payment`); the
payment's identity at the bank is its `external_id` (docs/registers.md). Lines of a posted
register are never changed; a draft's lines are replaced when it is posted or discarded.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.housing.models import Organization, PersonalAccount

from .fields import MONEY
from .ledger import Payment

_column = {"validators": [MinValueValidator(1)], "help_text": _("Номер колонки, с 1.")}


class RegisterFormat(models.Model):
    """How to read the register of a bank or payment agent that has no built-in format:
    a delimited text file, with the columns named by number."""

    class Encoding(models.TextChoices):
        AUTO = "auto", _("определить (UTF-8 или Windows-1251)")
        CP1251 = "cp1251", _("Windows-1251")
        UTF8 = "utf-8", _("UTF-8")
        CP866 = "cp866", _("DOS (CP866)")
        KOI8R = "koi8-r", _("KOI8-R")

    class Delimiter(models.TextChoices):
        SEMICOLON = ";", _("точка с запятой (;)")
        COMMA = ",", _("запятая (,)")
        TAB = "tab", _("табуляция")
        PIPE = "|", _("вертикальная черта (|)")

    class DateFormat(models.TextChoices):
        DMY_DOTS = "%d.%m.%Y", _("ДД.ММ.ГГГГ")
        DMY_DASHES = "%d-%m-%Y", _("ДД-ММ-ГГГГ")
        DMY_SLASHES = "%d/%m/%Y", _("ДД/ММ/ГГГГ")
        YMD = "%Y-%m-%d", _("ГГГГ-ММ-ДД")
        DMY_SHORT = "%d.%m.%y", _("ДД.ММ.ГГ")

    class DecimalMark(models.TextChoices):
        COMMA = ",", _("запятая: 1250,50")
        POINT = ".", _("точка: 1250.50")

    name = models.CharField(
        _("название формата"),
        max_length=60,
        unique=True,
        help_text=_(
            "Так формат называется в списке при загрузке и в команде "
            "manage.py payments_import --format."
        ),
    )
    bank = models.CharField(
        _("банк или платежный агент"), max_length=120, help_text=_("Печатается в реестре.")
    )
    encoding = models.CharField(
        _("кодировка"), max_length=8, choices=Encoding, default=Encoding.AUTO
    )
    delimiter = models.CharField(
        _("разделитель полей"), max_length=3, choices=Delimiter, default=Delimiter.SEMICOLON
    )
    header_lines = models.PositiveSmallIntegerField(
        _("строк заголовка"), default=1, help_text=_("Сколько строк в начале файла пропустить.")
    )
    footer_lines = models.PositiveSmallIntegerField(
        _("строк в конце"),
        default=0,
        help_text=_(
            "Сколько строк в конце файла пропустить. Строки итогов («Итого», «Всего») "
            "распознаются и без этого."
        ),
    )
    date_column = models.PositiveSmallIntegerField(_("колонка даты платежа"), **_column)
    date_format = models.CharField(
        _("формат даты"), max_length=10, choices=DateFormat, default=DateFormat.DMY_DOTS
    )
    account_column = models.PositiveSmallIntegerField(_("колонка лицевого счета"), **_column)
    amount_column = models.PositiveSmallIntegerField(_("колонка суммы"), **_column)
    payment_id_column = models.PositiveSmallIntegerField(
        _("колонка номера платежа"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "Номер операции у банка: вместе с датой, лицевым счетом и суммой не дает "
            "провести платеж дважды."
        ),
    )
    period_column = models.PositiveSmallIntegerField(
        _("колонка периода"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    payer_column = models.PositiveSmallIntegerField(
        _("колонка ФИО плательщика"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    address_column = models.PositiveSmallIntegerField(
        _("колонка адреса"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    decimal_mark = models.CharField(
        _("десятичный разделитель суммы"),
        max_length=1,
        choices=DecimalMark,
        default=DecimalMark.COMMA,
    )
    thousands_spaces = models.BooleanField(
        _("пробелы между разрядами"),
        default=True,
        help_text=_("Сумма может быть записана как «1 250,00»."),
    )

    COLUMNS = (
        "date_column", "account_column", "amount_column", "payment_id_column",
        "period_column", "payer_column", "address_column",
    )  # fmt: skip

    class Meta:
        verbose_name = _("формат реестра")
        verbose_name_plural = _("форматы реестров")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_column__gte=1, account_column__gte=1, amount_column__gte=1)
                & models.Q(payment_id_column__gte=1),
                name="register_format_columns_from_one",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def separator(self) -> str:
        """The character between fields."""
        return "\t" if self.delimiter == self.Delimiter.TAB else self.delimiter

    def clean(self):
        taken: dict[int, str] = {}
        errors = {}
        for field_name in self.COLUMNS:
            number = getattr(self, field_name)
            if number is None:
                continue
            if number in taken:
                errors[field_name] = gettext("Колонка %(n)d уже выбрана для поля «%(other)s».") % {
                    "n": number,
                    "other": self._meta.get_field(taken[number]).verbose_name,
                }
            taken.setdefault(number, field_name)
        if errors:
            raise ValidationError(errors)


class Register(models.Model):
    """One bank file loaded for one organization: what it said and what came of it."""

    class Kind(models.TextChoices):
        SBER = "sber", _("Сбербанк")
        VTB = "vtb", _("ВТБ")
        CSV = "csv", _("CSV с заголовком")
        CUSTOM = "custom", _("настроенный формат")

    class Status(models.TextChoices):
        DRAFT = "draft", _("проверен, не проведен")
        IMPORTED = "imported", _("проведен")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="registers",
        verbose_name=_("управляющая организация"),
    )
    kind = models.CharField(_("формат"), max_length=8, choices=Kind)
    register_format = models.ForeignKey(
        RegisterFormat,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registers",
        verbose_name=_("настроенный формат"),
    )
    bank = models.CharField(_("банк"), max_length=120)
    status = models.CharField(_("состояние"), max_length=8, choices=Status, default=Status.DRAFT)

    file = models.FileField(_("файл"), upload_to="registers/%Y/%m/", max_length=255)
    file_name = models.CharField(_("имя файла"), max_length=255)
    file_hash = models.CharField(
        _("SHA-256 содержимого"),
        max_length=64,
        db_index=True,
        help_text=_("Один и тот же реестр узнается по нему, в архиве он или нет."),
    )
    file_size = models.PositiveBigIntegerField(_("размер, байт"), default=0)

    payment_order_number = models.CharField(_("платежное поручение №"), max_length=40, blank=True)
    payment_order_date = models.DateField(_("платежное поручение от"), null=True, blank=True)
    control_count = models.PositiveIntegerField(_("платежей по итоговой строке"), null=True)
    control_sum = models.DecimalField(_("сумма по итоговой строке"), null=True, **MONEY)
    control_transferred = models.DecimalField(_("перечислено банком"), null=True, **MONEY)
    control_fee = models.DecimalField(_("комиссия банка"), null=True, **MONEY)

    lines_count = models.PositiveIntegerField(_("строк платежей"), default=0)
    imported_count = models.PositiveIntegerField(_("зачислено"), default=0)
    imported_sum = models.DecimalField(_("зачислено, ₽"), default=0, **MONEY)
    duplicate_count = models.PositiveIntegerField(_("повторов"), default=0)
    duplicate_sum = models.DecimalField(_("повторы, ₽"), default=0, **MONEY)
    error_count = models.PositiveIntegerField(_("ошибок"), default=0)
    error_sum = models.DecimalField(
        _("в строках с ошибками, ₽"),
        default=0,
        help_text=_("Суммы, которые удалось прочитать."),
        **MONEY,
    )

    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("загрузил"),
        help_text=_("Пусто: загружен командой manage.py payments_import."),
    )
    created_at = models.DateTimeField(_("загружен"), auto_now_add=True)
    imported_at = models.DateTimeField(_("проведен"), null=True, blank=True)

    class Meta:
        verbose_name = _("реестр платежей")
        verbose_name_plural = _("реестры платежей")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="custom", register_format__isnull=False)
                | (~models.Q(kind="custom") & models.Q(register_format__isnull=True)),
                name="register_custom_kind_has_format",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", imported_at__isnull=True)
                | models.Q(status="imported", imported_at__isnull=False),
                name="register_imported_at_when_imported",
            ),
        ]

    def __str__(self):
        if self.payment_order_number:
            order = gettext("п/п № %(number)s") % {"number": self.payment_order_number}
            if self.payment_order_date:
                order += f" {gettext('от')} {self.payment_order_date:%d.%m.%Y}"
            return f"{self.bank}, {order}"
        return f"{self.bank}, {self.file_name}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class RegisterLine(models.Model):
    """One payment line of a register as written, with its outcome.

    In a draft, IMPORTED means "would be imported"; once the register is posted it means
    the line's payment was posted (`payment`), and DUPLICATE that the same bank payment
    had been posted before (`duplicate_of`).
    """

    class Outcome(models.TextChoices):
        IMPORTED = "imported", _("зачислен")
        DUPLICATE = "duplicate", _("повтор")
        ERROR = "error", _("ошибка")

    register = models.ForeignKey(
        Register, on_delete=models.CASCADE, related_name="lines", verbose_name=_("реестр")
    )
    number = models.PositiveIntegerField(_("строка файла"))
    outcome = models.CharField(_("результат"), max_length=9, choices=Outcome)
    reason = models.CharField(_("причина"), max_length=255, blank=True)
    external_id = models.CharField(_("идентификатор платежа"), max_length=255, blank=True)
    account = models.ForeignKey(
        PersonalAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("лицевой счет"),
    )
    account_number = models.CharField(_("лицевой счет в реестре"), max_length=40, blank=True)
    paid_on = models.DateField(_("дата платежа"), null=True, blank=True)
    amount = models.DecimalField(_("сумма"), null=True, blank=True, **MONEY)
    period = models.DateField(_("период"), null=True, blank=True)
    payer = models.CharField(_("плательщик"), max_length=255, blank=True)
    address = models.CharField(_("адрес"), max_length=255, blank=True)
    text = models.CharField(
        _("строка как есть"), max_length=500, blank=True, help_text=_("Для строк с ошибкой.")
    )
    payment = models.OneToOneField(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="register_line",
        verbose_name=_("платеж"),
    )
    duplicate_of = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("уже проведенный платеж"),
    )

    class Meta:
        verbose_name = _("строка реестра")
        verbose_name_plural = _("строки реестров")
        ordering = ["register", "number"]
        constraints = [
            models.UniqueConstraint(fields=["register", "number"], name="register_line_unique"),
        ]
        indexes = [
            models.Index(fields=["register", "outcome", "number"], name="register_line_outcome"),
            models.Index(fields=["register", "external_id"], name="register_line_identity"),
        ]

    def __str__(self):
        return gettext("Строка %(number)d") % {"number": self.number}
