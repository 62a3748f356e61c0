"""django-import-export resources for the back-office: households with members, DTSEN desil.

The portal's import pages are the clerk's path (preview, families skipped whole, set-based
writes). These resources serve the Django admin's import and export: the same columns, every
identifier read as text and checked by `registry.nik`, with per-row errors shown by the admin,
bulk writes (`use_bulk`) in batches, and unchanged rows skipped. The admin imports a file only
when its dry run has no error at all.

Export from the admin carries full NIK and No. KK numbers, so it is offered only to users who
may see them, and every export is written to the audit log.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.admin import ImportExportMixin
from import_export.fields import Field
from import_export.results import RowResult
from tablib import Dataset

from depok_kds.access import may_see_pii
from depok_kds.audit import audit_record, pii_access_record, recorded_user
from depok_kds.spreadsheet import row_safe
from registry.dtsen import desil_records_match, household_desil_refresh
from registry.imports import members
from registry.imports.kinds import DESIL, HOUSEHOLDS
from registry.imports.selectors import import_allowed
from registry.imports.values import (
    CellError,
    identifier_kk,
    identifier_nik,
    parse_date,
    parse_kelurahan_code,
    parse_period,
    parse_whole,
    require,
)
from registry.imports.widgets import (
    DesilInstanceLoader,
    HouseholdByKkWidget,
    KkWidget,
    NikWidget,
    ParsedWidget,
    PersonInstanceLoader,
    cell,
    desil_key,
    desil_records,
    is_head,
    nik_of,
)
from registry.models import DesilRecord, FamilyCard, Household, HouseholdEvent, Kelurahan, Person
from registry.models.person import name_key
from registry.nik import today_wib
from registry.services.common import MemberData
from registry.services.member_additions import MemberAdded, members_added_record
from registry.services.name_words import name_words_recount_after_commit
from registry.services.registration import FamilyData, households_register

BATCH_SIZE = 1_000
# The member fields the household import writes, whose changes the history records.
MEMBER_FIELDS = (
    "full_name", "sex", "birth_place", "birth_date", "relationship", "marital_status",
    "education", "occupation", "disability",
)  # fmt: skip
HEAD = Person.Relationship.HEAD


def _sex_letter(value: str) -> str:
    return "L" if value == Person.Sex.MALE else "P"


class RowError(CellError):
    """A row of a new family that cannot be read: the family waits for the file's correction."""


