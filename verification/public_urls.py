"""The public complaint tracking page: no login, status only, rate-limited."""

from django.urls import path

from verification.complaint_views import track

urlpatterns = [path("", track, name="track")]
