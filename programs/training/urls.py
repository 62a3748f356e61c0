from django.urls import path

from programs.training import views

app_name = "training"
urlpatterns = [
    path("applications/<int:pk>/attendance/", views.attendance, name="attendance"),
]
