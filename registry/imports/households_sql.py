"""The SQL of the households import, over its temporary staging tables.

The prepared file is copied into `import_raw`; from it `import_family` (one row per No. KK,
with the household holding it) and `import_member` (one row per file row: clean values or a
bad row's problem, with the person holding its NIK) are built; `import_issue` collects what
the checks find. Every statement works on the whole file (checks) or on one chunk of
families (writes).
"""

from __future__ import annotations

MEMBER_COLUMNS = (
    "kelurahan_code",
    "rw",
    "rt",
    "address",
    "nik",
    "full_name",
    "name_normalized",
    "sex",
    "birth_place",
    "birth_date",
    "relationship",
    "marital_status",
    "education",
    "occupation",
    "disability",
    "nik_missing_reason",
    "nik_unverified",
)

# A matched member whose stored values differ from the row (m: import row, p: person).

# The unverified NIK a matched member keeps: the file's damaged one, else the stored one;
# none once the member has a NIK.
NIK_UNVERIFIED = """CASE WHEN coalesce(m.nik, p.nik) IS NULL
    THEN coalesce(m.nik_unverified, p.nik_unverified) ELSE '' END"""
PERSON_DIFF = f"""
    (p.full_name, p.name_normalized, p.sex, p.birth_place, p.birth_date, p.relationship,
     p.marital_status, p.education, p.occupation, p.disability, p.nik, p.nik_unverified)
    IS DISTINCT FROM
    (m.full_name, m.name_normalized, m.sex, coalesce(m.birth_place, ''), m.birth_date,
     m.relationship, m.marital_status, m.education, coalesce(m.occupation, ''), m.disability,
     coalesce(m.nik, p.nik), {NIK_UNVERIFIED})
"""
HOUSEHOLD_DIFF = """
    (h.kelurahan_code, h.rw, h.rt, h.address)
    IS DISTINCT FROM (f.kelurahan_code, f.rw, f.rt, f.address)
"""

