"""Loading a bank register: check it (a draft, nothing posted), then post it, exactly once.

Every payment line is imported, a duplicate or an error (docs/registers.md):

- A payment's identity at the bank (Сбербанк: date, branch, operation number) is its
  `Payment.external_id`, with source "bank". The database's unique constraint on
  (source, external_id) is the last word: a payment is posted once, whatever file it
  comes in, however often that file is loaded, and by however many people at once.
- Lines are posted in batches: per batch one query finds (and locks) the accounts, one
  finds the payments already posted, one inserts the new payments and one the lines.
- A whole register is one transaction: it is posted whole or not at all, so a control
  line that disagrees with the lines (known only at the end of a streamed file) leaves
  nothing behind. Registers of one organization are posted one at a time (a lock on the
  organization's row), so two loads of the same file at the same moment give one
  register of imports and one of duplicates, and never a deadlock.
- The accounts of a batch are locked as `payment_record` locks one account, so an
  online payment and a register line to one account are serialised.
"""

from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.money import ZERO
from kabinet.core.security import log_event
from kabinet.housing.models import Organization, PersonalAccount

from ..models import Payment, Register, RegisterLine
from .formats import Format, format_of
from .parsing import ParsedLine, Parser
from .reading import LineReader, RegisterRejected, open_content
from .selectors import Summary, register_summary

BATCH = 1000  # lines per set of queries


# --- the steps ---------------------------------------------------------------------


def register_preview(
    *, file: BinaryIO, file_name: str, size: int, fmt: Format, organization: Organization, user
) -> Register:
    """Check a file and keep it as a draft register: each line with the outcome it would
    have. Nothing is posted. Raises RegisterRejected for a file refused whole."""
    register = _new_register(file_name=file_name, fmt=fmt, organization=organization, user=user)
    with _file_kept(register, file, user=user), transaction.atomic():
        register.save()
        _run(register, fmt, file, size=size, post=False)
    log_event(
        "register_checked", user_id=user.pk if user else None, register=register.pk,
        organization=organization.inn, lines=register.lines_count, sha256=register.file_hash,
    )  # fmt: skip
    return register


def register_confirm(*, register: Register, user) -> Register:
    """Post a checked draft: its file is read again and every line checked again (an
    account added or a payment posted since the check counts), then posted."""
    with transaction.atomic():
        register = Register.objects.select_for_update().get(pk=register.pk)
        if not register.is_draft:
            raise RegisterRejected(_("Этот реестр уже проведен."))
        _lock_organization(register.organization_id)
        register.lines.all().delete()  # a draft's lines: what the check found
        if user is not None:
            register.loaded_by = user
        with register.file.open("rb") as stored:
            _run(register, format_of(register), stored, size=register.file.size, post=True)
    _log_imported(register, user=user)
    return register


def register_discard(*, register: Register, user) -> None:
    """Forget a draft that will not be posted, with its file."""
    with transaction.atomic():
        register = Register.objects.select_for_update().get(pk=register.pk)
        if not register.is_draft:
            raise RegisterRejected(_("Проведенный реестр не удаляется."))
        register.lines.all().delete()
        register.delete()
    register.file.delete(save=False)
    log_event("register_discarded", user_id=user.pk if user else None, register=register.pk)


def register_import(
    *,
    path: Path,
    fmt: Format,
    organization: Organization,
    user=None,
    dry_run: bool = False,
) -> Summary:
    """Check and post a file in one go (manage.py payments_import). With `dry_run`, the
    lines are checked as for a draft and nothing is kept. Raises RegisterRejected."""
    file_name = path.name
    try:
        size = path.stat().st_size
        source = path.open("rb")
    except OSError as error:
        raise RegisterRejected(
            _("Файл не прочитан: %(error)s") % {"error": error.strerror or error}
        ) from None
    with source:
        register = _new_register(
            file_name=file_name, fmt=fmt, organization=organization, user=user
        )
        if dry_run:
            with transaction.atomic():
                register.save()
                _run(register, fmt, source, size=size, post=False)
                summary = register_summary(register)
                transaction.set_rollback(True)
            summary.register = None
            return summary
        with _file_kept(register, source, user=user), transaction.atomic():
            _lock_organization(organization.pk)
            register.save()
            _run(register, fmt, source, size=size, post=True)
    _log_imported(register, user=user)
    return register_summary(register)


# --- inside -----------------------------------------------------------------------


def _new_register(*, file_name: str, fmt: Format, organization, user) -> Register:
    return Register(
        organization=organization,
        kind=fmt.kind,
        register_format=fmt.register_format,
        bank=fmt.bank,
        file_name=Path(file_name).name[:255] or "register",
        loaded_by=user,
    )


