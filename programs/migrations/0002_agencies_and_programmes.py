"""The agencies and the KDS programmes as Depok runs them (the rows of the recipients table).

Amounts where no source gives one (the KIS premium, the food package, a disability device,
a training place) are configurable starting values; each cycle sets its own amount.
"""

from django.db import migrations

AGENCIES = [
    ("DINSOS", "Dinas Sosial", "Dinsos", True),
    ("DINKES", "Dinas Kesehatan", "Dinkes", True),
    ("DISDIK", "Dinas Pendidikan", "Disdik", True),
    ("DISRUMKIM", "Dinas Perumahan dan Permukiman", "Disrumkim", True),
    ("DISNAKER", "Dinas Ketenagakerjaan", "Disnaker", True),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil", False),
    ("BAPPERIDA", "Badan Perencanaan Pembangunan, Riset dan Inovasi Daerah", "Bapperida", False),
]
RESIDENT = [{"rule": "depok_resident"}, {"rule": "alive"}]
POOR = {"rule": "poverty", "classes": ["miskin", "rentan"], "desil_max": 5}
# code, name, agency, kind, target, benefit, min, max, rules, options, frequency_years
PROGRAMMES = [
    ("kis-pbi-apbd", "KIS PBI-APBD Depok", "DINKES", "kis_pbi", "person", "premium_subsidy",
     0, 504_000, RESIDENT, {}, None),
    ("pendidikan-sd", "Bantuan Pendidikan Siswa Miskin SD/MI", "DISDIK", "education", "person",
     "cash", 2_000_000, 2_000_000, [*RESIDENT, POOR], {"level": "sd"}, None),
    ("pendidikan-smp", "Bantuan Pendidikan Siswa Miskin SMP/MTs", "DISDIK", "education",
     "person", "cash", 3_000_000, 3_000_000, [*RESIDENT, POOR], {"level": "smp"}, None),
    ("pendidikan-sma", "Bantuan Pendidikan Siswa Miskin SMA/MA", "DINSOS", "education",
     "person", "cash", 2_000_000, 2_000_000, [*RESIDENT, POOR], {"level": "sma"}, None),
    ("pendidikan-pt", "Bantuan Pendidikan Perguruan Tinggi", "DINSOS", "education", "person",
     "cash", 1, 23_000_000, [*RESIDENT, {"rule": "poverty", "desil_max": 5}], {"level": "pt"},
     None),
    ("santunan-kematian", "Santunan Kematian", "DINSOS", "death_benefit", "person", "cash",
     2_000_000, 2_000_000, RESIDENT, {}, None),
    ("bantuan-pangan-kota", "Bantuan Pangan Kota (BPK)", "DINSOS", "food_aid", "person",
     "in_kind", 0, 1_000_000, [*RESIDENT, {"rule": "elderly_or_disabled", "age_min": 60}], {},
     None),
    ("alat-disabilitas", "Bantuan Alat Disabilitas", "DINSOS", "disability_aid", "person",
     "in_kind", 0, 5_000_000, [*RESIDENT, {"rule": "disability"}], {}, None),
    ("rtlh", "Rumah Tidak Layak Huni (RTLH)", "DISRUMKIM", "rtlh", "household", "cash",
     23_000_000, 23_000_000, [{"rule": "depok_resident"}, POOR], {}, 3),
    ("pelatihan-keterampilan", "Pelatihan Keterampilan", "DISNAKER", "training", "person",
     "service", 0, 10_000_000, [*RESIDENT, {"rule": "age", "min": 15}], {}, 2),
]  # fmt: skip


def load(apps, schema_editor):
    agency_model = apps.get_model("programs", "Agency")
    programme_model = apps.get_model("programs", "Programme")
    agencies = {}
    for code, name, short, owns in AGENCIES:
        agencies[code], _ = agency_model.objects.update_or_create(
            code=code, defaults={"name": name, "short_name": short, "owns_programmes": owns}
        )
    for order, row in enumerate(PROGRAMMES, start=1):
        code, name, agency, kind, target, benefit, low, high, rules, options, freq = row
        programme_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "agency": agencies[agency],
                "kind": kind,
                "target": target,
                "benefit": benefit,
                "amount_min": low,
                "amount_max": high,
                "rules": rules,
                "options": options,
                "frequency_years": freq,
                "report_order": order,
            },
        )


def unload(apps, schema_editor):
    apps.get_model("programs", "Programme").objects.filter(
        code__in=[row[0] for row in PROGRAMMES]
    ).delete()
    apps.get_model("programs", "Agency").objects.filter(
        code__in=[row[0] for row in AGENCIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_programme_core")]
    operations = [migrations.RunPython(load, unload)]
