"""What ``portafunc`` commands do for AWS: ``check``, ``invoke``/``serve`` emulation, ``build``.

Only the CLI imports these modules (through ``portafunc_aws._provider``); a deployed
function never does.

- ``naming``: the logical ids, entry modules and resource names build deploys;
- ``check``: what AWS cannot express or does differently for an app;
- ``emulate``: local requests and payloads run through ``lambda_handler``;
- ``resources``, ``events``, ``template``: the SAM template; ``yaml_text`` writes it;
- ``build``: the files of a deployable SAM project.
"""

__all__: list[str] = []
