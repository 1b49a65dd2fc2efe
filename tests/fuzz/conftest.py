"""What the fuzz tests share: the hypothesis profiles, the corpus, and the mutations.

Profiles (README.md): ``ci``, the default, and ``deep``, chosen with the environment
variable ``PORTAFUNC_FUZZ_PROFILE``; the chosen one is registered again as
``portafunc-fuzz``, which each test module reads with ``settings.get_profile``. A
profile's ``max_examples`` is the number of examples *per adapter*: each module splits
it over its tests and parametrized cases (README.md has the arithmetic). No profile is
loaded: the settings of the rest of the suite stay untouched.

Lazily built values (``lazily_read``): what handlers got is read after each call: a
message's ``attributes`` and a request's ``identity`` (adapters build them when first
read) and the envelope's ``time``; reading gives a value or a PortafuncError.

HTTP seeds (``http_seeds`` fixture), for the Azure and GCP HTTP fuzzing: the request
of every HTTP payload of the AWS corpus (not WebSocket) and the Azure custom-handler
request, as ``{"Method", "Url", "Headers": {name: [values]}, "Body"}``.

The mutation strategy (``mutate`` fixture): from a corpus payload (deep-copied, never
written back), pick a path (the root, any key or any index, recursively) and apply one
of: drop the key, give it a value of another JSON type, break a base64 string, break a
JSON string (or mutate the JSON inside it, also inside base64), oversize it (1 MiB),
put odd unicode in it or in its key, empty it, or duplicate a list item; 1 to 3 times.
"""

from __future__ import annotations

import base64
import binascii
import copy
import gzip
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from portafunc.errors import PortafuncError

PROFILE_VARIABLE = "PORTAFUNC_FUZZ_PROFILE"
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"
_COMMON: dict[str, Any] = {
    "deadline": None,  # a 1 MiB string is slow to copy; a deadline would be flaky
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
}
settings.register_profile("ci", max_examples=600, **_COMMON)
settings.register_profile("deep", max_examples=10_000, **_COMMON)
settings.register_profile(
    "portafunc-fuzz", settings.get_profile(os.environ.get(PROFILE_VARIABLE, "ci"))
)

Mutate = Callable[[Any], st.SearchStrategy[Any]]
#: What core's ``to_datetime`` raises for a timestamp string or number it cannot parse
#: (core's to answer; tolerated here). Anything else raised when ``time`` is read means
#: the adapter handed the envelope something that is no timestamp at all.
UNPARSED_TIME = (ValueError, OverflowError, OSError)
Location = tuple[str | int, ...]
_DROPPED = object()

#: Characters a JSON document may carry that text handling trips on (no lone surrogates:
#: they cannot come off the wire as JSON): NUL, right-to-left mark and override, byte order
#: mark, combining accents (after a letter, and alone), line separator, an emoji, a ZWJ
#: sequence, non-characters, CRLF.
# fmt: off
ODD_TEXT = (
    "\x00", "\u200f", "\u202e", "\ufeff", "e\u0301", "\u0301", "\u2028", "\U0001f600",
    "\U0001f468\u200d\U0001f469", "\uffff", "\U0010ffff", "\r\n",
)
# fmt: on
ONE_MIB = 1 << 20
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([0, -1, 2**63, -(2**63) - 1, 10**30])
    | st.floats(allow_nan=False)  # JSON's 1e400 reads as infinity
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=5,
)


