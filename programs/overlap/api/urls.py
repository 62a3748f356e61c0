from django.urls import path

from programs.overlap.api import views

app_name = "overlap_api"
urlpatterns = [
    path("findings/", views.FindingListApi.as_view(), name="findings"),
    path("findings/<int:pk>/", views.FindingDetailApi.as_view(), name="finding"),
    path("findings/<int:pk>/decision/", views.FindingDecisionApi.as_view(), name="decide"),
    path("detect/", views.DetectionStartApi.as_view(), name="detect"),
    path("report/", views.TargetingReportApi.as_view(), name="report"),
    path("ledger/", views.LedgerApi.as_view(), name="ledger"),
]
