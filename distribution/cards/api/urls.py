from django.urls import path

from distribution.cards.api.views import CardCheckApi

app_name = "cards_api"
urlpatterns = [path("check/", CardCheckApi.as_view(), name="check")]