@contextmanager
def _file_kept(register: Register, file: BinaryIO, *, user):
    """Keep the file as loaded (the register's original, and what a draft is posted
    from); forget it again if the register is not saved."""
    file.seek(0)
    register.file.save(register.file_name, File(file), save=False)
    file.seek(0)
    try:
        yield
    except BaseException as failure:
        register.file.delete(save=False)
        if isinstance(failure, RegisterRejected):
            _log_rejected(register, failure, user=user)
        raise


def _lock_organization(organization_id: int) -> None:
    # One register of an organization is posted at a time. FOR NO KEY UPDATE: rows that
    # merely refer to the organization can still be added meanwhile.
    list(
        Organization.objects.select_for_update(no_key=True)
        .filter(pk=organization_id)
        .values_list("pk")
    )


def _run(register: Register, fmt: Format, file: BinaryIO, *, size: int, post: bool) -> None:
    """Read the file, write the register's lines (and payments, if `post`), check the
    control line and total the outcomes. Raises RegisterRejected; the caller's
    transaction then leaves nothing behind."""
    parser: Parser = fmt.parser(organization=register.organization)
    file.seek(0)
    reader = LineReader(open_content(file, size=size), encoding=parser.encoding)
    lines = _LineWriter(register, post=post)
    for parsed in parser.parse(reader):
        lines.add(parsed)
    lines.flush()
    parser.finish()
    if register.file_hash and register.file_hash != reader.sha256:
        raise RegisterRejected(_("Файл реестра изменился после проверки: загрузите его заново."))
    register.file_hash = reader.sha256
    register.file_size = size
    control = parser.control
    if control is not None:
        register.control_count = control.count
        register.control_sum = control.paid
        register.control_transferred = control.transferred
        register.control_fee = control.fee
        register.payment_order_number = control.order_number
        register.payment_order_date = control.order_date
    register.lines_count = parser.count
    lines.total(register)
    if post:
        register.status = Register.Status.IMPORTED
        register.imported_at = timezone.now()
    register.save()


