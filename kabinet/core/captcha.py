"""The CAPTCHA of every form that asks for one: a picture of six digits, the answer box,
"Загрузить новый код" and "Прослушать код" (the same digits read aloud in Russian).

The code is digits only so that it can be spoken: the speech synthesizer is Debian's
espeak-ng with its Russian voice (`scripts/ensure-speech` installs it; settings
`CAPTCHA_SPEECH_PATH`). docs/accessibility.md says why not flite (English only).
"""

import secrets
import subprocess
import tempfile
from pathlib import Path

from captcha.fields import CaptchaField, CaptchaTextInput
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

SPEECH_TIMEOUT = 10  # seconds


def digits_challenge() -> tuple[str, str]:
    """CAPTCHA_CHALLENGE_FUNCT: (text drawn, expected answer), `CAPTCHA_LENGTH` digits."""
    code = "".join(secrets.choice("0123456789") for _ in range(settings.CAPTCHA_LENGTH))
    return code, code


def speech_available() -> bool:
    return bool(getattr(settings, "CAPTCHA_SPEECH_PATH", None))


def spoken_text(code: str) -> str:
    """What the audio says: the digits one by one, twice ("Код: 4, 7, 1… Повторяю: …")."""
    digits = ", ".join(code)
    return _("Код: %(digits)s. Повторяю: %(digits)s.") % {"digits": digits}


def speak(text: str) -> bytes:
    """A WAV file of `text` read by the Russian voice; raises OSError or
    subprocess.SubprocessError when the synthesizer fails."""
    with tempfile.TemporaryDirectory(prefix="kabinet-captcha-") as folder:
        path = Path(folder) / "code.wav"
        subprocess.run(
            [
                settings.CAPTCHA_SPEECH_PATH,
                "-v",
                settings.CAPTCHA_SPEECH_VOICE,
                "-s",
                "120",  # words per minute: slower than the default 175
                "-w",
                str(path),
                "--",
                text,
            ],
            check=True,
            timeout=SPEECH_TIMEOUT,
            capture_output=True,
        )
        return path.read_bytes()


class CaptchaInput(CaptchaTextInput):
    """The CAPTCHA image and its answer box, for every form that asks for one.

    The form's template (includes/captcha.html) adds "Загрузить новый код" (a submit
    button with `data-captcha-refresh`: js/captcha-refresh.js swaps the image in place, and
    without JavaScript the button submits and the view shows the form with a new code)
    and "Прослушать код", a plain link to the spoken code (kabinet.core.views.captcha_audio).
    """

    # Widget templates are found by the form renderer in app template folders only.
    template_name = "core/widgets/captcha.html"

    def audio_url(self):
        if not speech_available():
            return None
        return reverse("captcha_audio", kwargs={"key": self._key})


def captcha_field() -> CaptchaField:
    """The one CAPTCHA field: the same label, help and messages on every form."""
    return CaptchaField(
        label=_lazy("Код с изображения"),
        help_text=_lazy("Шесть цифр с картинки. Если их не разобрать, нажмите «Прослушать код»."),
        # Digits only: phones show the number pad.
        widget=CaptchaInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "required": _lazy("Введите код с изображения."),
            "incomplete": _lazy("Введите код с изображения."),
            "invalid": _lazy("Код введен неверно. Введите новый код с изображения."),
        },
    )


class CaptchaDescribedMixin:
    """Ties the CAPTCHA's answer box to its help and error (Django does that for every
    other input, but not for multi-part widgets such as this one, rendered as a fieldset)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe_captcha()

    def full_clean(self):
        super().full_clean()
        self._describe_captcha()

    def _describe_captcha(self):
        field = self["captcha"]
        described_by = [f"{field.auto_id}_helptext"]
        attrs = field.field.widget.attrs
        attrs.pop("aria-invalid", None)
        if self._errors and "captcha" in self._errors:
            described_by.append(f"{field.auto_id}_error")
            attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = " ".join(described_by)
