from django.urls import path

from depok_kds.api.jobs import JobDetailApi

app_name = "platform_api"
urlpatterns = [
    path("jobs/<int:pk>/", JobDetailApi.as_view(), name="job-detail"),
]