STAGE = (
    "DROP TABLE IF EXISTS import_raw, import_member, import_family, import_issue, "
    "import_new_person",
    """
    CREATE TEMP TABLE import_raw (
        row_no integer NOT NULL, kk text, bad boolean NOT NULL, error_column text, error text,
        kelurahan_code text, rw integer, rt integer, address text, nik text, full_name text,
        name_normalized text, sex text, birth_place text, birth_date date, relationship text,
        marital_status text, education text, occupation text, disability text,
        nik_missing_reason text, nik_unverified text
    )
    """,
    """
    CREATE TEMP TABLE import_issue (
        row_no integer NOT NULL, kk text, column_name text NOT NULL, reason text NOT NULL
    )
    """,
)
# Tables are built with CREATE TABLE AS, joined once with the registry: cheaper than
# updating every staging row, and the planner gets fresh statistics right after.
CHECKS = (
    # One row per No. KK: its first good row's address, the household holding the No. KK
    # as its open card, and the chunk it will be written in.
    """
    CREATE TEMP TABLE import_family AS
    SELECT g.kk, g.first_row, g.members, g.heads, g.nik_missing, g.has_bad,
        f.row_no AS address_row, f.kelurahan_code, f.rw, f.rt, f.address,
        h.id AS household_id, h.registry_number, h.head_id, h.status,
        h.id IS NULL AS is_new, false AS skip,
        (row_number() OVER (ORDER BY g.first_row) - 1) / %(families_per_chunk)s AS chunk
    FROM (
        SELECT kk, min(row_no) AS first_row,
            count(*) FILTER (WHERE NOT bad) AS members,
            count(*) FILTER (WHERE NOT bad AND relationship = '1') AS heads,
            count(*) FILTER (WHERE NOT bad AND nik IS NULL) AS nik_missing,
            bool_or(bad) AS has_bad
        FROM import_raw WHERE kk IS NOT NULL GROUP BY kk
    ) g
    LEFT JOIN (
        SELECT DISTINCT ON (kk) kk, row_no, kelurahan_code, rw, rt, address
        FROM import_raw WHERE NOT bad ORDER BY kk, row_no
    ) f ON f.kk = g.kk
    LEFT JOIN registry_familycard c ON c.number = g.kk AND c.valid_to IS NULL
    LEFT JOIN registry_household h ON h.id = c.household_id
    """,
    "CREATE UNIQUE INDEX ON import_family (kk)",
    "ANALYZE import_family",
    # One row per file row, with its family's chunk and the person holding its NIK.
    """
    CREATE TEMP TABLE import_member AS
    SELECT r.*, f.chunk, p.id AS person_id, p.household_id AS person_household_id
    FROM import_raw r
    LEFT JOIN import_family f ON f.kk = r.kk
    LEFT JOIN registry_person p ON p.nik = r.nik AND NOT r.bad
    """,
    "DROP TABLE import_raw",
    "ANALYZE import_member (kk, nik, bad, chunk, person_id)",
    # A NIK given twice in the file: every later row is refused (the few NIKs given twice
    # found by one hashed count, not by sorting every row).
    """
    INSERT INTO import_issue (row_no, kk, column_name, reason)
    SELECT m.row_no, m.kk, %(col_nik)s, replace(%(msg_nik_twice)s, '{row}', d.first_row::text)
    FROM (
        SELECT nik, min(row_no) AS first_row
        FROM import_member WHERE NOT bad AND nik IS NOT NULL
        GROUP BY nik HAVING count(*) > 1
    ) d
    JOIN import_member m ON m.nik = d.nik AND NOT m.bad AND m.row_no <> d.first_row
    """,
    # One family, one address: rows that disagree with the family's first row are refused.
    """
    INSERT INTO import_issue (row_no, kk, column_name, reason)
    SELECT m.row_no, m.kk,
        CASE WHEN m.kelurahan_code <> f.kelurahan_code THEN %(col_kelurahan)s
             WHEN m.rw <> f.rw THEN %(col_rw)s
             WHEN m.rt <> f.rt THEN %(col_rt)s
             ELSE %(col_address)s END,
        replace(%(msg_family_address)s, '{row}', f.address_row::text)
    FROM import_member m JOIN import_family f ON f.kk = m.kk
    WHERE NOT m.bad
      AND (m.kelurahan_code, m.rw, m.rt, m.address)
          IS DISTINCT FROM (f.kelurahan_code, f.rw, f.rt, f.address)
    """,
    """
    INSERT INTO import_issue (row_no, kk, column_name, reason)
    SELECT f.first_row, f.kk, %(col_kk)s, replace(%(msg_dissolved)s, '{number}', f.registry_number)
    FROM import_family f WHERE f.status = 'dissolved'
    """,
    # A NIK held outside the family's household is refused, never moved.
    """
    INSERT INTO import_issue (row_no, kk, column_name, reason)
    SELECT m.row_no, m.kk, %(col_nik)s,
        CASE WHEN h.id IS NULL THEN %(msg_nik_detached)s
             ELSE replace(%(msg_nik_taken)s, '{number}', h.registry_number) END
    FROM import_member m
    JOIN import_family f ON f.kk = m.kk
    LEFT JOIN registry_household h ON h.id = m.person_household_id
    WHERE m.person_id IS NOT NULL
      AND (m.person_household_id IS NULL OR m.person_household_id IS DISTINCT FROM f.household_id)
    """,
    # Members without a (known) NIK: the same normalised name and birth date in the household.
    """
    UPDATE import_member m SET person_id = p.id, person_household_id = p.household_id
    FROM import_family f, registry_person p
    WHERE f.kk = m.kk AND NOT f.is_new AND NOT m.bad AND m.person_id IS NULL
      AND p.household_id = f.household_id AND p.nik IS NULL
      AND p.name_normalized = m.name_normalized AND p.birth_date = m.birth_date
    """,
    """
    INSERT INTO import_issue (row_no, kk, column_name, reason)
    SELECT m.row_no, m.kk, %(col_birth_date)s, %(msg_born_after_death)s
    FROM import_member m JOIN registry_person p ON p.id = m.person_id
    WHERE p.death_date IS NOT NULL AND m.birth_date > p.death_date
    """,
    # Heads: exactly one in a new family; in an existing one the portal changes the head.
    """
    INSERT INTO import_issue (row_no, kk, column_name, reason)
    SELECT f.first_row, f.kk, %(col_relationship)s,
        CASE WHEN f.heads = 0 THEN %(msg_no_head)s
             ELSE replace(%(msg_heads)s, '{count}', f.heads::text) END
    FROM import_family f
    WHERE NOT f.has_bad AND f.members > 0
      AND ((f.is_new AND f.heads <> 1) OR (NOT f.is_new AND f.head_id IS NULL AND f.heads > 1))
    """,
    """
    INSERT INTO import_issue (row_no, kk, column_name, reason)
    SELECT m.row_no, m.kk, %(col_relationship)s,
        replace(CASE WHEN m.relationship = '1' THEN %(msg_head_taken)s
                     ELSE %(msg_head_stays)s END, '{number}', f.registry_number)
    FROM import_member m JOIN import_family f ON f.kk = m.kk
    WHERE NOT f.is_new AND f.head_id IS NOT NULL AND NOT m.bad
      AND ((m.relationship = '1' AND m.person_id IS DISTINCT FROM f.head_id)
           OR (m.person_id = f.head_id AND m.relationship <> '1'))
    """,
    # A family with any refused row is skipped whole.
    """
    UPDATE import_family SET skip = true
    WHERE has_bad OR kk IN (SELECT kk FROM import_issue WHERE kk IS NOT NULL)
    """,
)

