"""Pre-counted figures for the dashboard and the statistics, and the queue that keeps them true.

Counting a million cases by status, sex, age and nationality on every dashboard would read every
row; these tables hold the counts per border point and registration day (and month) instead. Database
triggers (written in the migration, on case_file, case_member, person and person_vulnerability)
add a `daily_figure_stale` row in the same transaction as any change a figure depends on, and
`services.stats.refresh_figures` recounts those days before figures are read, so a figure is
never older than the request reading it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base


class DailyFigure(Base):
    """How many cases and people of one kind were registered at a point on a day, by pathway.

    `figure` names the breakdown (`status`, `sex_age`, `nationality`, `vulnerability`,
    `return_days`, `permit_days`) and `value` the category (a status, `female/18-59`, `BDI`, a
    number of days). `utc_day` is the partition the row was counted in: the cases registered that
    day in UTC, which is what the triggers can compute without knowing the time zone.
    """

    __tablename__ = "daily_figure"

    border_point_id: Mapped[int] = mapped_column(
        ForeignKey("border_point.id", ondelete="CASCADE"), primary_key=True
    )
    local_day: Mapped[date] = mapped_column(Date, primary_key=True)
    pathway: Mapped[str] = mapped_column(String(30), primary_key=True)
    figure: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)
    utc_day: Mapped[date] = mapped_column(Date, primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    people: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("ix_daily_figure_partition", "border_point_id", "utc_day"),
        {"sqlite_with_rowid": False},
    )


class MonthlyFigure(Base):
    """The daily figures summed per border point and month (`month` is its first day).

    A dashboard over three years reads some thousands of these rows instead of a million daily
    ones; the days of a period's first and last, partial, months still come from `daily_figure`.
    Rebuilt from `daily_figure` for every month a recount touches.
    """

    __tablename__ = "monthly_figure"

    # The key's order is the dashboard's GROUP BY (figure, value, border point, pathway): SQLite
    # then sums rows in the order it reads them, without sorting them first.
    figure: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)
    border_point_id: Mapped[int] = mapped_column(
        ForeignKey("border_point.id", ondelete="CASCADE"), primary_key=True
    )
    pathway: Mapped[str] = mapped_column(String(30), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    people: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("ix_monthly_figure_month", "border_point_id", "month"),
        {"sqlite_with_rowid": False},
    )


class DailyFigureStale(Base):
    """A partition (border point, UTC day) whose figures must be counted again. Written by triggers."""

    __tablename__ = "daily_figure_stale"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign key: a row may outlive a deleted border point, it is then simply dropped.
    border_point_id: Mapped[int] = mapped_column(Integer)
    utc_day: Mapped[date] = mapped_column(Date)


class DailyFigureBasis(Base):
    """The time zone the local days were counted in: when the setting changes, all is recounted."""

    __tablename__ = "daily_figure_basis"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
