from django.urls import path

from programs.api.views import (
    ApplicationSubmitApi,
    CycleEnrolmentListApi,
    EnrolmentLookupApi,
    RecipientReportApi,
)

app_name = "programs_api"
urlpatterns = [
    path("enrolments/", EnrolmentLookupApi.as_view(), name="enrolment-lookup"),
    path("applications/", ApplicationSubmitApi.as_view(), name="application-submit"),
    path("cycles/<int:pk>/enrolments/", CycleEnrolmentListApi.as_view(), name="cycle-enrolments"),
    path("report/", RecipientReportApi.as_view(), name="report"),
]
