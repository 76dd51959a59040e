import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without blocking the patients' posts on a large table.
    atomic = False

    dependencies = [
        ("booking", "0021_auditentry_append_only"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="appointmentrequest",
            index=models.Index(
                django.db.models.functions.text.Upper("email"),
                name="request_email",
            ),
        ),
    ]
