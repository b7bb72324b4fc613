"""Organizations' placeholder Moneta fields (housing) become their gateway settings here."""

from django.db import migrations


def copy_settings(apps, schema_editor):
    from kabinet.payments.crypto import code_encrypt

    Organization = apps.get_model("housing", "Organization")
    GatewaySettings = apps.get_model("payments", "GatewaySettings")
    filled = Organization.objects.exclude(moneta_account_id="", moneta_integrity_code="")
    for organization in filled:
        code = organization.moneta_integrity_code
        GatewaySettings.objects.get_or_create(
            organization=organization,
            defaults={
                "kind": "moneta",
                # Switched on only once the settings are complete.
                "enabled": bool(organization.moneta_account_id and code),
                "account_id": organization.moneta_account_id,
                "test_mode": organization.moneta_test_mode,
                "integrity_code_encrypted": code_encrypt(code) if code else "",
            },
        )


class Migration(migrations.Migration):

    dependencies = [
        ('housing', '0003_account_link_subscriptions'),
        ('payments', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(copy_settings, migrations.RunPython.noop),
    ]
