from depok_kds.models.api_client import ApiCallLog, ApiClient
from depok_kds.models.audit import AuditEntry
from depok_kds.models.base import ActedEvent, TimeStampedModel
from depok_kds.models.job import Job, JobChunk
from depok_kds.models.user import User

__all__ = [
    "ActedEvent",
    "ApiCallLog",
    "ApiClient",
    "AuditEntry",
    "Job",
    "JobChunk",
    "TimeStampedModel",
    "User",
]
