from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from depok_kds.api_clients import SCOPES, api_client_create
from depok_kds.errors import DomainError


class Command(BaseCommand):
    help = "Create an API client and print its key once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--scopes", default="", help=f"comma-separated: {', '.join(SCOPES)}")
        parser.add_argument("--rate", default="", help="for example 600/min")
        parser.add_argument("--kelurahan", default="", help="comma-separated kelurahan codes")
        parser.add_argument("--agency", default="", help="agency code, e.g. DINKES")

    def handle(self, *args: Any, **options: Any) -> None:
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        kelurahan = [k.strip() for k in options["kelurahan"].split(",") if k.strip()]
        try:
            client, key = api_client_create(
                name=options["name"],
                scopes=scopes,
                rate=options["rate"],
                kelurahan_codes=kelurahan,
                agency_code=options["agency"],
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"API client {client.name!r} created with scopes {client.scopes}.")
        self.stdout.write("Key (shown once; send it as 'Authorization: Bearer <key>'):")
        self.stdout.write(key)