# New families are registered by `registry.services.registration` from these two statements
# rows; the rest updates existing households and adds their new members.
REGISTRATION_STAGE = (
    """
    INSERT INTO registration_family (kk, kelurahan_code, rw, rt, address, valid_from)
    SELECT kk, kelurahan_code, rw, rt, address, %(today)s
    FROM import_family WHERE chunk = %(chunk)s AND is_new AND NOT skip
    """,
    """
    INSERT INTO registration_member (row_no, kk, nik, full_name, name_normalized, sex,
        birth_place, birth_date, relationship, marital_status, education, occupation,
        disability, nik_missing_reason, nik_unverified)
    SELECT m.row_no, m.kk, m.nik, m.full_name, m.name_normalized, m.sex,
        coalesce(m.birth_place, ''), m.birth_date, m.relationship, m.marital_status,
        m.education, coalesce(m.occupation, ''), m.disability,
        CASE WHEN m.nik IS NULL THEN coalesce(m.nik_missing_reason, '') ELSE '' END,
        coalesce(m.nik_unverified, '')
    FROM import_member m JOIN import_family f ON f.kk = m.kk
    WHERE m.chunk = %(chunk)s AND f.is_new AND NOT f.skip AND NOT m.bad
    """,
)
# Ids of new members of existing households come from the sequence first, as the
# registration's do.
WRITES = (
    "DROP TABLE IF EXISTS import_new_person",
    """
    CREATE TEMP TABLE import_new_person AS
    SELECT m.row_no, m.kk, m.relationship,
        nextval(pg_get_serial_sequence('registry_person', 'id')) AS id
    FROM import_member m JOIN import_family f ON f.kk = m.kk
    WHERE m.chunk = %(chunk)s AND NOT f.skip AND NOT f.is_new AND NOT m.bad
      AND m.person_id IS NULL
    ORDER BY m.row_no
    """,
    f"""
    INSERT INTO registry_householdevent (household_id, kind, details, actor_id, created_at)
    SELECT h.id, 'edited',
        jsonb_build_object('changed', jsonb_strip_nulls(jsonb_build_object(
            'kelurahan_code', CASE WHEN h.kelurahan_code <> f.kelurahan_code
                THEN jsonb_build_array(h.kelurahan_code, f.kelurahan_code) END,
            'rw', CASE WHEN h.rw <> f.rw THEN jsonb_build_array(h.rw, f.rw) END,
            'rt', CASE WHEN h.rt <> f.rt THEN jsonb_build_array(h.rt, f.rt) END,
            'address', CASE WHEN h.address <> f.address
                THEN jsonb_build_array(h.address, f.address) END
        )), 'import_job', %(job)s),
        %(actor)s, %(now)s
    FROM import_family f JOIN registry_household h ON h.id = f.household_id
    WHERE f.chunk = %(chunk)s AND NOT f.is_new AND NOT f.skip AND {HOUSEHOLD_DIFF}
    """,  # noqa: S608 (constant SQL fragments; values are bound parameters)
    f"""
    UPDATE registry_household h
    SET kelurahan_code = f.kelurahan_code, rw = f.rw, rt = f.rt, address = f.address,
        updated_at = %(now)s
    FROM import_family f
    WHERE h.id = f.household_id AND f.chunk = %(chunk)s AND NOT f.is_new AND NOT f.skip
      AND {HOUSEHOLD_DIFF}
    """,  # noqa: S608 (constant SQL fragments; values are bound parameters)
    f"""
    INSERT INTO registry_householdevent (household_id, person_id, kind, details, actor_id,
        created_at)
    SELECT p.household_id, p.id, 'edited',
        jsonb_build_object('changed', jsonb_strip_nulls(jsonb_build_object(
            'full_name', CASE WHEN p.full_name <> m.full_name
                THEN jsonb_build_array(p.full_name, m.full_name) END,
            'sex', CASE WHEN p.sex <> m.sex THEN jsonb_build_array(p.sex, m.sex) END,
            'birth_place', CASE WHEN p.birth_place <> coalesce(m.birth_place, '')
                THEN jsonb_build_array(p.birth_place, coalesce(m.birth_place, '')) END,
            'birth_date', CASE WHEN p.birth_date <> m.birth_date
                THEN jsonb_build_array(p.birth_date, m.birth_date) END,
            'relationship', CASE WHEN p.relationship <> m.relationship
                THEN jsonb_build_array(p.relationship, m.relationship) END,
            'marital_status', CASE WHEN p.marital_status <> m.marital_status
                THEN jsonb_build_array(p.marital_status, m.marital_status) END,
            'education', CASE WHEN p.education <> m.education
                THEN jsonb_build_array(p.education, m.education) END,
            'occupation', CASE WHEN p.occupation <> coalesce(m.occupation, '')
                THEN jsonb_build_array(p.occupation, coalesce(m.occupation, '')) END,
            'disability', CASE WHEN p.disability <> m.disability
                THEN jsonb_build_array(p.disability, m.disability) END,
            'nik', CASE WHEN p.nik IS NULL AND m.nik IS NOT NULL
                THEN jsonb_build_array('', left(m.nik, 4) || %(mask)s || right(m.nik, 4)) END
        )), 'import_job', %(job)s),
        %(actor)s, %(now)s
    FROM import_member m
    JOIN import_family f ON f.kk = m.kk
    JOIN registry_person p ON p.id = m.person_id
    WHERE m.chunk = %(chunk)s AND NOT f.skip AND NOT m.bad AND {PERSON_DIFF}
    """,  # noqa: S608 (constant SQL fragments; values are bound parameters)
    f"""
    UPDATE registry_person p
    SET full_name = m.full_name, name_normalized = m.name_normalized, sex = m.sex,
        birth_place = coalesce(m.birth_place, ''), birth_date = m.birth_date,
        relationship = m.relationship, marital_status = m.marital_status,
        education = m.education, occupation = coalesce(m.occupation, ''),
        disability = m.disability, nik = coalesce(m.nik, p.nik),
        nik_unverified = {NIK_UNVERIFIED},
        nik_status = CASE WHEN coalesce(m.nik, p.nik) IS NULL THEN 'missing' ELSE 'valid' END,
        updated_at = %(now)s
    FROM import_member m JOIN import_family f ON f.kk = m.kk
    WHERE p.id = m.person_id AND m.chunk = %(chunk)s AND NOT f.skip AND NOT m.bad
      AND {PERSON_DIFF}
    """,  # noqa: S608 (constant SQL fragments; values are bound parameters)
    """
    INSERT INTO registry_person (id, household_id, nik, nik_status, nik_unverified, full_name,
        name_normalized, sex, birth_place, birth_date, relationship, marital_status, education,
        occupation, disability, is_deceased, created_at, updated_at)
    SELECT n.id, f.household_id, m.nik,
        CASE WHEN m.nik IS NULL THEN 'missing' ELSE 'valid' END, coalesce(m.nik_unverified, ''),
        m.full_name, m.name_normalized, m.sex, coalesce(m.birth_place, ''), m.birth_date,
        m.relationship, m.marital_status, m.education, coalesce(m.occupation, ''),
        m.disability, false, %(now)s, %(now)s
    FROM import_new_person n
    JOIN import_member m ON m.row_no = n.row_no AND m.chunk = %(chunk)s AND NOT m.bad
    JOIN import_family f ON f.kk = n.kk
    ORDER BY n.id
    """,
    # Their history events: written by `members_added_record_staged` after these statements.
    """
    INSERT INTO member_added_stage (household_id, person_id, relationship, nik_missing,
        nik_missing_reason)
    SELECT f.household_id, n.id, n.relationship, m.nik IS NULL,
        coalesce(m.nik_missing_reason, '')
    FROM import_new_person n
    JOIN import_member m ON m.row_no = n.row_no AND m.chunk = %(chunk)s AND NOT m.bad
    JOIN import_family f ON f.kk = n.kk
    WHERE NOT f.is_new
    """,
    # An existing household without a head gets the member its rows name as head.
    """
    UPDATE registry_household h
    SET head_id = coalesce(m.person_id, n.id), updated_at = %(now)s
    FROM import_family f
    JOIN import_member m ON m.kk = f.kk AND m.chunk = %(chunk)s AND m.relationship = '1'
        AND NOT m.bad
    LEFT JOIN import_new_person n ON n.row_no = m.row_no
    WHERE h.id = f.household_id AND f.chunk = %(chunk)s AND NOT f.skip AND NOT f.is_new
      AND f.head_id IS NULL AND h.head_id IS NULL
    """,
)
