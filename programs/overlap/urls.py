from django.urls import path

from programs.overlap import views

app_name = "overlap"
urlpatterns = [
    path("", views.finding_index, name="list"),
    path("<int:pk>/", views.finding_detail, name="finding"),
    path("detect/", views.detection_start, name="detect"),
    path("lists/", views.national_lists, name="lists"),
    path("report/", views.report_page, name="report"),
    path("report.xlsx", views.report_xlsx, name="report-xlsx"),
    path("ledger/", views.ledger_page, name="ledger"),
    path("ledger.xlsx", views.ledger_xlsx, name="ledger-xlsx"),
    path("configuration/", views.configuration, name="configuration"),
    path("configuration/cap/", views.cap_set, name="cap-set"),
    path("configuration/pairs/", views.pair_add, name="pair-add"),
    path("configuration/pairs/<int:pk>/remove/", views.pair_remove, name="pair-remove"),
]
