"""Create the database cache table (rate-limit counters) when the cache is the database, so
that `migrate` is all a deployment needs. With CACHE_URL set to Redis it does nothing."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_invitation")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
