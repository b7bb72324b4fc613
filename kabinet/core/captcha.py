from captcha.fields import CaptchaTextInput


class CaptchaInput(CaptchaTextInput):
    """The CAPTCHA image and its answer box, for every form that asks for one.

    The form's template adds the "Загрузить новый код" button (a submit button with
    `data-captcha-refresh`): js/captcha-refresh.js swaps the image in place, and
    without JavaScript the button submits and the view shows the form with a new code.
    """

    # Widget templates are found by the form renderer in app template folders only.
    template_name = "core/widgets/captcha.html"
