"""Behind the trusted proxy, the client's own address is what the audit trail and the
public page's rate limit see; without one, X-Forwarded-For is ignored."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from depok_kds.models import AuditEntry
from tests.registry.test_views import register

pytestmark = pytest.mark.django_db

FORWARDED = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 10.1.2.3"}  # spoofed, then what the proxy saw


@override_settings(KDS_TRACKING_LOOKUPS=2, KDS_TRUSTED_PROXIES=1)
def test_behind_the_proxy_each_visitor_has_their_own_rate_limit():
    proxy = Client(REMOTE_ADDR="172.18.0.5")

    def lookups(client_address: str) -> list[int]:
        headers = {"HTTP_X_FORWARDED_FOR": f"6.6.6.6, {client_address}"}
        return [
            proxy.get("/lacak/", {"number": "ABCDEFGHJK"}, **headers).status_code for _ in range(3)
        ]

    assert lookups("10.1.2.3") == [200, 200, 429]
    assert lookups("10.1.2.4") == [200, 200, 429]  # another visitor, the same proxy


@override_settings(KDS_TRUSTED_PROXIES=1)
def test_the_audit_trail_records_the_clients_address(client, puskesos_a):
    household = register("Slamet Riyadi")
    client.force_login(puskesos_a)
    client.get(
        reverse("registry:household", args=[household.pk]), REMOTE_ADDR="172.18.0.5", **FORWARDED
    )
    assert AuditEntry.objects.get(action="pii.view").remote_addr == "10.1.2.3"


@override_settings(KDS_TRACKING_LOOKUPS=2, KDS_TRUSTED_PROXIES=0)
def test_without_a_proxy_the_header_is_ignored():
    visitor = Client(REMOTE_ADDR="10.9.9.8")
    codes = [
        visitor.get(
            "/lacak/", {"number": "ABCDEFGHJK"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        ).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]
