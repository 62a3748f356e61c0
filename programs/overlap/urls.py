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
]
