"""The program-year report (or a group-cover claims year, or a long-term care year or month) as one
XLSX workbook in memory, for a download; a long-term care period also as CSV (its figures by service
type with the total row). Every export is audited, as on the command line."""

from __future__ import annotations

import tempfile
from pathlib import Path

from anxin.services.care_reports import CareReport
from anxin.services.claims_reports import ClaimsYearReport
from anxin.services.report_export import export_care_report, export_claims_report, export_report
from anxin.services.reports import ProgramYearReport
from anxin.store.database import Database


def report_workbook(
    db: Database, report: ProgramYearReport | ClaimsYearReport | CareReport, *, actor: str
) -> bytes:
    """The workbook's bytes: an overview sheet, then the shares (by city, tier and vulnerable status;
    for a claims year by claim type and city; for long-term care by service type)."""
    if isinstance(report, CareReport):
        return care_report_file(db, report, "xlsx", actor=actor)
    with tempfile.TemporaryDirectory(prefix="anxin-report-") as folder:
        path = Path(folder) / f"{report.program_code}-{report.year}.xlsx"
        if isinstance(report, ClaimsYearReport):
            export_claims_report(report, path, db=db, actor=actor)
        else:
            export_report(report, path, db=db, actor=actor)
        return path.read_bytes()


def care_report_file(db: Database, report: CareReport, fmt: str, *, actor: str) -> bytes:
    """A long-term care period as ``xlsx`` (overview and service sheets) or ``csv`` (UTF-8:
    the figures by service type, with the total row); audited."""
    with tempfile.TemporaryDirectory(prefix="anxin-report-") as folder:
        path = Path(folder) / f"{report.program_code}-{report.period}.{fmt}"
        written = export_care_report(report, path, db=db, actor=actor)
        if fmt == "xlsx":
            return written[0].read_bytes()
        return next(p for p in written if p.stem.endswith("_service")).read_bytes()
