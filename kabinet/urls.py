from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from kabinet.core import views as core_views

admin.site.site_header = _("Кабинет жильца: управление")
admin.site.site_title = _("Кабинет жильца")
admin.site.index_title = _("Реестр, тарифы и расчеты")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("captcha/", include("captcha.urls")),
]

handler404 = "kabinet.core.views.error_404"
handler500 = "kabinet.core.views.error_500"
