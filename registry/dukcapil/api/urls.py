from django.urls import path

from registry.dukcapil.api.views import (
    ExtractListApi,
    OutcomeReviewApi,
    RunDetailApi,
    RunListApi,
    RunOutcomesApi,
)

app_name = "dukcapil_api"
urlpatterns = [
    path("runs/", RunListApi.as_view(), name="run-list"),
    path("runs/<int:pk>/", RunDetailApi.as_view(), name="run-detail"),
    path("runs/<int:pk>/outcomes/", RunOutcomesApi.as_view(), name="run-outcomes"),
    path("outcomes/<int:pk>/review/", OutcomeReviewApi.as_view(), name="outcome-review"),
    path("extracts/", ExtractListApi.as_view(), name="extract-list"),
]
