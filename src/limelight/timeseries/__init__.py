"""Time-series tools the analyses share: change points (PELT offline, BOCPD online) and bursts
against a robust baseline.

Pure numpy on short aggregated series (one value per day or week): the heavy lifting — counting
mentions per day — happens in DuckDB before a series reaches this package.
"""

from limelight.timeseries.bocpd import bocpd
from limelight.timeseries.bursts import Burst, detect_bursts, robust_baseline
from limelight.timeseries.changepoints import pelt, poisson_penalty, segment_means
from limelight.timeseries.storms import Storm, collection_gaps, detect_storms

__all__ = ["Burst", "Storm", "bocpd", "collection_gaps", "detect_bursts", "detect_storms", "pelt", "poisson_penalty",
           "robust_baseline", "segment_means"]
