from django.urls import path

from verification.api import views

app_name = "verification_api"
urlpatterns = [
    path("applications/<int:pk>/checks/", views.ApplicationChecksApi.as_view(), name="checks"),
    path("checks/<int:pk>/verdict/", views.VerdictApi.as_view(), name="verdict"),
    path("visits/", views.VisitListApi.as_view(), name="visits"),
    path("visits/<int:pk>/", views.VisitDetailApi.as_view(), name="visit"),
    path("visits/<int:pk>/complete/", views.VisitCompleteApi.as_view(), name="visit-complete"),
    path("visits/<int:pk>/evidence/", views.VisitEvidenceApi.as_view(), name="visit-evidence"),
    path("complaints/", views.ComplaintListApi.as_view(), name="complaints"),
    path("complaints/<int:pk>/", views.ComplaintDetailApi.as_view(), name="complaint"),
    path(
        "complaints/<int:pk>/answer/", views.ComplaintAnswerApi.as_view(), name="complaint-answer"
    ),
]
