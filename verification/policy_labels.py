"""The technical-check descriptions the programmes ship with (data migration 0002), marked
for translation here so that the page shows them in the reader's language
(`{% translate policy.technical_label %}`); a description an administrator writes later
is shown as written."""

from django.utils.translation import gettext_noop

SHIPPED_TECHNICAL_LABELS = (
    gettext_noop("BPJS segment: not PBI-APBN, no other active JKN segment"),
    gettext_noop("Enrolment at the (private) school, proposed by the school"),
    gettext_noop("Enrolment at the school"),
    gettext_noop("Enrolment at the campus, proposed by the campus"),
    gettext_noop("Death certificate (Disdukcapil) and the heir"),
    gettext_noop("Elderly or disabled member; collector on the same KK"),
    gettext_noop("Assessed need for the device; none received through CSR"),
    gettext_noop("House survey: roof, floor and wall condition, land status, photos"),
    gettext_noop("AK1 job-seeker card; no training in the last 2 years"),
)