class HouseholdMemberResource(resources.ModelResource):  # type: ignore[misc]  # untyped library
    """One row per member, with the family's No. KK and address: the portal's template."""

    import_kind = HOUSEHOLDS.key

    no_kk = Field(attribute="household", column_name="no_kk", widget=HouseholdByKkWidget())
    kelurahan_code = Field(
        attribute="household__kelurahan_id", column_name="kelurahan_code", readonly=True
    )
    rw = Field(attribute="household__rw", column_name="rw", readonly=True)
    rt = Field(attribute="household__rt", column_name="rt", readonly=True)
    alamat = Field(attribute="household__address", column_name="alamat", readonly=True)
    nik = Field(attribute="nik", column_name="nik", widget=NikWidget(required=False, empty=None))
    # Read from the row by `import_instance` (a person keeps no such field); exported empty.
    alasan_tanpa_nik = Field(column_name="alasan_tanpa_nik", readonly=True)
    nama = Field(
        attribute="full_name",
        column_name="nama",
        widget=ParsedWidget(lambda text: members.parse_name(text)[0]),
    )
    jenis_kelamin = Field(
        attribute="sex",
        column_name="jenis_kelamin",
        widget=ParsedWidget(members.parse_sex, _sex_letter),
    )
    tempat_lahir = Field(
        attribute="birth_place",
        column_name="tempat_lahir",
        widget=ParsedWidget(members.parse_place),
    )
    tanggal_lahir = Field(
        attribute="birth_date",
        column_name="tanggal_lahir",
        widget=ParsedWidget(
            lambda text: parse_date(text, today=today_wib()), lambda d: d.isoformat()
        ),
    )
    hubungan = Field(
        attribute="relationship",
        column_name="hubungan",
        widget=ParsedWidget(members.parse_relationship),
    )
    status_kawin = Field(
        attribute="marital_status",
        column_name="status_kawin",
        widget=ParsedWidget(members.parse_marital_status),
    )
    pendidikan = Field(
        attribute="education",
        column_name="pendidikan",
        widget=ParsedWidget(members.parse_education),
    )
    pekerjaan = Field(
        attribute="occupation",
        column_name="pekerjaan",
        widget=ParsedWidget(members.parse_occupation),
    )
    disabilitas = Field(
        attribute="disability",
        column_name="disabilitas",
        widget=ParsedWidget(members.parse_disability),
    )

    class Meta:
        model = Person
        name = _("Households with members (one row per member)")
        fields = (
            "no_kk",
            "kelurahan_code",
            "rw",
            "rt",
            "alamat",
            "nik",
            "alasan_tanpa_nik",
            "nama",
            "jenis_kelamin",
            "tempat_lahir",
            "tanggal_lahir",
            "hubungan",
            "status_kawin",
            "pendidikan",
            "pekerjaan",
            "disabilitas",
        )
        import_id_fields = ("nik",)
        instance_loader_class = PersonInstanceLoader
        use_bulk = True
        batch_size = BATCH_SIZE
        skip_unchanged = True
        report_skipped = False
        skip_html_diff = True
        clean_model_instances = False
        use_transactions = True
        chunk_size = BATCH_SIZE

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.household_widget: HouseholdByKkWidget = self.fields["no_kk"].widget
        self.created: set[int] = set()
        # Members of the families registered in `before_import`, reported as new rows.
        self.registered_persons: set[int] = set()
        # Members of existing households changed or added by a row, with their household's
        # id, for its history (the instances, written in bulk, have their ids by
        # `after_import`): what changed, and the reason an added member has no NIK.
        self.member_changes: list[tuple[Person, int, dict[str, Any]]] = []
        self.members_added: list[tuple[Person, int, str]] = []

    # --- import ---------------------------------------------------------------------------

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        """Find the household of every No. KK in the file; register the new families whole
        through the registration service (`households_register`).

        A new family needs exactly one head, one valid address, every row readable and NIKs
        held by no one else; otherwise each of its rows gets that reason as its error.
        """
        today = today_wib()
        families: dict[str, list[dict[str, Any]]] = {}
        for row in dataset.dict:
            text, number = cell(row.get("no_kk"))
            try:
                kk = identifier_kk(text, numeric=number, today=today).kk
            except CellError:
                continue  # the row's own error says why
            families.setdefault(kk, []).append(row)
        existing = {
            card.number: card.household
            for card in FamilyCard.objects.filter(
                number__in=list(families), valid_to__isnull=True
            ).select_related("household")
        }
        known_kelurahan = set(Kelurahan.objects.values_list("code", flat=True))
        widget = self.household_widget
        widget.households, widget.problems = dict(existing), {}
        new: list[FamilyData] = []
        for kk, rows in families.items():
            if kk in existing:
                continue
            try:
                new.append(self._new_family(kk, rows, known_kelurahan, today))
            except RowError:
                # A row's own error says why; the family's other rows are skipped, unwritten.
                widget.households[kk] = Household()
            except CellError as error:
                widget.problems[kk] = error.message
        new = self._without_taken_niks(new)
        user = kwargs.get("user")
        registered = households_register(
            actor=user, families=new, details={"source": "admin_import"}
        )
        widget.households.update({kk: Household(pk=pk) for kk, pk in registered.items()})
        self.created = set(registered.values())

    def _new_family(
        self, kk: str, rows: list[dict[str, Any]], known: set[str], today: date
    ) -> FamilyData:
        code = parse_kelurahan_code(cell(rows[0].get("kelurahan_code"))[0])
        if code not in known:
            raise CellError(
                _("%(value)r is not a kelurahan code of Kota Depok (for example 32.76.01.1006).")
                % {"value": code}
            )
        heads = sum(1 for row in rows if is_head(row))
        if heads != 1:
            message = _(
                "The family has %(count)s heads of family (hubungan 1); exactly one is needed."
            )
            raise CellError(str(message % {"count": heads}))
        family_members = [self._member(row, today) for row in rows]
        return FamilyData(
            kk=kk,
            kelurahan_code=code,
            rw=members.parse_rt_rw(cell(rows[0].get("rw"))[0]),
            rt=members.parse_rt_rw(cell(rows[0].get("rt"))[0]),
            address=members.parse_address(cell(rows[0].get("alamat"))[0]),
            members=family_members,
        )

    @staticmethod
    def _member(row: dict[str, Any], today: date) -> MemberData:
        try:
            return HouseholdMemberResource._member_read(row, today)
        except CellError as error:
            raise RowError(error.message) from None

    @staticmethod
    def _member_read(row: dict[str, Any], today: date) -> MemberData:
        text, number = cell(row.get("nik"))
        nik = (
            identifier_nik(text, numeric=number, today=today).nik
            if text.strip() or number
            else None
        )
        birth_date = parse_date(cell(row.get("tanggal_lahir"))[0], today=today)
        return MemberData(
            nik=nik,
            full_name=members.parse_name(cell(row.get("nama"))[0])[0],
            sex=members.parse_sex(cell(row.get("jenis_kelamin"))[0]),
            birth_place=members.parse_place(cell(row.get("tempat_lahir"))[0]),
            birth_date=birth_date,
            relationship=members.parse_relationship(cell(row.get("hubungan"))[0]),
            marital_status=members.parse_marital_status(cell(row.get("status_kawin"))[0]),
            education=members.parse_education(cell(row.get("pendidikan"))[0]),
            occupation=members.parse_occupation(cell(row.get("pekerjaan"))[0]),
            disability=members.parse_disability(cell(row.get("disabilitas"))[0]),
            nik_missing_reason=""
            if nik
            else members.parse_nik_missing_reason(
                cell(row.get("alasan_tanpa_nik"))[0], birth_date=birth_date, today=today
            ),
        )

    def _without_taken_niks(self, families: list[FamilyData]) -> list[FamilyData]:
        """The families whose NIKs are registered to no one and given once in the file."""
        given: dict[str, int] = {}
        for family in families:
            for member in family.members:
                if member.nik:
                    given[member.nik] = given.get(member.nik, 0) + 1
        twice = {nik for nik, count in given.items() if count > 1}
        registered = set(Person.objects.filter(nik__in=list(given)).values_list("nik", flat=True))
        kept = []
        for family in families:
            niks = {member.nik for member in family.members if member.nik}
            if niks & registered:
                # The row holding that NIK is refused on its own (`import_instance`).
                self.household_widget.households[family.kk] = Household()
            elif niks & twice:
                self.household_widget.problems[family.kk] = str(
                    _("A NIK of this family is given twice in the file; a person is listed once.")
                )
            else:
                kept.append(family)
        return kept

    def import_instance(self, instance: Person, row: Any, **kwargs: Any) -> None:
        registered, household_before = instance.pk is not None, instance.household_id
        before = {name: getattr(instance, name) for name in MEMBER_FIELDS}
        super().import_instance(instance, row, **kwargs)
        reason = ""
        if not instance.nik:
            try:
                reason = members.parse_nik_missing_reason(
                    cell(row.get("alasan_tanpa_nik"))[0],
                    birth_date=instance.birth_date,
                    today=today_wib(),
                )
            except CellError as error:
                raise ValidationError({"alasan_tanpa_nik": error.message}) from None
        if registered and instance.household_id != household_before:
            raise ValidationError(
                {"nik": _("This NIK is already registered in another household.")}
            )
        household = instance.household if instance.household_id else None
        if household is None:
            return  # a new family waiting for another row's correction
        if household.pk in self.created:
            self.registered_persons.add(instance.pk)
            return  # a new family: registered whole in before_import
        if household is None:
            return
        if household.status != Household.Status.ACTIVE:
            raise ValidationError({"no_kk": _("This household is no longer active.")})
        if instance.relationship == HEAD and household.head_id not in (None, instance.pk):
            raise ValidationError(
                {
                    "hubungan": _(
                        "The household already has a head of family; change it in the portal."
                    )
                }
            )
        if household.head_id == instance.pk and instance.relationship != HEAD:
            raise ValidationError(
                {"hubungan": _("This person is the head of family; change the head in the portal.")}
            )
        changed = {
            name: [str(old), str(getattr(instance, name))]
            for name, old in before.items()
            if registered and old != getattr(instance, name)
        }
        if not registered:
            self.members_added.append((instance, household.pk, reason))
        elif changed:
            self.member_changes.append((instance, household.pk, changed))

    def before_save_instance(self, instance: Person, row: Any, **kwargs: Any) -> None:
        instance.name_normalized = name_key(instance.full_name)
        instance.nik_status = Person.NikStatus.VALID if instance.nik else Person.NikStatus.MISSING
        instance.updated_at = timezone.now()  # bulk_update sets no auto_now field itself

    def skip_row(
        self, instance: Person, original: Any, row: Any, import_validation_errors: Any = None
    ) -> bool:
        if (
            not import_validation_errors
            and instance.household_id is None
            and getattr(instance, "household", None) is not None
        ):
            return True  # another row of this new family has an error: it waits, unwritten
        if not import_validation_errors and instance.pk in self.registered_persons:
            return True  # written from this very row by `before_import`
        return bool(super().skip_row(instance, original, row, import_validation_errors))

    def after_import_row(self, row: Any, row_result: Any, **kwargs: Any) -> None:
        """A row of a family registered whole in `before_import` is reported as new."""
        super().after_import_row(row, row_result, **kwargs)
        if (
            row_result.import_type == RowResult.IMPORT_TYPE_SKIP
            and row_result.object_id in self.registered_persons
        ):
            row_result.import_type = RowResult.IMPORT_TYPE_NEW

    def get_bulk_update_fields(self) -> list[str]:
        """The model fields an update writes (the library would name the file's columns)."""
        return [*MEMBER_FIELDS, "name_normalized", "nik_status", "updated_at"]

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or result.has_errors():
            return
        touched = {household for _, household, _ in (*self.member_changes, *self.members_added)}
        Household.objects.filter(pk__in=touched, head__isnull=True).update(
            head=Subquery(
                Person.objects.filter(
                    household=OuterRef("pk"), relationship=HEAD, is_deceased=False
                ).values("pk")[:1]
            )
        )
        user = kwargs.get("user")
        actor = recorded_user(user)
        HouseholdEvent.objects.bulk_create(
            [
                HouseholdEvent(
                    household_id=household_id,
                    person_id=person.pk,
                    kind=HouseholdEvent.Kind.EDITED,
                    actor=actor,
                    details={"changed": changed, "source": "admin_import"},
                )
                for person, household_id, changed in self.member_changes
            ],
            batch_size=BATCH_SIZE,
        )
        members_added_record(
            actor=user,
            added=[
                MemberAdded(
                    household_id=household_id,
                    person_id=person.pk,
                    relationship=person.relationship,
                    nik_missing=not person.nik,
                    nik_missing_reason=reason,
                )
                for person, household_id, reason in self.members_added
            ],
            details={"source": "admin_import"},
        )
        desil_records_match(
            niks=[nik for row in dataset.dict if (nik := nik_of(row))],
            kks=list(self.household_widget.households),
        )
        name_words_recount_after_commit(
            word for row in dataset.dict for word in name_key(str(row.get("nama") or "")).split()
        )
        audit_record(
            actor=user,
            action="registry.admin_import.households",
            target_type="registry.household",
            after={
                "file": kwargs.get("file_name", ""),
                "households_new": len(self.created),
                "totals": dict(result.totals),
            },
        )

    # --- export ---------------------------------------------------------------------------

    def filter_export(self, queryset: QuerySet[Any], **kwargs: Any) -> QuerySet[Person]:
        """The members of the exported households (the admin hands over households)."""
        persons = Person.objects.all()
        if queryset.model is Household:
            persons = persons.filter(household__in=queryset.values("pk"))
        else:
            persons = persons.filter(pk__in=queryset.values("pk"))
        return (
            persons.select_related("household")
            .prefetch_related(
                Prefetch(
                    "household__family_cards",
                    queryset=FamilyCard.objects.filter(valid_to__isnull=True),
                    to_attr="open_cards",
                )
            )
            .order_by("household_id", "pk")
        )


