"""aigov-timeline: a sourced, machine-readable record of international AI governance at the UN since 2023.

>>> import aigov_timeline as agt
>>> events = agt.load("events")          # typed pandas DataFrame, offline
>>> sorted(agt.load_all()) == sorted(agt.TABLE_NAMES)
True
"""

from ._version import __version__
from .loaders import (DataFileError, cite, data_dir, describe, load, load_all, positions, timeline, verify,
                      versions)
from .metadata import TABLE_NAMES

__all__ = ["TABLE_NAMES", "DataFileError", "cite", "connect", "__data_version__", "__version__", "data_dir",
           "describe", "load", "load_all", "positions", "timeline", "verify", "versions"]


def __getattr__(name: str):
    if name == "__data_version__":
        from .loaders import manifest

        return manifest()["data_version"]
    if name == "connect":
        from .loaders.sql import connect

        return connect
    raise AttributeError(f"module 'aigov_timeline' has no attribute {name!r}")
