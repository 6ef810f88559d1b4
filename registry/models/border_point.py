"""Border points: where people are registered; every case belongs to one."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base


class BorderPoint(Base):
    __tablename__ = "border_point"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Upper-case letters, e.g. MNY; the prefix of every case number registered there.
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(3))
    region: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
