from django.urls import path

from distribution.api.views import BatchDetailApi, BatchListApi, LineLookupApi, RealisationApi

app_name = "distribution_api"
urlpatterns = [
    path("batches/", BatchListApi.as_view(), name="batches"),
    path("batches/<int:pk>/", BatchDetailApi.as_view(), name="batch"),
    path("lines/", LineLookupApi.as_view(), name="lines"),
    path("report/", RealisationApi.as_view(), name="report"),
]
