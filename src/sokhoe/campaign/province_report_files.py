"""The province's monthly report as a file, in the format asked for: what the command line
writes and the web page sends (same bytes, same name). The writers import fpdf2 and openpyxl,
a second of a command's start: the command line imports this module only when it writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sokhoe.campaign import province_report_pdf, province_report_xlsx
from sokhoe.campaign.province_report import ProvinceReport, ReportFormat

_WRITERS = {
    ReportFormat.XLSX: (province_report_xlsx.report_xlsx, province_report_xlsx.MEDIA_TYPE),
    ReportFormat.PDF: (province_report_pdf.report_pdf, province_report_pdf.MEDIA_TYPE),
}


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    media_type: str
    #: ``bao-cao-so-suc-khoe-56-2026-03.xlsx``: the province and month, nobody's name.
    filename: str


def report_file(report: ProvinceReport, kind: ReportFormat, *, now: dt.datetime) -> ReportFile:
    """``report`` written as ``kind`` at ``now`` (aware)."""
    write, media_type = _WRITERS[kind]
    return ReportFile(write(report, now=now), media_type, f"{report.slug}.{kind.value}")
