"""Card check for partner systems: the public page's answer, for a card number or a token."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from depok_kds.api.permissions import scope_required
from distribution.cards.forms import NUMBER_ERRORS
from distribution.cards.numbers import CardNumberError, card_number_parse
from distribution.cards.selectors import card_public_status, card_status_by_token

ReadPermission = scope_required("registry:read", perm="cards.view_card")


class CardCheckInputSerializer(serializers.Serializer[dict[str, Any]]):
    number = serializers.CharField(required=False, max_length=20)
    token = serializers.CharField(required=False, max_length=200)

    def validate_number(self, value: str) -> str:
        try:
            return card_number_parse(value).number
        except CardNumberError as exc:
            raise serializers.ValidationError(str(NUMBER_ERRORS[exc.code]), code=exc.code) from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("number")) == bool(attrs.get("token")):
            raise serializers.ValidationError("Give a card number or a token, not both.")
        return attrs


class CardCheckSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=["valid", "replaced", "not_valid"], source="answer")
    holder = serializers.CharField(help_text="Masked: each word's first letter")
    kelurahan = serializers.CharField()


class CardCheckApi(APIView):
    """Whether a KDS card is valid, replaced or not valid (revoked, unknown or forged alike)."""

    permission_classes = [ReadPermission]

    @extend_schema(
        operation_id="cards_check",
        parameters=[
            OpenApiParameter("number", str, description="12-digit card number (with check digit)"),
            OpenApiParameter("token", str, description="The token of the card's QR code"),
        ],
        responses=CardCheckSerializer,
    )
    def get(self, request: Request) -> Response:
        lookup = CardCheckInputSerializer(data=request.query_params)
        lookup.is_valid(raise_exception=True)
        number = lookup.validated_data.get("number")
        status = (
            card_public_status(number=number)
            if number
            else card_status_by_token(lookup.validated_data["token"])
        )
        return Response(CardCheckSerializer(status).data)
