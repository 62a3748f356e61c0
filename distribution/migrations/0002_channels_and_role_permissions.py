"""Each programme's payment channel, and the role groups' distribution permissions.

Agency officers and Dinsos operators prepare and reconcile their programmes' batches; only
a Dinsos administrator approves (and never a batch they prepared, see batch_four_eyes);
Puskesos officers record hand-overs in their kelurahan. Leadership sees totals only.
"""

from django.db import migrations

from depok_kds.role_grants import grant_permissions, revoke_permissions

# Frozen here on purpose: a migration must not change when the code does.
BANK_LAYOUT = {
    "format": "csv",
    "delimiter": ";",
    "columns": ["reference", "account_number", "account_name", "amount", "description"],
    "header": True,
    "trailer": True,
}
CHANNELS = {
    "kis-pbi-apbd": ("bpjs_premium", {"premium": 42000}),
    "pendidikan-sd": ("school_transfer", {"layout": BANK_LAYOUT}),
    "pendidikan-smp": ("school_transfer", {"layout": BANK_LAYOUT}),
    "pendidikan-sma": ("bank_transfer", {"layout": BANK_LAYOUT}),
    "pendidikan-pt": ("blocked_account", {"layout": BANK_LAYOUT, "cap": 23000000}),
    "santunan-kematian": ("in_person", {}),
    "bantuan-pangan-kota": ("in_kind", {}),
    "alat-disabilitas": ("in_kind", {}),
    "rtlh": ("partner_shop", {"layout": BANK_LAYOUT}),
}

VIEW = ["view_batch", "view_line", "view_payee", "view_outlet", "view_disbursement_report"]
PREPARE = ["prepare_batch", "reconcile_batch", "add_payee", "change_payee"]
ROLE_PERMISSIONS = {
    "dinsos_admin": [*VIEW, *PREPARE, "approve_batch", "record_handover", "view_channelconfig"],
    "dinsos_operator": [*VIEW, *PREPARE, "record_handover"],
    "agency_officer": [*VIEW, *PREPARE],
    "puskesos_officer": ["view_batch", "view_line", "view_outlet", "record_handover"],
    "leadership": ["view_disbursement_report"],
    "auditor": [*VIEW, "view_channelconfig"],
}


def load(apps, schema_editor):
    programme_model = apps.get_model("programs", "Programme")
    config_model = apps.get_model("distribution", "ChannelConfig")
    for code, (channel, settings) in CHANNELS.items():
        programme = programme_model.objects.filter(code=code).first()
        if programme is not None:
            config_model.objects.update_or_create(
                programme=programme, defaults={"channel": channel, "settings": settings}
            )
    grant_permissions(apps, "distribution", ROLE_PERMISSIONS)


def unload(apps, schema_editor):
    apps.get_model("distribution", "ChannelConfig").objects.all().delete()
    revoke_permissions(apps, "distribution", ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0001_batches_lines_reconciliation"),
        ("programs", "0002_agencies_and_programmes"),
        ("depok_kds", "0002_roles"),
    ]
    operations = [migrations.RunPython(load, unload)]
