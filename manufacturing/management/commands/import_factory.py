import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from manufacturing.documents import FactoryDocumentError
from manufacturing.loading import factory_import


class Command(BaseCommand):
    help = (
        "Import a factory document (atelier-factory/1: work centres, routes, stages, checkpoints, "
        "batch policy), all or nothing. See the README, 'The factory data'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A factory document (JSON).")

    def handle(self, *args, file: Path, **options) -> None:
        try:
            document = json.loads(file.read_text())
        except (OSError, ValueError) as error:
            raise CommandError(f"{file}: cannot read it: {error}") from None
        try:
            spec = factory_import(document=document)
        except FactoryDocumentError as error:
            problems = "\n".join(
                f"  {path or '(document)'}: {message}" for path, message in error.errors.items()
            )
            raise CommandError(f"{file}: nothing was imported:\n{problems}") from None
        stages = sum(len(route.stages) for route in spec.routes)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(spec.work_centres)} work centres and {len(spec.routes)} routes "
                f"({stages} stages)."
            )
        )
