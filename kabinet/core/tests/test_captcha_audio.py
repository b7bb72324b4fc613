"""The CAPTCHA: six digits, the same label everywhere, and "Прослушать код" speaking them."""

import re
import subprocess
import wave
from io import BytesIO

import pytest
from captcha.models import CaptchaStore
from django.urls import reverse

from kabinet.core import captcha

pytestmark = pytest.mark.django_db

PAGES = ["accounts:register", "cabinet:attach"]


@pytest.fixture
def resident(client, django_user_model):
    user = django_user_model.objects.create_user(username="zhilec", password="x" * 12)
    client.force_login(user)
    return user


def audio_link(html: str) -> str:
    match = re.search(r'<a class="captcha-audio" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert match, "no «Прослушать код» link"
    assert match.group(2) == "Прослушать код"
    return match.group(1)


def test_it_draws_six_digits():
    for _ in range(50):
        text, answer = captcha.digits_challenge()
        assert text == answer
        assert re.fullmatch(r"\d{6}", text)


@pytest.mark.parametrize("page", PAGES)
def test_it_speaks_the_code_of_a_real_captcha_as_wav(client, resident, page):
    if page == "accounts:register":
        client.logout()
    html = client.get(reverse(page)).content.decode()
    assert "Код с изображения" in html
    answer = re.search(r'<input[^>]*id="id_captcha_1"[^>]*>', html).group(0)
    assert 'inputmode="numeric"' in answer  # digits only: phones show the number pad
    url = audio_link(html)
    key = re.search(r"/captcha/audio/(\w+)\.wav$", url).group(1)
    assert CaptchaStore.objects.filter(hashkey=key).exists()

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"].startswith("inline")
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    body = response.content
    assert body[:4] == b"RIFF" and body[8:12] == b"WAVE"
    with wave.open(BytesIO(body)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    # "Код: 4, 7, 1, 9, 3, 6. Повторяю: …" at 120 words a minute takes several seconds.
    assert 4 < seconds < 30


def test_it_reads_the_digits_one_by_one_twice():
    assert captcha.spoken_text("470193") == ("Код: 4, 7, 0, 1, 9, 3. Повторяю: 4, 7, 0, 1, 9, 3.")


def test_an_unknown_or_expired_code_is_gone(client):
    assert client.get(reverse("captcha_audio", kwargs={"key": "0" * 40})).status_code == 410
    key = CaptchaStore.generate_key()
    CaptchaStore.objects.filter(hashkey=key).update(expiration="2000-01-01T00:00:00Z")
    assert client.get(reverse("captcha_audio", kwargs={"key": key})).status_code == 410


def test_without_a_synthesizer_there_is_no_link_and_no_audio(client, settings):
    settings.CAPTCHA_SPEECH_PATH = None
    html = client.get(reverse("accounts:register")).content.decode()
    assert "captcha-audio" not in html
    assert "Загрузить новый код" in html
    key = CaptchaStore.generate_key()
    assert client.get(reverse("captcha_audio", kwargs={"key": key})).status_code == 404


def test_a_failing_synthesizer_answers_503_not_500(client, settings, monkeypatch):
    def broken(*args, **kwargs):
        raise subprocess.CalledProcessError(1, "espeak-ng")

    monkeypatch.setattr(subprocess, "run", broken)
    key = CaptchaStore.generate_key()
    response = client.get(reverse("captcha_audio", kwargs={"key": key}))
    assert response.status_code == 503
    assert "Загрузите новый код" in response.content.decode()
