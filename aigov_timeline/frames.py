"""Arrow tables to pandas DataFrames with exactly the declared dtypes (shared by the loaders and the build)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

_EXTENSION_TYPES = {pa.int16(): pd.Int16Dtype(), pa.bool_(): pd.BooleanDtype()}


def to_frame(table: pa.Table) -> pd.DataFrame:
    """Convert with dates as ``datetime64[ms]`` (not Python objects) and nullable integers and booleans as ``Int16`` and ``boolean``."""
    return table.to_pandas(date_as_object=False, types_mapper=_EXTENSION_TYPES.get)
