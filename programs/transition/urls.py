from django.urls import path

from programs.transition import views

app_name = "transition"
urlpatterns = [
    path("", views.report_page, name="report"),
    path("report.xlsx", views.report_xlsx, name="report-xlsx"),
    path("recompute/", views.impact_recompute, name="recompute"),
    path("households/", views.entry_list, name="entries"),
    path("exits/", views.proposal_list, name="exits"),
    path("exits/decide/", views.proposal_decide, name="decide"),
]
