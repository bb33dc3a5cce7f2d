from django.core.management.base import BaseCommand, CommandError, CommandParser

from configurator.engine import EngineError
from configurator.plumbing.errors import AtelierError
from products.analysis import analysis_for
from products.selectors import product_get, product_model_source


class Command(BaseCommand):
    help = (
        "Analyse a product model: dead and core options, rules that never fire, contradict the rest or "
        "are redundant, and the number of valid configurations."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="The product code.")
        parser.add_argument(
            "--product-version",
            dest="product_version",
            default="draft",
            help="A version number, 'current' or 'draft' (the default).",
        )
        parser.add_argument(
            "--count-timeout",
            type=float,
            default=None,
            help="Seconds to spend on the exact count before giving an upper bound (default: no limit).",
        )

    def handle(self, *args, code: str, product_version: str, count_timeout: float | None, **options) -> None:
        try:
            product = product_get(code=code, staff=True)
            source = product_model_source(product=product, version=product_version, staff=True)
            _, lines = analysis_for(
                checksum=source.checksum, load_document=source.load_document, count_timeout=count_timeout
            )
        except (AtelierError, EngineError) as error:
            raise CommandError(error.message) from None
        label = "draft" if source.version is None else f"version {source.version}"
        self.stdout.write(f"{product.code} ({label})")
        for line in lines:
            self.stdout.write(f"  {line}")
