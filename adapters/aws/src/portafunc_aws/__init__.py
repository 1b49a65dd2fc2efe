"""portafunc's AWS adapter: run a portafunc app on AWS Lambda.

::

    handler = portafunc_aws.lambda_handler(app)
"""

from .handler import lambda_handler
from .options import AWSOptions

__all__ = ["AWSOptions", "__version__", "lambda_handler"]

__version__ = "0.1.0"
