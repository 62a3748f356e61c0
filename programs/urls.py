from django.urls import path

from programs import views

app_name = "programs"
urlpatterns = [
    path("", views.programme_index, name="list"),
    path("<int:pk>/", views.programme_detail, name="programme"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    path("cycles/<int:pk>/apply/", views.application_new, name="apply"),
    path("cycles/<int:pk>/decree/", views.decree_new, name="decree-new"),
    path("cycles/<int:pk>/import/", views.import_new, name="import"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import-commit"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/<slug:action>/", views.application_act, name="act"),
    path("enrolments/<int:pk>/exit/", views.enrolment_end, name="exit"),
    path("decrees/<int:pk>.<slug:fmt>", views.decree_export, name="decree-export"),
    path("report/", views.report_page, name="report"),
    path("report.xlsx", views.report_xlsx, name="report-xlsx"),
]
