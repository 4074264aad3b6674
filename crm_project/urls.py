from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from crm_project.health import health_view
from crm_project.security import docs_csp, redoc_csp
from crm_project.token_views import ObtainExpiringAuthToken

admin.site.site_header = _("Tobacco retail CRM administration")
admin.site.site_title = _("Tobacco retail CRM")

api_patterns = [
    path("auth/token/", ObtainExpiringAuthToken.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger's script as a file of its own, so the page keeps a strict policy.
    path("docs/", docs_csp(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
         name="api-docs"),
    path("redoc/", redoc_csp(SpectacularRedocView.as_view(url_name="api-schema")),
         name="api-redoc"),
    path("", include("customers.apis")),
    path("", include("customers.grading.apis")),
    path("", include("phone_orders.catalog_apis")),
    path("", include("phone_orders.apis")),
    path("", include("phone_orders.allocation_apis")),
    path("", include("visits.apis")),
    path("", include("complaints.apis")),
    path("", include("reports.apis")),
]

urlpatterns = [
    path("health/", health_view, name="health"),
    # The language switch also keeps a logged-in user's choice on their account.
    path("i18n/", include("customers.i18n_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/login/",
         auth_views.LoginView.as_view(template_name="registration/login.html",
                                      redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include(api_patterns)),
    path("customers/", include("customers.urls")),
    path("grading/", include("customers.grading.urls")),
    path("orders/", include("phone_orders.urls")),
    path("visits/", include("visits.urls")),
    path("complaints/", include("complaints.urls")),
    path("", include("reports.urls")),
]
# No public media: every uploaded file is served by a view that checks who asks.