class _LineWriter:
    """Writes a register's lines batch by batch, deciding each line's outcome with a
    fixed number of queries per batch; posts the payments when `post`."""

    def __init__(self, register: Register, *, post: bool):
        self.register = register
        self.post = post
        self.pending: list[ParsedLine] = []
        self.counts = dict.fromkeys(RegisterLine.Outcome.values, 0)
        self.sums = dict.fromkeys(RegisterLine.Outcome.values, ZERO)

    def add(self, parsed: ParsedLine) -> None:
        self.pending.append(parsed)
        if len(self.pending) >= BATCH:
            self.flush()

    def total(self, register: Register) -> None:
        Outcome = RegisterLine.Outcome
        register.imported_count, register.imported_sum = (
            self.counts[Outcome.IMPORTED], self.sums[Outcome.IMPORTED]
        )  # fmt: skip
        register.duplicate_count, register.duplicate_sum = (
            self.counts[Outcome.DUPLICATE], self.sums[Outcome.DUPLICATE]
        )  # fmt: skip
        register.error_count, register.error_sum = (
            self.counts[Outcome.ERROR], self.sums[Outcome.ERROR]
        )  # fmt: skip

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        good = [parsed for parsed in batch if not parsed.errors]
        accounts = self._accounts({parsed.account_number for parsed in good})
        posted = self._posted({parsed.identity for parsed in good})
        first_in_batch: dict[str, RegisterLine] = {}
        lines, new, repeats = [], [], []
        for parsed in batch:
            line = self._line(parsed)
            lines.append(line)
            account_id = accounts.get(parsed.account_number)
            if parsed.errors:
                self._error(line, parsed.error, parsed.text)
            elif account_id is None:
                self._error(
                    line,
                    _("Лицевой счет «%(number)s» не найден в организации.")
                    % {"number": parsed.account_number},
                )
            elif parsed.identity in posted:
                line.account_id = account_id
                line.duplicate_of_id, line.reason = posted[parsed.identity]
                line.outcome = RegisterLine.Outcome.DUPLICATE
            elif parsed.identity in first_in_batch:
                first = first_in_batch[parsed.identity]
                line.account_id = account_id
                line.outcome = RegisterLine.Outcome.DUPLICATE
                line.reason = _("Повтор строки %(line)d этого реестра.") % {"line": first.number}
                repeats.append((line, first))
            else:
                line.account_id = account_id
                line.outcome = RegisterLine.Outcome.IMPORTED
                first_in_batch[parsed.identity] = line
                new.append(line)
        if self.post and new:
            self._post(new)
            for line, first in repeats:
                line.duplicate_of_id = first.payment_id or first.duplicate_of_id
        for line in lines:
            self.counts[line.outcome] += 1
            self.sums[line.outcome] += line.amount or 0
        RegisterLine.objects.bulk_create(lines)

    def _line(self, parsed: ParsedLine) -> RegisterLine:
        return RegisterLine(
            register=self.register, number=parsed.number, external_id=parsed.identity,
            account_number=parsed.account_number, paid_on=parsed.paid_on, amount=parsed.amount,
            period=parsed.period, payer=parsed.payer, address=parsed.address,
            reason=parsed.note[:255],
        )  # fmt: skip

    @staticmethod
    def _error(line: RegisterLine, reason: str, text: str = "") -> None:
        line.outcome = RegisterLine.Outcome.ERROR
        line.reason = reason[:255]
        line.text = text

    def _accounts(self, numbers: set[str]) -> dict[str, int]:
        accounts = PersonalAccount.objects.filter(
            organization_id=self.register.organization_id, number__in=numbers
        )
        if self.post:
            # Locked in one order, as payment_record locks one account: serialised with it.
            accounts = accounts.select_for_update(no_key=True).order_by("pk")
        return dict(accounts.values_list("number", "pk"))

    def _posted(self, identities: set[str]) -> dict[str, tuple[int | None, str]]:
        """Identities already posted (or, in a check, already met in this register), with
        the payment and the reason to show."""
        found = {}
        payments = Payment.objects.filter(
            source=Payment.Source.BANK, external_id__in=identities
        ).values_list("external_id", "pk", "paid_on", "register_line__register_id",
                      "register_line__number")  # fmt: skip
        for identity, pk, paid_on, register_id, number in payments:
            if register_id == self.register.pk:
                reason = _("Повтор строки %(line)d этого реестра.") % {"line": number}
            elif register_id is not None:
                reason = _("Уже проведен по реестру № %(register)d, строка %(line)d.") % {
                    "register": register_id,
                    "line": number,
                }
            else:
                reason = _("Уже проведен %(date)s.") % {"date": f"{paid_on:%d.%m.%Y}"}
            found[identity] = (pk, reason)
        if not self.post:  # a check posts nothing: earlier lines of this register count
            earlier = RegisterLine.objects.filter(
                register=self.register,
                outcome=RegisterLine.Outcome.IMPORTED,
                external_id__in=identities,
            ).values_list("external_id", "number")
            for identity, number in earlier:
                found.setdefault(
                    identity, (None, _("Повтор строки %(line)d этого реестра.") % {"line": number})
                )
        return found

    def _post(self, lines: list[RegisterLine]) -> None:
        note = _("Реестр № %(register)d") % {"register": self.register.pk}
        payments = [
            Payment(
                account_id=line.account_id, paid_on=line.paid_on, amount=line.amount,
                source=Payment.Source.BANK, external_id=line.external_id,
                note=f"{note}, {_('строка')} {line.number}",
            )
            for line in lines
        ]  # fmt: skip
        try:
            with transaction.atomic():  # a savepoint: a conflict undoes this insert only
                Payment.objects.bulk_create(payments)
        except IntegrityError:
            # Posted meanwhile by another way in (not another register: those wait for the
            # organization's lock). The constraint held; those lines become duplicates.
            posted = self._posted({line.external_id for line in lines})
            keep = []
            for line, payment in zip(lines, payments, strict=True):
                if line.external_id in posted:
                    line.duplicate_of_id, line.reason = posted[line.external_id]
                    line.outcome = RegisterLine.Outcome.DUPLICATE
                else:
                    keep.append((line, payment))
            lines = [line for line, _payment in keep]
            payments = Payment.objects.bulk_create(
                [Payment(**{f: getattr(p, f) for f in _PAYMENT_FIELDS}) for _line, p in keep]
            )
        for line, payment in zip(lines, payments, strict=True):
            line.payment_id = payment.pk


_PAYMENT_FIELDS = ("account_id", "paid_on", "amount", "source", "external_id", "note")


def _log_imported(register: Register, *, user) -> None:
    log_event(
        "register_imported", user_id=user.pk if user else None, register=register.pk,
        organization=register.organization.inn, lines=register.lines_count,
        imported=register.imported_count, imported_sum=register.imported_sum,
        duplicates=register.duplicate_count, errors=register.error_count,
        sha256=register.file_hash,
    )  # fmt: skip


def _log_rejected(register: Register, rejection: RegisterRejected, *, user) -> None:
    log_event(
        "register_rejected", user_id=user.pk if user else None,
        organization=register.organization.inn, file_line=rejection.line or "-",
    )  # fmt: skip
