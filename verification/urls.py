from django.urls import path

from verification import complaint_views, views

app_name = "verification"
urlpatterns = [
    path("", views.index, name="index"),
    path("tasks/", views.my_tasks, name="tasks"),
    path("applications/<int:pk>/", views.application_checks, name="application"),
    path("checks/<int:pk>/verdict/", views.check_verdict, name="verdict"),
    path("checks/<int:pk>/evidence/", views.check_evidence, name="check-evidence"),
    path("visits/", views.visit_index, name="visits"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/assign/", views.visit_assign_view, name="visit-assign"),
    path("visits/<int:pk>/evidence/", views.visit_evidence, name="visit-evidence"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("resolutions/", views.resolution_index, name="resolutions"),
    path("resolutions/<int:pk>/", views.resolution_decide, name="resolve"),
    path("verivali/", views.verivali_index, name="verivali"),
    path("oversight/", views.oversight, name="oversight"),
    path("agreement/", views.agreement_report, name="agreement"),
    path("complaints/", complaint_views.complaint_index, name="complaints"),
    path("complaints/new/", complaint_views.complaint_new, name="complaint-new"),
    path("complaints/<int:pk>/", complaint_views.complaint_detail, name="complaint"),
    path(
        "complaints/<int:pk>/evidence/",
        complaint_views.complaint_evidence,
        name="complaint-evidence",
    ),
    path("complaints/<int:pk>/<slug:action>/", complaint_views.complaint_act, name="complaint-act"),
]
