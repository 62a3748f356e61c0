from django.urls import path

from registry import views

app_name = "registry"
urlpatterns = [
    path("", views.household_search, name="search"),
    path("households/new/", views.household_register_page, name="register"),
    path("households/<int:pk>/", views.household_detail, name="household"),
]
