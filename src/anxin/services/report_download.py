"""The program-year report as one XLSX workbook in memory, for a download (the export is audited,
as on the command line)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from anxin.services.report_export import export_report
from anxin.services.reports import ProgramYearReport
from anxin.store.database import Database


def report_workbook(db: Database, report: ProgramYearReport, *, actor: str) -> bytes:
    """The workbook's bytes: an overview sheet, then the shares by city, tier and vulnerable status."""
    with tempfile.TemporaryDirectory(prefix="anxin-report-") as folder:
        path = Path(folder) / f"{report.program_code}-{report.year}.xlsx"
        export_report(report, path, db=db, actor=actor)
        return path.read_bytes()
