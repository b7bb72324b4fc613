import logging
import subprocess

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def error_404(request, exception):
    return render(request, "404.html", status=404)


def error_500(request):
    # No context processors touch the database here: the failure may be the database.
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render({"site_operator": None}))


@never_cache
@require_GET
def captcha_audio(request, key):
    """ "Прослушать код": the CAPTCHA's digits read aloud, a WAV file played in the browser.

    410 for an unknown or expired code (like the package's image view), 404 when no
    synthesizer is installed, 503 when it fails: never a 500.
    """
    from captcha.models import CaptchaStore

    from kabinet.core import captcha

    if not captcha.speech_available():
        raise Http404
    store = CaptchaStore.objects.filter(hashkey=key, expiration__gt=timezone.now()).first()
    if store is None:
        return HttpResponse(status=410)
    try:
        wav = captcha.speak(captcha.spoken_text(store.challenge))
    except (OSError, subprocess.SubprocessError):
        logger.exception("CAPTCHA speech failed")
        return HttpResponse(
            _("Не удалось озвучить код. Загрузите новый код и попробуйте еще раз."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(wav, content_type="audio/wav")
    response["Content-Disposition"] = 'inline; filename="kod.wav"'
    return response
