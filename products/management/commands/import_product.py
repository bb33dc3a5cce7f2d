import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from configurator.plumbing.errors import InvalidInputError
from products.choices import Currency
from products.compilation import version_compile
from products.documents import validate_document
from products.importers import FORMATS, ModelFileError, ProductInfo, load_model
from products.models import CompileState
from products.services import product_import


def _price(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or value < 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Import a product from a product document (JSON) or a third-party model (UVL, XCSP 2.1, FeatureIDE "
        "XML, DIMACS, SPLOT SXFM) as a product's draft, all or nothing; optionally publish it. "
        "See docs/importers.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A product document or a model file.")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="The file's format; default: from the extension (.json .uvl .xml .dimacs .cnf .sxfm .splx; "
            ".xml is told apart by its root element).",
        )
        parser.add_argument("--publish", action="store_true", help="Publish the imported draft.")
        parser.add_argument("--code", help="The product's code (default: from the file name).")
        parser.add_argument("--name", help="The product's name (default: the model's name).")
        parser.add_argument("--currency", choices=Currency.values, help="Default: EUR.")
        parser.add_argument("--price", type=_price, help="The baseline price (default: the model's, else 0).")
        parser.add_argument(
            "--lead-time-days", type=int, default=0, help="The baseline lead time (default 0)."
        )
        parser.add_argument(
            "--names",
            type=Path,
            dest="names_dir",
            help="XCSP: a folder of CLib rule files (*.pm) naming the values (default: a "
            "pm/ folder beside the file, when there is one).",
        )
        parser.add_argument("--no-names", action="store_true", help="XCSP: numbers as option codes.")
        parser.add_argument(
            "--flat",
            action="store_true",
            help="DIMACS: one yes/no set per variable and one rule per clause (no group recovery).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Read and check only; import nothing.")

    def handle(self, *args, file: Path, format: str | None, publish: bool, **options) -> None:
        info = ProductInfo(
            code=options["code"],
            name=options["name"],
            currency=options["currency"],
            price=options["price"],
            lead_time_days=options["lead_time_days"],
        )
        started = time.perf_counter()
        try:
            imported = load_model(
                file,
                format=format,
                info=info,
                names_dir=options["names_dir"],
                find_names=not options["no_names"],
                groups=not options["flat"],
            )
        except ModelFileError as error:
            raise CommandError(error.message) from None
        read = time.perf_counter() - started
        for warning in imported.warnings:
            self.stderr.write(f"warning: {warning}")
        document = imported.document
        if imported.format != "json":
            self.stdout.write(
                f"Read {file.name} ({imported.format}): {len(document['option_sets']):,} option sets, "
                f"{len(document['rules']):,} rules, {len(document['tables']):,} tables in {read:.1f} s."
            )
        try:
            if options["dry_run"]:
                validate_document(document)
                self.stdout.write(self.style.SUCCESS(f"{document['code']} is valid; nothing was imported."))
                return
            product = product_import(document=document, publish=publish)
        except InvalidInputError as error:
            problems = "\n".join(
                f"  {path}: {item['message']}" for path, items in error.fields.items() for item in items
            )
            raise CommandError(f"{file}: nothing was imported:\n{problems or '  ' + error.message}") from None
        if not publish:
            self.stdout.write(self.style.SUCCESS(f"Imported {product.code} (draft)."))
            return
        published = product.versions.order_by("-number").first()
        assert published is not None, "publishing answers a version, new or current"
        if published.compile_state != CompileState.READY:
            # Too large to compile while publishing in a request; a command may take its time.
            published = version_compile(version_id=published.pk)
        if published.compile_state == CompileState.FAILED:
            raise CommandError(
                f"{product.code} version {published.number} cannot be compiled: {published.compile_error}"
            )
        seconds = published.compile_stats.get("seconds", 0)
        message = f"Imported {product.code}, published as version {published.number}"
        self.stdout.write(self.style.SUCCESS(f"{message} (compiled in {seconds:.1f} s)."))
