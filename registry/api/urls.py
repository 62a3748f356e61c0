from django.urls import path

from registry.api.assessments import HouseholdAssessmentsApi
from registry.api.views import HouseholdDetailApi, HouseholdListApi, PersonListApi

app_name = "registry_api"
urlpatterns = [
    path("households/", HouseholdListApi.as_view(), name="household-list"),
    path("households/<int:pk>/", HouseholdDetailApi.as_view(), name="household-detail"),
    path("households/<int:pk>/assessments/", HouseholdAssessmentsApi.as_view(), name="assessments"),
    path("persons/", PersonListApi.as_view(), name="person-list"),
]
