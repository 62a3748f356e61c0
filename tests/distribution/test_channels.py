"""Each channel's lines and refusals: schools, blocked accounts, the RTLH shop, goods at an
outlet, BPJS premiums, death benefit in person."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.models import AuditEntry, User
from distribution.models import Batch, Line, Payee
from distribution.reasons import reason_text
from distribution.services import (
    batch_close,
    batch_create,
    batch_deactivations,
    batch_export,
    batch_settle,
    handover_record,
    in_person_pay,
    lpj_upload,
    outlet_save,
    payee_save,
    return_file_apply,
    return_file_upload,
)
from programs.death_benefit.models import DeathBenefitDetail
from programs.education.models import EducationDetail
from programs.models import Cycle, Enrolment
from programs.rtlh.models import RtlhDetail
from registry.models import Person
from tests.conftest import KELURAHAN_DEPOK, KELURAHAN_TUGU
from tests.distribution.factories import (
    account,
    beneficiary,
    build,
    new_batch,
    return_csv,
    sent,
    with_application,
)
from tests.programs.factories import applicant

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 40
PDF = b"%PDF-1.4 lpj"


def refusals(batch: Batch) -> dict[int, str]:
    return dict(batch.refusals.values_list("enrolment_id", "reason"))


def school(name: str) -> Payee:
    return payee_save(actor=None, kind="school", name=name, account_number=account())


def student(code: str, school_name: str) -> Enrolment:
    enrolment = beneficiary(code, with_account=False)
    EducationDetail.objects.create(
        application=with_application(enrolment), level="sd", school_name=school_name,
        school_is_private=True, grade=3, student_number="1", payee="school",
    )  # fmt: skip
    return enrolment


def test_school_aid_is_one_transfer_per_school_with_its_annex(
    dinsos_admin: User, second_admin: User
) -> None:
    school("SD Harapan")
    a, b = student("pendidikan-sd", "SD Harapan"), student("pendidikan-sd", "sd harapan")
    lost = student("pendidikan-sd", "SD Tanpa Rekening")
    batch = sent(new_batch("pendidikan-sd", actor=dinsos_admin), preparer=dinsos_admin,
                 approver=second_admin)  # fmt: skip
    assert refusals(batch) == {lost.pk: "payee"}
    assert set(batch.lines.values_list("enrolment_id", flat=True)) == {a.pk, b.pk}
    _name, content = batch_export(actor=dinsos_admin, batch_id=batch.pk)
    text = content.decode()
    transfers = [row for row in text.split("\r\n") if row.startswith("SCH")]
    assert len(transfers) == 1 + 2  # one transfer row, two annex rows naming it
    transfer = transfers[0].split(";")
    assert transfer[3] == "4000000"
    content = return_csv([(transfer[0], 4_000_000, "00", "")])
    upload = return_file_upload(
        actor=dinsos_admin, batch_id=batch.pk, file_name="r.csv", content=content
    )
    return_file_apply(actor=dinsos_admin, return_file_id=upload.pk)
    assert set(batch.lines.values_list("state", flat=True)) == {"paid"}
    # The transfer comes back: each of its lines is returned with the bank's reason.
    content = return_csv([(transfer[0], 4_000_000, "RETUR", "Rekening sekolah ditutup")])
    upload = return_file_upload(
        actor=dinsos_admin, batch_id=batch.pk, file_name="r2.csv", content=content
    )
    upload.refresh_from_db()
    assert sorted(upload.returned_lines) == sorted(batch.lines.values_list("pk", flat=True))
    assert upload.returned_reasons == ["Rekening sekolah ditutup"] * 2
    assert upload.paid_lines == upload.failed_lines == []
    applied = return_file_apply(actor=dinsos_admin, return_file_id=upload.pk)
    assert applied.lines_changed == 2
    assert set(batch.lines.values_list("state", "reason")) == {
        ("returned", "Rekening sekolah ditutup")
    }


def test_blocked_account_holds_the_cap_across_years(dinsos_admin: User) -> None:
    enrolment = beneficiary("pendidikan-pt", with_account=False)
    payee_save(actor=None, kind="blocked_account", person_id=enrolment.person_id, name="x",
               account_number=account())  # fmt: skip
    Enrolment.objects.filter(pk=enrolment.pk).update(amount=Decimal(12_000_000))
    first = build(new_batch("pendidikan-pt", actor=dinsos_admin, start=date(2026, 1, 1),
                            end=date(2026, 6, 30)))  # fmt: skip
    assert first.lines.count() == 1
    second = build(new_batch("pendidikan-pt", actor=dinsos_admin, tahap=2,
                             start=date(2026, 7, 1), end=date(2026, 12, 31)))  # fmt: skip
    assert refusals(second) == {enrolment.pk: "cap"}
    Enrolment.objects.filter(pk=enrolment.pk).update(amount=Decimal(11_000_000))
    third = build(new_batch("pendidikan-pt", actor=dinsos_admin, tahap=3,
                            start=date(2026, 7, 1), end=date(2026, 12, 31)))  # fmt: skip
    assert third.lines.get().amount == Decimal(11_000_000)


def rtlh_house(shop: str = "TB Maju") -> Enrolment:
    enrolment = beneficiary("rtlh")
    RtlhDetail.objects.create(
        application=with_application(enrolment), owner_first_house=True,
        land_and_building_in_owner_name=True, in_dispute=False, damage_from_disaster=False,
        no_sale_within_three_years=True, partner_shop=shop,
    )  # fmt: skip
    return enrolment


def test_rtlh_pays_the_shop_labour_and_lpj_and_closes_with_the_lpj(
    disrumkim_officer: User, dinsos_admin: User
) -> None:
    payee_save(actor=None, kind="shop", name="TB Maju", account_number=account())
    house = rtlh_house()
    no_shop = rtlh_house("TB Tidak Terdaftar")
    batch = sent(new_batch("rtlh", actor=disrumkim_officer), preparer=disrumkim_officer,
                 approver=dinsos_admin)  # fmt: skip
    assert refusals(batch) == {no_shop.pk: "payee"}
    lines = {line.component: line for line in batch.lines.select_related("payee")}
    assert {k: int(v.amount) for k, v in lines.items()} == {
        "materials": 20_000_000, "labour": 2_800_000, "report": 200_000,
    }  # fmt: skip
    assert lines["materials"].payee.kind == "shop"
    assert lines["labour"].payee.person_id == house.person_id
    with pytest.raises(Conflict):
        lpj_upload(actor=disrumkim_officer, enrolment_id=house.pk, content=PDF, name="lpj.pdf")
    batch.lines.update(state="paid")
    batch_settle(actor=disrumkim_officer, batch_id=batch.pk)
    with pytest.raises(Conflict) as refused:
        batch_close(actor=disrumkim_officer, batch_id=batch.pk)
    assert refused.value.code == "lpj_missing"
    with pytest.raises(DomainError):
        lpj_upload(actor=disrumkim_officer, enrolment_id=house.pk, content=b"MZ", name="x.exe")
    lpj_upload(actor=disrumkim_officer, enrolment_id=house.pk, content=PDF, name="lpj.pdf")
    batch_close(actor=disrumkim_officer, batch_id=batch.pk)


@pytest.fixture
def food(dinsos_operator: User, second_admin: User) -> tuple[Batch, Enrolment]:
    outlet_save(actor=None, code="GP01", name="Gerai Pangan Pancoran Mas",
                kelurahan_codes=[KELURAHAN_DEPOK])  # fmt: skip
    elder = beneficiary("bantuan-pangan-kota", with_account=False, birth_date=date(1950, 1, 1))
    Enrolment.objects.filter(pk=elder.pk).update(amount=Decimal(300_000))
    far = beneficiary("bantuan-pangan-kota", with_account=False, kelurahan=KELURAHAN_TUGU)
    batch = sent(new_batch("bantuan-pangan-kota", actor=dinsos_operator), preparer=dinsos_operator,
                 approver=second_admin)  # fmt: skip
    assert refusals(batch) == {far.pk: "payee"}  # no outlet serves Tugu
    return batch, elder


def test_a_member_of_the_same_kk_receives_the_package(
    food: tuple[Batch, Enrolment], puskesos_a: User
) -> None:
    batch, elder = food
    beneficiary_person = Person.objects.get(pk=elder.person_id)
    daughter = applicant(household=beneficiary_person.household)
    line = batch.lines.get()
    handover = handover_record(actor=puskesos_a, line_id=line.pk, receiver_nik=daughter.nik,
                               evidence=PNG, evidence_name="ttd.png")  # fmt: skip
    assert handover.receiver == daughter
    line.refresh_from_db()
    assert line.state == "paid"


def test_a_stranger_or_an_officer_of_another_kelurahan_cannot_record_it(
    food: tuple[Batch, Enrolment], puskesos_a: User, puskesos_b: User
) -> None:
    batch, elder = food
    stranger = applicant()
    line = batch.lines.get()
    with pytest.raises(DomainError) as refused:
        handover_record(actor=puskesos_a, line_id=line.pk, receiver_nik=stranger.nik,
                        evidence=PNG, evidence_name="ttd.png")  # fmt: skip
    assert refused.value.code == "receiver_not_family"
    beneficiary_nik = Person.objects.get(pk=elder.person_id).nik
    with pytest.raises(Forbidden):
        handover_record(actor=puskesos_b, line_id=line.pk, receiver_nik=beneficiary_nik,
                        evidence=PNG, evidence_name="ttd.png")  # fmt: skip
    with pytest.raises(DomainError):
        handover_record(actor=puskesos_a, line_id=line.pk, receiver_nik=beneficiary_nik,
                        evidence=b"not an image", evidence_name="ttd.txt")  # fmt: skip


def test_unclaimed_packages_are_returned_at_the_period_end(
    food: tuple[Batch, Enrolment], dinsos_operator: User
) -> None:
    batch, _elder = food
    with pytest.raises(Conflict):
        batch_settle(actor=dinsos_operator, batch_id=batch.pk, on=date(2026, 3, 31))
    batch_settle(actor=dinsos_operator, batch_id=batch.pk, on=date(2026, 4, 1))
    line = batch.lines.get()
    assert (line.state, line.reason) == ("returned", "Unclaimed.")


def test_bpjs_premium_per_member_month_from_the_coverage_start(
    dinkes_officer: User, dinsos_admin: User
) -> None:
    covered = beneficiary("kis-pbi-apbd", with_account=False)
    later = beneficiary("kis-pbi-apbd", with_account=False)
    Enrolment.objects.filter(pk=covered.pk).update(starts_on=date(2026, 1, 1))
    Enrolment.objects.filter(pk=later.pk).update(starts_on=date(2026, 2, 1))
    batch = sent(new_batch("kis-pbi-apbd", actor=dinkes_officer, start=date(2026, 1, 1),
                           end=date(2026, 1, 31)), preparer=dinkes_officer,
                 approver=dinsos_admin)  # fmt: skip
    assert refusals(batch) == {later.pk: "not_due"}
    # Judged in SQL, the refusal's detail is a msgid with its date, shown in Indonesian.
    refusal = batch.refusals.get()
    assert (refusal.detail, refusal.params) == (
        "Starts on %(date)s.",
        {"date": "2026-02-01"},
    )
    assert reason_text(refusal.detail, refusal.params) == "Mulai 1 Februari 2026."
    assert batch.lines.get().amount == Decimal(42_000)
    _name, content = batch_export(actor=dinkes_officer, batch_id=batch.pk)
    nik = Person.objects.get(pk=covered.person_id).nik
    assert nik is not None and nik.encode() in content
    assert AuditEntry.objects.filter(action="pii.export").exists()


def heir_of(deceased: Person, code: str = "santunan-kematian", **kw: object) -> Enrolment:
    enrolment = beneficiary(code, with_account=False, household=deceased.household)
    DeathBenefitDetail.objects.create(
        application=with_application(enrolment), deceased=deceased,
        death_certificate_number="AKTA-1", heir_relationship="child", applied_in_person=True,
    )  # fmt: skip
    return enrolment


def test_death_benefit_is_paid_to_the_heir_in_person_never_a_proxy(
    dinsos_admin: User, second_admin: User
) -> None:
    deceased = applicant()
    Person.objects.filter(pk=deceased.pk).update(is_deceased=True, death_date=date(2026, 1, 3))
    heir = heir_of(deceased)
    batch = sent(new_batch("santunan-kematian", actor=dinsos_admin), preparer=dinsos_admin,
                 approver=second_admin)  # fmt: skip
    line = batch.lines.get()
    proxy = applicant(household=deceased.household)
    with pytest.raises(DomainError) as refused:
        in_person_pay(actor=dinsos_admin, line_id=line.pk, receiver_nik=proxy.nik)
    assert refused.value.code == "proxy"
    heir_nik = Person.objects.get(pk=heir.person_id).nik
    in_person_pay(actor=dinsos_admin, line_id=line.pk, receiver_nik=heir_nik)
    assert Line.objects.get(pk=line.pk).state == "paid"


def test_one_heir_is_paid_once_per_death(dinsos_admin: User) -> None:
    deceased = applicant()
    Person.objects.filter(pk=deceased.pk).update(is_deceased=True, death_date=date(2026, 1, 3))
    heir = heir_of(deceased)
    build(new_batch("santunan-kematian", actor=dinsos_admin))
    # The same heir proposed again for the same death in the next year's cycle.
    again = Enrolment.objects.create(
        programme_id=heir.programme_id, cycle=_next_cycle(heir), year=2027,
        person_id=heir.person_id, household_id=heir.household_id,
        kelurahan_code=heir.kelurahan_code, source="import", amount=heir.amount,
        enrolled_on=date(2027, 1, 5),
    )  # fmt: skip
    DeathBenefitDetail.objects.create(
        application=with_application(again), deceased=deceased,
        death_certificate_number="AKTA-1", heir_relationship="child", applied_in_person=True,
    )  # fmt: skip
    batch = build(batch_create(actor=dinsos_admin, cycle_id=again.cycle_id, tahap=1,
                               period_start=date(2027, 1, 1), period_end=date(2027, 3, 31),
                               planned_on=date(2027, 3, 31)))  # fmt: skip
    assert refusals(batch) == {again.pk: "once_per_death"}


def _next_cycle(enrolment: Enrolment) -> Cycle:
    return Cycle.objects.create(
        programme_id=enrolment.programme_id, year=2027, quota=10, budget=10**9,
        amount=enrolment.amount,
    )  # fmt: skip


def test_bpjs_deactivation_lists_members_who_left_since_last_month(
    dinkes_officer: User, dinsos_admin: User
) -> None:
    stays, leaves = (beneficiary("kis-pbi-apbd", with_account=False) for _ in range(2))
    january = new_batch("kis-pbi-apbd", actor=dinkes_officer, start=date(2026, 1, 1),
                        end=date(2026, 1, 31))  # fmt: skip
    build(january)
    Enrolment.objects.filter(pk=leaves.pk).update(
        status="exited", exit_reason="moved_away", exited_on=date(2026, 1, 20)
    )
    february = build(new_batch("kis-pbi-apbd", actor=dinkes_officer, tahap=2,
                               start=date(2026, 2, 1), end=date(2026, 2, 28)))  # fmt: skip
    assert list(february.lines.values_list("enrolment_id", flat=True)) == [stays.pk]
    _name, content = batch_deactivations(actor=dinkes_officer, batch_id=february.pk)
    rows = content.decode().split("\r\n")
    leaver = Person.objects.get(pk=leaves.person_id)
    assert rows[1] == f"{leaver.nik};{leaver.full_name};moved_away;2026-01-20"
    assert len([r for r in rows if r]) == 2


def test_a_premium_batch_is_built_in_sql_with_every_refusal(
    dinkes_officer: User, dinsos_admin: User
) -> None:
    members = [beneficiary("kis-pbi-apbd", with_account=False) for _ in range(5)]
    Enrolment.objects.filter(pk__in=[m.pk for m in members]).update(starts_on=date(2026, 1, 1))
    exited, dead, first, second, third = members
    Enrolment.objects.filter(pk=exited.pk).update(
        status=Enrolment.Status.EXITED, exit_reason="moved_away", exited_on=date(2025, 12, 1)
    )
    Person.objects.filter(pk=dead.person_id).update(is_deceased=True)
    january = build(new_batch("kis-pbi-apbd", actor=dinkes_officer, start=date(2026, 1, 1),
                              end=date(2026, 1, 31)))  # fmt: skip
    assert refusals(january) == {exited.pk: "exited", dead.pk: "exited"}
    lines = list(january.lines.order_by("pk").values_list("enrolment_id", "amount", "reference"))
    assert lines == [
        (m.pk, Decimal(42_000), f"KDS{january.pk:06d}{n:07d}")
        for n, m in enumerate([first, second, third], start=1)
    ]
    again = build(new_batch("kis-pbi-apbd", actor=dinkes_officer, tahap=2,
                            start=date(2026, 1, 15), end=date(2026, 1, 31)))  # fmt: skip
    assert set(refusals(again).values()) == {"exited", "already_paid"}
    assert not again.lines.exists()
    # Room in the budget for one more member-month: the first in id order gets it.
    Cycle.objects.filter(pk=first.cycle_id).update(budget=Decimal(4 * 42_000))
    february = build(new_batch("kis-pbi-apbd", actor=dinkes_officer, tahap=3,
                               start=date(2026, 2, 1), end=date(2026, 2, 28)))  # fmt: skip
    assert list(february.lines.values_list("enrolment_id", flat=True)) == [first.pk]
    assert {k: v for k, v in refusals(february).items() if v == "budget"} == {
        second.pk: "budget",
        third.pk: "budget",
    }
