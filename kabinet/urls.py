from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from kabinet.accounts.forms import AdminLoginForm
from kabinet.cabinet.views.accounts import home
from kabinet.core.views import captcha_audio

admin.site.site_header = _("Кабинет жильца: управление")
admin.site.site_title = _("Кабинет жильца")
admin.site.index_title = _("Реестр, тарифы и расчеты")
admin.site.login_form = AdminLoginForm  # throttled apart, with stricter limits

urlpatterns = [
    path("", home, name="home"),
    path("", include("kabinet.accounts.urls")),  # login, logout (global names), accounts:*
    path("admin/", admin.site.urls),
    path("captcha/audio/<slug:key>.wav", captcha_audio, name="captcha_audio"),
    path("captcha/", include("captcha.urls")),
    path("cabinet/", include("kabinet.cabinet.urls")),
    path("payments/", include("kabinet.payments.urls")),
    path("meters/", include("kabinet.meters.urls")),
    path("receipts/", include("kabinet.receipts.urls")),
]

handler404 = "kabinet.core.views.error_404"
handler500 = "kabinet.core.views.error_500"
