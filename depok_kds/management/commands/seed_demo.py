from __future__ import annotations

import importlib
import inspect
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
        parser.add_argument("--seed", type=int, default=None, help="random seed (reproducible)")
        parser.add_argument(
            "--append", action="store_true", help="add to a registry that already has data"
        )

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
            accepted = inspect.signature(module.seed).parameters
            extra = {
                name: options[name]
                for name in ("seed", "append")
                if name in accepted and options[name] not in (None, False)
            }
            result = module.seed(households=options["households"], **extra)
            self.stdout.write(f"{config.label}: {result}")
