from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from depok_kds import views

job_patterns = (
    [
        path("", views.job_list, name="list"),
        path("<int:pk>/", views.job_detail, name="detail"),
        path("demo/", views.demo_job_start, name="demo-start"),
    ],
    "jobs",
)

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.KdsLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jobs/", include(job_patterns)),
    path("audit/", views.audit_log, name="audit_log"),
    path("registry/", include("registry.urls")),
    path("dukcapil/", include("registry.dukcapil.urls")),
    path("programs/", include("programs.urls")),
    path("programs/training/", include("programs.training.urls")),
    path("overlap/", include("programs.overlap.urls")),
    path("dtsen/", include("programs.transition.urls")),
    path("scorecard/", include("programs.scorecard.urls")),
    path("verification/", include("verification.urls")),
    path("distribution/", include("distribution.urls")),
    path("lacak/", include("verification.public_urls")),
    path("warga/", include("verification.citizen_urls")),
    path("cards/", include("distribution.cards.urls")),
    path("kartu/", include("distribution.cards.public_urls")),
    path("K/", include("distribution.cards.qr_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("depok_kds.api.urls")),
    path("api/v1/registry/", include("registry.api.urls")),
    path("api/v1/dukcapil/", include("registry.dukcapil.api.urls")),
    path("api/v1/programs/", include("programs.api.urls")),
    path("api/v1/overlap/", include("programs.overlap.api.urls")),
    path("api/v1/dtsen/", include("programs.transition.api.urls")),
    path("api/v1/verification/", include("verification.api.urls")),
    path("api/v1/cards/", include("distribution.cards.api.urls")),
    path("api/v1/distribution/", include("distribution.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script under the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

handler404 = "depok_kds.error_views.page_not_found"
handler403 = "depok_kds.error_views.permission_denied"
handler500 = "depok_kds.error_views.server_error"
