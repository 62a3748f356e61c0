"""The checks each KDS programme needs, who verifies what, and when enrolled households are
re-verified. Starting values an administrator may change per programme in the admin."""

from django.db import migrations

ALL = ["poverty", "technical", "identity"]
# programme code: checks, what the technical check verifies, blind, every N months, on desil change
POLICIES = {
    "kis-pbi-apbd": (ALL, "BPJS segment: not PBI-APBN, no other active JKN segment", False, 12, True),
    "pendidikan-sd": (ALL, "Enrolment at the (private) school, proposed by the school", False, 12, True),
    "pendidikan-smp": (ALL, "Enrolment at the (private) school, proposed by the school", False, 12, True),
    "pendidikan-sma": (ALL, "Enrolment at the school", False, 12, True),
    "pendidikan-pt": (ALL, "Enrolment at the campus, proposed by the campus", False, 12, True),
    "santunan-kematian": (ALL, "Death certificate (Disdukcapil) and the heir", False, None, False),
    "bantuan-pangan-kota": (ALL, "Elderly or disabled member; collector on the same KK", False, 12, True),
    "alat-disabilitas": (ALL, "Assessed need for the device; none received through CSR", False, None, False),
    "rtlh": (ALL, "House survey: roof, floor and wall condition, land status, photos", True, None, False),
    "pelatihan-keterampilan": (["technical", "identity"], "AK1 job-seeker card; no training in the last 2 years", False, None, False),
}  # fmt: skip


def load(apps, schema_editor):
    programme_model = apps.get_model("programs", "Programme")
    policy_model = apps.get_model("verification", "Policy")
    for programme in programme_model.objects.filter(code__in=POLICIES):
        checks, label, blind, months, desil = POLICIES[programme.code]
        policy_model.objects.update_or_create(
            programme=programme,
            defaults={
                "checks": checks,
                "technical_label": label,
                "blind": blind,
                "reverify_months": months,
                "reverify_on_desil_change": desil,
            },
        )


def unload(apps, schema_editor):
    apps.get_model("verification", "Policy").objects.filter(
        programme__code__in=POLICIES
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("verification", "0001_verification_core"),
        ("programs", "0002_agencies_and_programmes"),
    ]
    operations = [migrations.RunPython(load, unload)]
