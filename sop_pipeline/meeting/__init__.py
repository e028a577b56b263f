"""The monthly S&OP meeting pack: one self-contained HTML file per plan month (pure rendering).

The Dagster asset reads the warehouse into :class:`MeetingPackData` and calls
:func:`render_meeting_pack` (the HTML file) and :func:`agenda_markdown` (asset metadata).
"""

from sop_pipeline.meeting.data import MeetingPackData
from sop_pipeline.meeting.pack import agenda_markdown, render_meeting_pack
from sop_pipeline.meeting.sections import AGENDA_SECTIONS, SECTION_CHARTS

__all__ = [
    "AGENDA_SECTIONS",
    "SECTION_CHARTS",
    "MeetingPackData",
    "agenda_markdown",
    "render_meeting_pack",
]
