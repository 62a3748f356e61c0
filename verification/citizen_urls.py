"""The citizens' public pages: no login, rate-limited."""

from django.urls import path

from verification import citizen_views

urlpatterns = [
    path("cek/", citizen_views.self_check_page, name="self-check"),
    path("sanggah/", citizen_views.objection_page, name="objection"),
]