class DesilRecordResource(resources.ModelResource):  # type: ignore[misc]  # untyped library
    """One DTSEN ranking per row: nik and/or no_kk, desil, periode."""

    import_kind = DESIL.key

    nik = Field(attribute="nik", column_name="nik", widget=NikWidget(required=False))
    no_kk = Field(attribute="kk_number", column_name="no_kk", widget=KkWidget(required=False))
    desil = Field(
        attribute="desil",
        column_name="desil",
        widget=ParsedWidget(lambda text: parse_whole(require(text), low=1, high=10)),
    )
    periode = Field(
        attribute="period",
        column_name="periode",
        widget=ParsedWidget(lambda text: parse_period(require(text), today=today_wib())),
    )

    class Meta:
        model = DesilRecord
        name = _("DTSEN desil")
        fields = ("nik", "no_kk", "desil", "periode")
        import_id_fields = ("periode",)
        instance_loader_class = DesilInstanceLoader
        use_bulk = True
        batch_size = BATCH_SIZE
        skip_unchanged = True
        report_skipped = False
        skip_html_diff = True
        clean_model_instances = False
        use_transactions = True
        chunk_size = BATCH_SIZE

    def import_instance(self, instance: DesilRecord, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        if not instance.nik and not instance.kk_number:
            raise ValidationError({"nik": _("Give the NIK or the No. KK of the ranking.")})

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or result.has_errors():
            return
        keys = {key for row in dataset.dict if (key := desil_key(row))}
        desil_records_match(
            niks=sorted({nik for _p, nik, _kk in keys if nik}),
            kks=sorted({kk for _p, _nik, kk in keys if kk}),
        )
        household_desil_refresh(
            household_ids=list(
                desil_records(keys)
                .filter(household__isnull=False)
                .values_list("household_id", flat=True)
                .distinct()
            )
        )
        audit_record(
            actor=kwargs.get("user"),
            action="registry.admin_import.desil",
            target_type="registry.desilrecord",
            after={"file": kwargs.get("file_name", ""), "totals": dict(result.totals)},
        )

    def filter_export(self, queryset: QuerySet[Any], **kwargs: Any) -> QuerySet[DesilRecord]:
        if queryset.model is Household:
            return DesilRecord.objects.filter(household__in=queryset.values("pk")).order_by(
                "household_id", "-period", "pk"
            )
        return queryset


class AdminImportExport(ImportExportMixin):  # type: ignore[misc]  # untyped library
    """Import for Dinsos staff allowed the kind; export only for users who may see full
    NIK / No. KK, logged as a personal-data export. Direct add/change/delete stay off."""

    def get_import_resource_classes(self, request: HttpRequest) -> list[Any]:
        kinds = {HOUSEHOLDS.key: HOUSEHOLDS, DESIL.key: DESIL}
        return [
            resource
            for resource in super().get_import_resource_classes(request)
            if import_allowed(user=request.user, kind=kinds[resource.import_kind])
        ]

    def has_import_permission(self, request: HttpRequest) -> bool:
        return bool(self.get_import_resource_classes(request))

    def has_export_permission(self, request: HttpRequest) -> bool:
        return may_see_pii(request.user) and self.has_view_permission(request)

    def get_data_for_export(
        self, request: HttpRequest, queryset: QuerySet[Any], **kwargs: Any
    ) -> Dataset:
        """The rows of every export format (CSV, XLSX, ...), each cell made safe for a
        spreadsheet (`depok_kds.spreadsheet`)."""
        data = super().get_data_for_export(request, queryset, **kwargs)
        safe = Dataset(headers=data.headers, title=data.title)
        for row in data:
            safe.append(row_safe(row))
        return safe

    def get_export_data(
        self, file_format: Any, request: HttpRequest, queryset: QuerySet[Any], **kwargs: Any
    ) -> Any:
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        pii_access_record(
            actor=request.user,
            export=True,
            target_type=queryset.model._meta.label_lower,
            fields=("nik", "kk"),
            count=queryset.count(),
        )
        return data
