import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0021_auditentry_append_only"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="appointmentrequest",
            index=models.Index(
                django.db.models.functions.text.Upper("email"),
                name="request_email",
            ),
        ),
    ]
