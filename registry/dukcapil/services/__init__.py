"""Use cases of Dukcapil matching. Views, API, admin and jobs change data only here."""

from registry.dukcapil.services.extracts import LOAD_KIND, dkb_extract_load, dkb_extract_start
from registry.dukcapil.services.review import (
    CONFIRM,
    REJECT,
    BulkReview,
    outcome_review,
    outcomes_review_bulk,
)
from registry.dukcapil.services.runs import (
    MATCH_KIND,
    match_run_advance,
    match_run_execute,
    match_run_start,
    run_persons,
    run_summary_compute,
)

__all__ = [
    "CONFIRM",
    "LOAD_KIND",
    "MATCH_KIND",
    "REJECT",
    "BulkReview",
    "dkb_extract_load",
    "dkb_extract_start",
    "match_run_advance",
    "match_run_execute",
    "match_run_start",
    "outcome_review",
    "outcomes_review_bulk",
    "run_persons",
    "run_summary_compute",
]
