"""The program-year report (or a group-cover claims year) as one XLSX workbook in memory, for a download (the export is audited,
as on the command line)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from anxin.services.claims_reports import ClaimsYearReport
from anxin.services.report_export import export_claims_report, export_report
from anxin.services.reports import ProgramYearReport
from anxin.store.database import Database


def report_workbook(db: Database, report: ProgramYearReport | ClaimsYearReport, *, actor: str) -> bytes:
    """The workbook's bytes: an overview sheet, then the shares (by city, tier and vulnerable status;
    for a claims year by claim type and city)."""
    with tempfile.TemporaryDirectory(prefix="anxin-report-") as folder:
        path = Path(folder) / f"{report.program_code}-{report.year}.xlsx"
        if isinstance(report, ClaimsYearReport):
            export_claims_report(report, path, db=db, actor=actor)
        else:
            export_report(report, path, db=db, actor=actor)
        return path.read_bytes()
