from django import template
from django_stubs_ext import StrOrPromise

from depok_kds.jobs import job_kind_label

register = template.Library()


@register.filter
def job_label(kind: str) -> StrOrPromise:
    return job_kind_label(kind)
