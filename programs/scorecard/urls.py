from django.urls import path

from programs.scorecard import views

app_name = "scorecard"
urlpatterns = [
    path("", views.scorecard_index, name="index"),
    path("run/", views.scorecard_run, name="run"),
    path("<slug:measure>/", views.scorecard_measure, name="measure"),
    path("<slug:measure>/<str:kelurahan>/", views.scorecard_list, name="list"),
]
