"""The bulk helpers' rows look the same on both engines: bytes as bytes, aware times."""

from datetime import datetime

from contactpoint import bulk
from contactpoint.crypto.models import DataKey
from databases import both_databases


@both_databases
def test_select_in_gives_bytes_and_aware_date_times_on_either_engine(keystore):
    keystore.create_child_keys(["1111111116", "2222222224"])
    rows = bulk.select_in(DataKey, ["owner", "wrapped", "created_at"], "owner",
                          ["2222222224", "3333333331"])
    assert len(rows) == 1
    owner, wrapped, created_at = rows[0]
    assert owner == "2222222224"
    assert type(wrapped) is bytes
    assert len(wrapped) > 32
    assert isinstance(created_at, datetime)
    assert created_at.utcoffset() is not None
