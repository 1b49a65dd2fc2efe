"""portafunc's GCP adapter: run a portafunc app on Cloud Functions and Cloud Run
with functions-framework.

In ``main.py``::

    globals().update(portafunc_gcp.entry_points(shop.app))
"""

from .entry import entry_points
from .options import GCPOptions

__all__ = ["GCPOptions", "__version__", "entry_points"]

__version__ = "0.1.0"
