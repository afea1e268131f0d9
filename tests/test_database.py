"""The schema migrates on both backends and matches the models; real units load."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import sokhoe.tables  # noqa: F401
from sokhoe.db import Base
from sokhoe.registry.models import Commune, Province
from sokhoe.registry.units import UnknownProvince, communes_of, ensure_province


def test_migrations_create_every_model_table(engine: Engine) -> None:
    from sqlalchemy import inspect

    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_khanh_hoa_has_its_65_real_communes(engine: Engine) -> None:
    with Session(engine) as session:
        ensure_province(session, 56)
        ensure_province(session, 56)  # idempotent
        session.commit()
        assert session.get(Province, 56).name == "Khánh Hòa"
        count = session.scalar(select(func.count()).where(Commune.province_code == 56))
        assert count == 65
        assert (
            session.scalar(select(Commune.name).where(Commune.code == 22366)) == "Phường Nha Trang"
        )


def test_hai_phong_includes_lai_khe() -> None:
    names = {c.name for c in communes_of(31)}
    assert len(names) == 114
    assert "Xã Lai Khê" in names


def test_unknown_province_says_how_to_find_codes() -> None:
    with pytest.raises(UnknownProvince, match="sokhoe provinces"):
        communes_of(57)
