from django.urls import path

from programs.transition.api.views import ExitProposalListApi, ImpactReportApi

app_name = "transition_api"
urlpatterns = [
    path("report/", ImpactReportApi.as_view(), name="report"),
    path("exits/", ExitProposalListApi.as_view(), name="exits"),
]
