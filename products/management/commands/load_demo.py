import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from manufacturing.documents import DEMO_FACTORY
from manufacturing.loading import factory_import
from products.demo import demo_documents
from products.services import product_import

#: Demo accounts: username, password, staff. For a local demo only.
DEMO_USERS = (("admin", "admin", True), ("alice", "alice", False), ("bob", "bob", False))


class Command(BaseCommand):
    help = (
        "Load (or refresh) the demo catalogue, published, the demo factory and the demo accounts. "
        "Safe to run again."
    )

    @transaction.atomic
    def handle(self, *args, verbosity: int = 1, **options) -> None:
        lines = []
        for document in demo_documents():
            product = product_import(document=document, publish=True)
            current = product.current_version
            state = f"version {current.number}" if current else "compiling on a worker"
            lines.append(f"Product {product.code}: {state}")
        factory = factory_import(document=json.loads(DEMO_FACTORY.read_text()))
        lines.append(f"Factory: {len(factory.work_centres)} work centres, {len(factory.routes)} routes")
        users = get_user_model()
        for username, password, staff in DEMO_USERS:
            user, created = users.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com"}
            )
            if created:
                user.set_password(password)
                user.is_staff = user.is_superuser = staff
                user.save()
            lines.append(
                f"User {username} ({'staff' if staff else 'customer'}){' created' if created else ''}"
            )
        if verbosity:
            self.stdout.write("\n".join(lines))
