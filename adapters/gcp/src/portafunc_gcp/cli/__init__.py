"""What the portafunc CLI does with the GCP adapter (through ``portafunc_gcp._provider``).

- :mod:`.plan`: the Cloud Functions deployments, Pub/Sub topics and Cloud Scheduler jobs
  an app needs, with the names Cloud Functions accepts;
- :mod:`.check`: what GCP cannot express or does differently (``portafunc check``);
- :mod:`.payloads`: a provider payload recognised, in any form GCP delivers it;
- :mod:`.emulate`: payloads and local requests run through functions-framework's own
  app (``portafunc invoke`` and ``portafunc serve --provider gcp``);
- :mod:`.build`: ``main.py``, ``requirements.txt`` and ``deploy.sh`` (``portafunc build``).

Imported by the CLI only: a deployed function never loads these modules.
"""
