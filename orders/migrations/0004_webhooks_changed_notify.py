"""PostgreSQL announces every change of the webhooks on commit (``orders.webhooks``: a process
that knows no webhook is active forgets it then), whatever made it: a save, a delete, a bulk
update or SQL by hand."""

from django.db import migrations

CREATE = """
CREATE FUNCTION orders_webhooks_changed_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('atelier_webhooks_changed', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER orders_webhooks_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orders_webhook
    FOR EACH STATEMENT EXECUTE FUNCTION orders_webhooks_changed_notify();
"""
DROP = """
DROP TRIGGER orders_webhooks_changed ON orders_webhook;
DROP FUNCTION orders_webhooks_changed_notify();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_webhooks")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
