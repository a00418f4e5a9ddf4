from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="segment",
            name="word_timings",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="segment",
            name="word_timings_key",
            field=models.CharField(blank=True, default="", max_length=160),
        ),
        migrations.AddField(
            model_name="segment",
            name="word_timings_method",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
    ]
