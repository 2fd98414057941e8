"""Altair charts built from the tables (needs the ``charts`` extra), and the offline gallery that shows them."""

from .figures import (CHARTS, MAX_MARKS, actor_participation, documents_followups, followups_data,
                      participation_data, positions, positions_data, themes, themes_data, timeline, timeline_data)

__all__ = ["CHARTS", "MAX_MARKS", "actor_participation", "documents_followups", "followups_data", "participation_data",
           "positions", "positions_data", "themes", "themes_data", "timeline", "timeline_data"]
