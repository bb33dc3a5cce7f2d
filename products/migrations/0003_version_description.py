from django.db import migrations, models


def copy_description(apps, schema_editor):
    """Versions published before the column existed carry their description in the document."""
    ProductVersion = apps.get_model("products", "ProductVersion")
    for version in ProductVersion.objects.only("pk", "document").iterator(chunk_size=50):
        description = (version.document or {}).get("description", "")
        ProductVersion.objects.filter(pk=version.pk).update(description=description)


class Migration(migrations.Migration):

    dependencies = [
        ("products", "0002_pricing"),
    ]

    operations = [
        migrations.AddField(
            model_name="productversion",
            name="description",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(copy_description, migrations.RunPython.noop),
    ]
