"""A queue worker with dead-lettering: jobs from queue ``jobs`` get three attempts
(``max_attempts=3``); a job that fails raises, so the cloud redelivers it, and after
the third failure moves it to the dead-letter path of its cloud. A message that is
not a valid job fails the same way, without reaching the handler.

Serve it locally with::

    uv run portafunc serve examples/queue_worker/app.py:app
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from portafunc import App, Context, Message

#: How many deliveries a job gets before it is dead-lettered.
MAX_ATTEMPTS = 3


class Job(BaseModel):
    """A unit of work: resize an image, send an email, …"""

    id: str = Field(min_length=1)
    kind: Literal["resize", "email"]
    target: str
    #: A job that must fail, to see the dead-letter path (a stand-in for a real error).
    fail: bool = False


class JobFailed(Exception):
    """A job that could not be done; raising it asks the cloud to redeliver."""


#: The ids of the jobs done, and every attempt seen as (id, attempt), since the cold start.
DONE: list[str] = []
ATTEMPTS: list[tuple[str, int | None]] = []

app = App("worker")


@app.queue("jobs", max_attempts=MAX_ATTEMPTS)
def work(message: Message[Job], ctx: Context) -> str:
    """Do one job. ``message.attempt`` counts deliveries (1 the first time; None where
    the cloud does not say)."""
    job = message.data
    ATTEMPTS.append((job.id, message.attempt))
    if job.fail:
        ctx.logger.warning("job %s failed (attempt %s)", job.id, message.attempt)
        raise JobFailed(f"{job.kind} {job.target} failed")
    DONE.append(job.id)
    return f"{job.kind}:{job.target}"


@app.get("/jobs/done")
def done() -> list[str]:
    """The ids of the jobs done since the cold start."""
    return DONE
