"""The database itself: migrations on both engines, append-only tables, protected ID numbers."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from anxin.store.config import MissingKey, load_settings, secret_key
from anxin.store.database import head_revision, upgrade
from anxin.store.protection import IdProtector


def test_migrated_to_head_and_upgrade_is_idempotent(database):
    with database.engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
    assert {"persons", "settlements", "adjudications", "ledger_entries", "audit_log"} <= tables
    assert upgrade(database.engine) == head_revision()


@pytest.mark.parametrize("table", ["audit_log", "ledger_entries"])
def test_append_only_tables_refuse_change(database, table):
    row = (
        "(at, actor, action, entity, entity_id, detail) VALUES (CURRENT_TIMESTAMP, 'a', 'b', 'c', 'd', '{}')"
        if table == "audit_log"
        else "(journal, account, debit_fen, credit_fen, reference, memo, posted_at) "
        "VALUES ('j', 'cash', 1, 0, '', '', CURRENT_TIMESTAMP)"
    )
    with database.engine.begin() as connection:
        connection.execute(sa.text(f"INSERT INTO {table} {row}"))
    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), database.engine.begin() as connection:
            connection.execute(sa.text(statement))


def test_id_numbers_are_encrypted_and_hashed_with_derived_keys():
    protector = IdProtector(bytes(32))
    number = "11010519491231002X"
    one, two = protector.encrypt(number), protector.encrypt(number)
    assert one != two and number.encode() not in one
    assert protector.decrypt(one) == number == protector.decrypt(two)
    assert protector.lookup_hash(number) == protector.lookup_hash(number)
    assert protector.lookup_hash(number) != IdProtector(bytes([1]) * 32).lookup_hash(number)
    with pytest.raises(Exception):  # noqa: B017 - tampering is detected
        protector.decrypt(one[:-1] + bytes([one[-1] ^ 1]))


def test_missing_key_is_a_clear_error_outside_the_embedded_default(tmp_path):
    production = load_settings({"ANXIN_DATA_DIR": str(tmp_path), "ANXIN_ENV": "production"})
    with pytest.raises(MissingKey) as caught:
        secret_key(production)
    assert "ANXIN_SECRET_KEY" in caught.value.zh
    postgres = load_settings(
        {"ANXIN_DATABASE_URL": "postgresql://x@localhost/y", "ANXIN_DATA_DIR": str(tmp_path)}
    )
    with pytest.raises(MissingKey):
        secret_key(postgres)
    assert not (tmp_path / "secret.key").exists()


def test_embedded_default_creates_a_private_key_once(tmp_path):
    settings = load_settings({"ANXIN_DATA_DIR": str(tmp_path)})
    first = secret_key(settings)
    assert secret_key(settings) == first
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
