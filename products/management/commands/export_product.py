import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from configurator.plumbing.errors import NotFoundError
from products.selectors import product_document, product_get, product_version_get


class Command(BaseCommand):
    help = "Print a product's document (the draft, or a published version) as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="The product code.")
        parser.add_argument(
            "--product-version",
            dest="product_version",
            default="draft",
            help="A version number; default: the draft.",
        )

    def handle(self, *args, code: str, product_version: str, **options) -> None:
        try:
            product = product_get(code=code, staff=True)
            chosen = product_version_get(product=product, version=product_version, staff=True)
        except NotFoundError as error:
            raise CommandError(error.message) from None
        document = product_document(product=product, version=chosen)
        self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
