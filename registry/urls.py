from django.urls import path

from registry import views
from registry.household_edit_views import household_action

app_name = "registry"
urlpatterns = [
    path("", views.household_search, name="search"),
    path("households/new/", views.household_register_page, name="register"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/edit/<slug:action>/", household_action, name="household-action"),
    path(
        "households/<int:pk>/members/<int:person_id>/<slug:action>/",
        household_action,
        name="member-action",
    ),
]
