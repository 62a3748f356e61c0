"""An exclusion error is of one year: its fingerprint names the year, as its detection does."""

from django.db import migrations

FORWARD = """
UPDATE overlap_finding SET fingerprint = fingerprint || ':' || year
WHERE rule = 'exclusion_error' AND fingerprint NOT LIKE 'exclusion_error:%:%'
"""
BACKWARD = """
UPDATE overlap_finding SET fingerprint = regexp_replace(fingerprint, ':[0-9]+$', '')
WHERE rule = 'exclusion_error' AND fingerprint LIKE 'exclusion_error:%:%'
"""


class Migration(migrations.Migration):
    dependencies = [("overlap", "0002_pairs_settings_and_grants")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
