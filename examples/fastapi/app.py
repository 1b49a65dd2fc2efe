"""An existing FastAPI app, mounted at ``/api`` next to portafunc functions.

The FastAPI app (``api``) keeps notes; portafunc serves it on every cloud, answers
``/api/health`` itself (its static route wins over the mount) and imports notes from
a queue. Serve it locally with::

    uv run portafunc serve examples/fastapi/app.py:app
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import Cookie, FastAPI, HTTPException, Request, Response
from pydantic import BaseModel, Field

from portafunc import App, Message

# -- the FastAPI app, as it was before portafunc -------------------------------------------


class NewNote(BaseModel):
    text: str = Field(min_length=1, max_length=500)
    tags: list[str] = Field(default_factory=list, max_length=10)


class Note(NewNote):
    id: int


#: The notes, by id (in memory: each cold start begins empty).
NOTES: dict[int, Note] = {}
#: When the lifespan started: once per cold start.
STARTS: list[datetime] = []


@asynccontextmanager
async def lifespan(api: FastAPI) -> AsyncIterator[dict[str, Any]]:
    """Runs once per cold start, before the first request reaches the app."""
    STARTS.append(datetime.now(timezone.utc))
    yield {"started": STARTS[-1]}  # copied into each request's ``request.state``


api = FastAPI(title="notes", lifespan=lifespan)


@api.get("/notes")
def list_notes(tag: str | None = None) -> list[Note]:
    return [note for note in NOTES.values() if tag is None or tag in note.tags]


@api.post("/notes", status_code=201)
def create_note(note: NewNote, response: Response) -> Note:
    stored = Note(id=len(NOTES) + 1, **note.model_dump())
    NOTES[stored.id] = stored
    response.set_cookie("last_note", str(stored.id))
    return stored


@api.get("/notes/{note_id}")
def get_note(note_id: int) -> Note:
    if note_id not in NOTES:
        raise HTTPException(404, f"no note {note_id}")
    return NOTES[note_id]


@api.get("/notes/{note_id}/export")
def export_note(note_id: int) -> Response:
    """The note as a UTF-8 text file download."""
    note = get_note(note_id)
    headers = {"content-disposition": f'attachment; filename="note-{note_id}.txt"'}
    return Response(note.text.encode(), media_type="application/octet-stream", headers=headers)


@api.get("/me")
def me(request: Request, last_note: Annotated[int | None, Cookie()] = None) -> dict[str, Any]:
    """What the app sees of the request: a cookie, the lifespan's state, the caller."""
    return {
        "last_note": last_note,
        "started": request.state.started,
        "client": request.client.host if request.client else None,
        "url": str(request.url),
    }


# -- portafunc: the mount, and functions beside it -----------------------------------------

app = App("notes")
app.mount("/api", api, azure={"auth_level": "anonymous"})


@app.get("/api/health", azure={"auth_level": "anonymous"})
def health() -> str:
    """Answered by portafunc, never by FastAPI: a static route beats the mount."""
    return "ok"


@app.queue("notes-import")
def import_note(message: Message[NewNote]) -> int:
    """Notes sent to the ``notes-import`` queue join those posted over HTTP."""
    note = Note(id=len(NOTES) + 1, **message.data.model_dump())
    NOTES[note.id] = note
    return note.id
