"""The address a card's QR code holds: /K/<token>, in capitals, so that the whole address
fits the QR code's alphanumeric mode (see signing.py). It opens the same public check as
/kartu/<token>/, which cards printed before carry."""

from django.urls import path

from distribution.cards import views

urlpatterns = [
    path("<str:token>", views.card_verify, name="card-check"),
]
