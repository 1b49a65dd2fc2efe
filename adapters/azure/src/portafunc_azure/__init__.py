"""portafunc's Azure adapter: run a portafunc app on Azure Functions.

In ``function_app.py``::

    app = portafunc_azure.function_app(shop.app)
"""

from .adapter import function_app
from .options import AzureOptions

__all__ = ["AzureOptions", "__version__", "function_app"]

__version__ = "0.1.0"