def _locations(value: Any, prefix: Location = ()) -> Iterator[Location]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _locations(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _locations(item, (*prefix, index))


def _at(value: Any, where: Location) -> Any:
    for step in where:
        value = value[step]
    return value


def _replaced(root: Any, where: Location, new: Any) -> Any:
    """``root`` with the value at ``where`` replaced (or dropped, for ``_DROPPED``)."""
    if not where:
        return new
    parent = _at(root, where[:-1])
    if new is _DROPPED:
        del parent[where[-1]]
    else:
        parent[where[-1]] = new
    return root


def _renamed(root: Any, where: Location, name: str) -> Any:
    parent = _at(root, where[:-1])
    parent[name] = parent.pop(where[-1])
    return root


@st.composite
def _broken_base64(draw: st.DrawFn, text: str) -> str:
    """An invalid character, padding inside, cut short, non-ASCII, the URL-safe alphabet,
    or valid base64 of bytes that are neither text, gzip nor JSON."""
    cut, middle = draw(st.integers(1, 3)), len(text) // 2
    garbage = base64.b64encode(draw(st.binary(min_size=1, max_size=64))).decode()
    short = text[:-cut] if len(text) > cut else text + "="
    urlsafe = text.replace("A", "-").replace("/", "_")
    inserted = [text[:middle] + char + text[middle:] for char in ("=", "\u00e9")]
    return draw(st.sampled_from([text + "!", *inserted, short, urlsafe, garbage]))


#: Valid JSON nested deeper than Python's recursion limit (100 KB: an SQS body may be 256).
DEEP_JSON = '{"a":' + "[" * 50_000 + "]" * 50_000 + "}"


@st.composite
def _broken_json(draw: st.DrawFn, text: str) -> str:
    cut = draw(st.integers(0, max(len(text) - 1, 0)))
    choices = [text[:cut], text + "}{", "{", "[", '{"a":', "null", "1e400", DEEP_JSON]
    return draw(st.sampled_from(choices))


def _decoded(text: str) -> tuple[Any, str, str] | None:
    """The JSON container ``text`` holds: its value, its text, and its layer
    (``"plain"``, ``"base64"``, or ``"gzip"``: gzip in base64, as CloudWatch Logs sends)."""
    for candidate, layer in _layers(text):
        if candidate.lstrip()[:1] in ("{", "["):
            try:
                return json.loads(candidate), candidate, layer
            except (ValueError, RecursionError):
                pass
    return None


def _layers(text: str) -> Iterator[tuple[str, str]]:
    yield text, "plain"
    try:
        data = base64.b64decode(text, validate=True)
        if data[:2] == b"\x1f\x8b":
            yield gzip.decompress(data).decode(), "gzip"
        else:
            yield data.decode(), "base64"
    except (binascii.Error, ValueError, OSError, EOFError):  # not base64, gzip or UTF-8
        return


def _layered(text: str, layer: str) -> str:
    if layer == "plain":
        return text
    data = text.encode()
    return base64.b64encode(gzip.compress(data) if layer == "gzip" else data).decode()


def _is_base64(text: str) -> bool:
    try:
        return len(text) >= 4 and bool(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return False


@st.composite
def _inside(draw: st.DrawFn, text: str, depth: int) -> str:
    """``text`` as broken JSON, or the JSON in it mutated; in its layer (base64, gzip)."""
    found = _decoded(text)
    if found is not None and depth < 2 and draw(st.booleans()):
        inner = draw(_mutation(found[0], depth + 1))
        dumped = json.dumps(inner, ensure_ascii=draw(st.booleans()))
    else:
        dumped = draw(_broken_json(text if found is None else found[1]))
    return dumped if found is None else _layered(dumped, found[2])


@st.composite
def _odd(draw: st.DrawFn, text: str) -> str:
    odd = draw(st.sampled_from(ODD_TEXT))
    position = draw(st.integers(0, len(text)))
    return draw(st.sampled_from([text[:position] + odd + text[position:], odd, odd * 3]))


#: Where each operation applies (the others apply anywhere), by location and value there.
_FITS: dict[str, Callable[[Location, Any], bool]] = {
    "drop": lambda where, current: bool(where),
    "rename": lambda where, current: bool(where) and isinstance(where[-1], str),
    "duplicate": lambda where, current: isinstance(current, list) and bool(current),
    **dict.fromkeys(("base64", "json", "unicode"), lambda where, current: isinstance(current, str)),
}


def _anywhere(where: Location, current: Any) -> bool:
    return True


#: The strings an operation goes for first, when the payload has some.
_TARGETS: dict[str, Callable[[str], bool]] = {
    "json": lambda text: _decoded(text) is not None,
    "base64": _is_base64,
}


@st.composite
def _location(draw: st.DrawFn, value: Any, operation: str) -> Location | None:
    """Where in ``value`` to apply ``operation`` (None: nowhere it applies)."""
    fits = _FITS.get(operation, _anywhere)
    fitting = [where for where in _locations(value) if fits(where, _at(value, where))]
    target = _TARGETS.get(operation)
    targets = [where for where in fitting if target(_at(value, where))] if target else []
    aimed = draw(st.booleans()) if targets else False
    if aimed:
        return draw(st.sampled_from(targets))
    return draw(st.sampled_from(fitting)) if fitting else None


@st.composite
def _mutation(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """``value`` with one mutation applied (``value`` itself may be changed)."""
    operation = draw(st.sampled_from(_OPERATIONS))
    where = draw(_location(value, operation))
    if where is None:  # e.g. "drop" on a scalar payload
        operation, where = "retype", ()
    current = _at(value, where)
    if operation == "rename":
        name = str(where[-1])
        new_name = draw(st.sampled_from([name.upper(), name.lower(), "", draw(_odd(name))]))
        return _renamed(value, where, new_name)
    if operation == "drop":
        return _replaced(value, where, _DROPPED)
    if operation == "duplicate":
        current.append(copy.deepcopy(draw(st.sampled_from(current))))
        return value
    if operation == "empty":
        return _replaced(value, where, draw(st.sampled_from([{}, [], "", 0])))
    if operation == "oversize":
        text = current if isinstance(current, str) and current else "x"
        return _replaced(value, where, (text * (ONE_MIB // len(text) + 1))[:ONE_MIB])
    if operation == "base64":
        return _replaced(value, where, draw(_broken_base64(current)))
    if operation == "json":
        return _replaced(value, where, draw(_inside(current, depth)))
    if operation == "unicode":
        return _replaced(value, where, draw(_odd(current)))
    return _replaced(value, where, draw(JSON_VALUES))  # "retype"


# fmt: off
_OPERATIONS = (
    "drop", "retype", "base64", "json", "oversize", "unicode", "rename", "empty", "duplicate",
)
# fmt: on


@st.composite
def mutated(draw: st.DrawFn, payload: Any) -> Any:
    """A deep copy of ``payload`` with 1 to 3 mutations."""
    value = copy.deepcopy(payload)
    for _ in range(draw(st.integers(1, 3))):
        value = draw(_mutation(value))
    return value


@st.composite
def encoded(draw: st.DrawFn, text: str) -> bytes:
    """``text`` as UTF-8, sometimes with bytes that are not UTF-8 in it."""
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        return data
    junk = draw(st.sampled_from([b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80"]))
    position = draw(st.integers(0, len(data)))
    return data[:position] + junk + data[position:]


def lazy_failures(envelope: Any) -> list[str]:
    """What went wrong, other than a PortafuncError, reading what adapters build lazily:
    a message's ``attributes``, a request's ``identity`` (decoded when read), ``time``."""
    found: list[str] = []
    for field in ("attributes", "identity", "time"):
        if not hasattr(type(envelope), field):
            continue
        tolerated = UNPARSED_TIME if field == "time" else ()
        try:
            value = getattr(envelope, field)
            if isinstance(value, Mapping):
                dict(value)
        except PortafuncError:
            pass
        except tolerated:
            pass
        except Exception as exc:
            found.append(f"{type(envelope).__name__}.{field}: {exc!r}"[:300])
    return found


@pytest.fixture(scope="session")
def lazily_read() -> Callable[[Any], list[str]]:
    """``lazily_read(envelope)``: the failures of :func:`lazy_failures` (none expected)."""
    return lazy_failures


def http_request(event: Mapping[str, Any]) -> dict[str, Any]:
    """The request of an AWS HTTP payload (any of its shapes) as an HTTP seed."""
    http = (event.get("requestContext") or {}).get("http") or {}
    method = event.get("httpMethod") or event.get("method") or http["method"]
    path = event.get("rawPath") or event.get("raw_path") or event.get("path") or "/"
    given = event.get("multiValueHeaders") or event.get("headers") or {}
    headers = {name: value if isinstance(value, list) else [value] for name, value in given.items()}
    if event.get("cookies"):
        headers["cookie"] = ["; ".join(event["cookies"])]
    fields = ("multiValueQueryStringParameters", "queryStringParameters", "query_string_parameters")
    parameters: Mapping[str, Any] = next(filter(None, map(event.get, fields)), {})
    query = event.get("rawQueryString") or urlencode(parameters, doseq=True)
    body = event.get("body") or ""
    if event.get("isBase64Encoded") or event.get("is_base64_encoded"):
        body = next((text for text, layer in _layers(body) if layer == "base64"), body)
    url = f"https://example.com{path}" + (f"?{query}" if query else "")
    return {"Method": method, "Url": url, "Headers": headers, "Body": body}


def http_seeds() -> list[tuple[str, dict[str, Any]]]:
    """Every HTTP seed, with its name."""
    seeds = [
        (f"aws/{path.stem}", http_request(json.loads(path.read_text(encoding="utf-8"))))
        for path in sorted((PAYLOADS / "aws" / "http").glob("*.json"))
        if not path.name.startswith("apigw-websocket-")
    ]
    custom = PAYLOADS / "azure" / "other" / "custom-handler-http-trigger-request.json"
    request = json.loads(custom.read_text(encoding="utf-8"))["Data"]["req"]
    seeds.append((f"azure/{custom.stem}", {key: request[key] for key in HTTP_FIELDS}))
    return seeds


HTTP_FIELDS = ("Method", "Url", "Headers", "Body")


@pytest.fixture(scope="session", name="http_seeds")
def http_seeds_fixture() -> list[tuple[str, dict[str, Any]]]:
    """``[(name, seed), ...]``: see the module docstring."""
    return http_seeds()


@pytest.fixture(scope="session")
def mutate() -> Mutate:
    """``mutate(payload)``: the strategy of mutated copies of ``payload``."""
    return mutated


@pytest.fixture(scope="session")
def as_bytes() -> Callable[[str], st.SearchStrategy[bytes]]:
    """``as_bytes(text)``: ``text`` encoded, sometimes with invalid UTF-8 in it."""
    return encoded


@pytest.fixture(scope="session")
def load() -> Callable[[Path], Any]:
    """A corpus file's JSON (every call a fresh copy)."""
    return lambda path: json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", autouse=True)
def _quiet() -> Iterator[None]:
    """Keep portafunc's error logs (one per refused record) out of the captured output."""
    logger = logging.getLogger("portafunc")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    yield
    logger.setLevel(level)
