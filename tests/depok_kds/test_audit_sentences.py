"""The audit log reads as sentences: who viewed whose full NIK, which filters an export
used."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from depok_kds.audit import audit_record, pii_access_record
from depok_kds.audit_sentences import audit_sentence

pytestmark = pytest.mark.django_db


def test_a_view_of_full_numbers_reads_as_a_sentence(dinsos_operator):
    entry = pii_access_record(
        actor=dinsos_operator, target_type="registry.person", target_ids=[1, 2, 3]
    )
    with translation.override("id"):
        sentence = audit_sentence(entry)
    assert sentence.startswith("operator melihat NIK lengkap dari 3 ")
    assert "registry.person" not in sentence


def test_an_export_names_its_filters(dinsos_operator):
    entry = pii_access_record(
        actor=dinsos_operator,
        export=True,
        target_type="registry.household",
        fields=("nik", "kk"),
        count=120,
        filters={"kelurahan": "32.76.02.1009", "q": ""},
    )
    with translation.override("id"):
        sentence = audit_sentence(entry)
    assert "mengekspor 120" in sentence and "NIK / No. KK" in sentence
    assert "kelurahan: 32.76.02.1009" in sentence and "q:" not in sentence


def test_the_audit_page_shows_sentences_to_the_auditor_only(auditor_user, puskesos_a):
    pii_access_record(actor=puskesos_a, target_type="registry.person", target_ids=[7])
    client = Client()
    client.force_login(auditor_user)
    body = client.get("/audit/").content.decode()
    assert "puskesos.depok melihat NIK lengkap" in body
    client.force_login(puskesos_a)
    assert client.get("/audit/").status_code == 403


def test_a_use_case_reads_with_its_verb(dinsos_operator):
    entry = audit_record(actor=dinsos_operator, action="household.register", target=dinsos_operator)
    with translation.override("id"):
        assert audit_sentence(entry).startswith("operator mendaftarkan ")
