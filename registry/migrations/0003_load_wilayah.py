"""Load the 11 kecamatan and 63 kelurahan of Kota Depok from registry/data/wilayah_depok.csv."""

import csv
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "wilayah_depok.csv"


def load_wilayah(apps, schema_editor):
    Kecamatan = apps.get_model("registry", "Kecamatan")
    Kelurahan = apps.get_model("registry", "Kelurahan")
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # Names repeat (Curug in Cimanggis and in Bojongsari): key everything by code.
    kecamatan = {row["kode"][:8]: row["kecamatan"] for row in rows}
    Kecamatan.objects.bulk_create(
        [Kecamatan(code=code, name=name) for code, name in sorted(kecamatan.items())]
    )
    Kelurahan.objects.bulk_create(
        [
            Kelurahan(code=row["kode"], kecamatan_id=row["kode"][:8], name=row["kelurahan"])
            for row in rows
        ]
    )


def unload_wilayah(apps, schema_editor):
    apps.get_model("registry", "Kelurahan").objects.all().delete()
    apps.get_model("registry", "Kecamatan").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_households_and_persons")]
    operations = [migrations.RunPython(load_wilayah, unload_wilayah)]
