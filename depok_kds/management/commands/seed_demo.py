from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Fill the database with synthetic demo data. Every installed app of the project may "
        "have a demo.py with seed(*, households) -> str; they run in INSTALLED_APPS order, "
        "which is the dependency order (platform, registry, programmes, ...)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with the production profile.")
        for config in apps.get_app_configs():
            if not (settings.BASE_DIR / config.name.split(".")[0]).is_dir():
                continue  # third-party app
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            self.stdout.write(f"{config.label}: {module.seed(households=options['households'])}")
