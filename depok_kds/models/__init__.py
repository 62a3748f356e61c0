from depok_kds.models.api_client import ApiCallLog, ApiClient
from depok_kds.models.audit import AuditEntry
from depok_kds.models.base import TimeStampedModel
from depok_kds.models.job import Job
from depok_kds.models.user import User

__all__ = ["ApiCallLog", "ApiClient", "AuditEntry", "Job", "TimeStampedModel", "User"]
