"""The load side: the shipped tables as typed pandas DataFrames, joined views of them, citations and SQL.

Nothing here imports the build, the charts or the exports, nor altair, pandera or vl_convert.
"""

from .cite import cite
from .files import DataFileError, data_dir, describe, file_sha256, load, load_all, manifest, verify
from .views import (join_labels, positions, positions_of, represented_states, state_of, timeline, versions,
                    versions_of)

__all__ = ["DataFileError", "cite", "data_dir", "describe", "file_sha256", "join_labels", "load", "load_all",
           "manifest", "positions", "positions_of", "represented_states", "state_of", "timeline", "verify",
           "versions", "versions_of"]
