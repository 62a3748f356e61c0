"""The exclusive pairs found in the sources, the cap setting, and the role permissions.

- KIS PBI-APBD and PBI-APBN: one NIK holds one JKN segment.
- Bantuan Pangan Kota and PKH / BPNT / BSP: KDS recipients must not already receive central
  or provincial bansos (2021 eligibility). Education aid is deliberately not paired: PKH is
  an entry path to it, not an exclusion.
"""

from django.db import migrations

from depok_kds.role_grants import grant_permissions, revoke_permissions

LIST_PAIRS = [
    ("kis-pbi-apbd", "pbi_apbn", "One NIK holds one JKN segment (PBI-APBN or PBI-APBD)."),
    ("bantuan-pangan-kota", "pkh", "KDS: not already receiving PKH."),
    ("bantuan-pangan-kota", "bpnt", "KDS: not already receiving BPNT."),
    ("bantuan-pangan-kota", "bsp", "KDS: not already receiving BSP."),
]
READ = ["view_finding", "view_overlap_report"]
DECIDE = ["decide_finding", "run_overlap_detection"]
LISTS = ["view_nationallist", "add_nationallist", "view_exclusivepair"]
ROLE_PERMISSIONS = {
    "dinsos_admin": [
        *READ,
        *DECIDE,
        *LISTS,
        "add_exclusivepair",
        "change_exclusivepair",
        "delete_exclusivepair",
        "view_overlapsettings",
        "change_overlapsettings",
        "view_deathbenefitproposal",
    ],
    "dinsos_operator": [*READ, *DECIDE, *LISTS, "view_deathbenefitproposal"],
    "agency_officer": [*READ, *DECIDE, "view_nationallist", "view_exclusivepair"],
    "puskesos_officer": ["view_finding", "view_deathbenefitproposal"],
    "leadership": ["view_overlap_report"],
    "auditor": [*READ, "view_nationallist", "view_exclusivepair", "view_overlapsettings"],
}


def load(apps, schema_editor):
    programme_model = apps.get_model("programs", "Programme")
    pair_model = apps.get_model("overlap", "ExclusivePair")
    apps.get_model("overlap", "OverlapSettings").objects.get_or_create(pk=1)
    for code, kind, note in LIST_PAIRS:
        programme = programme_model.objects.filter(code=code).first()
        if programme is not None:
            pair_model.objects.get_or_create(
                programme=programme, national_list=kind, defaults={"note": note}
            )
    grant_permissions(apps, "overlap", ROLE_PERMISSIONS)


def unload(apps, schema_editor):
    revoke_permissions(apps, "overlap", ROLE_PERMISSIONS)
    apps.get_model("overlap", "ExclusivePair").objects.filter(
        programme__code__in=[c for c, _k, _n in LIST_PAIRS], other_programme__isnull=True
    ).delete()
    apps.get_model("overlap", "OverlapSettings").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("overlap", "0001_overlap_findings"),
        ("programs", "0003_grant_role_permissions"),
        ("dukcapil", "0001_initial"),
        ("depok_kds", "0002_roles"),
    ]
    operations = [migrations.RunPython(load, unload)]
