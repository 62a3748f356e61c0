"""The public pages of KDS cards: no login; the check a QR code opens, and the public keys."""

from django.urls import path

from distribution.cards import views

urlpatterns = [
    path("kunci.json", views.card_public_keys, name="card-keys"),
    path("<str:token>/", views.card_verify, name="card-verify"),
]
