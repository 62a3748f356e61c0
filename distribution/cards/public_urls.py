"""The public pages of KDS cards: no login; the check the QR code of a card printed before
the /K/ address opens (qr_urls.py), and the public keys."""

from django.urls import path

from distribution.cards import views

urlpatterns = [
    path("kunci.json", views.card_public_keys, name="card-keys"),
    path("<str:token>/", views.card_verify, name="card-verify"),
]
