"""fuzzystrmatch: levenshtein_less_equal lets SQL keep only NIKs one typing mistake away."""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("dukcapil", "0001_initial")]
    operations = [CreateExtension("fuzzystrmatch")]
