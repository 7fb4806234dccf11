"""libpq URLs as operators write them reach SQLAlchemy intact (db.postgres_url)."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from db import postgres_url


def test_a_multi_host_url_becomes_hosts_libpq_tries_in_order() -> None:
    url = make_url(
        postgres_url("postgresql://app:s3cret@10.0.0.1:5432,10.0.0.2:5433/hospital?target_session_attrs=read-write")
    )
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password, url.database) == ("app", "s3cret", "hospital")
    assert url.query["host"] == ("10.0.0.1:5432", "10.0.0.2:5433")
    assert url.query["target_session_attrs"] == "read-write"


def test_a_single_host_url_keeps_its_shape() -> None:
    assert (
        postgres_url("postgresql://postgres@127.0.0.1:5432/test") == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
