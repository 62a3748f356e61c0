from django.urls import path

from distribution import views

app_name = "distribution"
urlpatterns = [
    path("", views.batch_index, name="list"),
    path("<int:pk>/", views.batch_detail, name="batch"),
    path("<int:pk>/file/", views.batch_file, name="file"),
    path("<int:pk>/deactivations/", views.batch_deactivation_file, name="deactivations"),
    path(
        "bpjs/<int:programme>/<str:period>/<slug:which>/",
        views.bpjs_quarter_file,
        name="bpjs-quarter",
    ),
    path("<int:pk>/returns/", views.return_upload, name="return-upload"),
    path("<int:pk>/returns/<int:file_id>/apply/", views.return_apply, name="return-apply"),
    path("<int:pk>/<slug:action>/", views.batch_act, name="act"),
    path("lines/<int:pk>/reissue/", views.line_reissue, name="reissue"),
    path("lines/<int:pk>/pay/", views.line_pay, name="pay"),
    path("handovers/", views.handover_list, name="handovers"),
    path("handovers/<int:pk>/", views.handover_new, name="handover"),
    path("lines/<int:pk>/lpj/", views.lpj_new, name="lpj"),
    path("report/", views.report_page, name="report"),
    path("report.xlsx", views.report_xlsx, name="report-xlsx"),
]
