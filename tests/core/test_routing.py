"""portafunc.routing: template parsing, precedence, 404/405, collisions.

Trailing slashes are significant: ``/orders`` and ``/orders/`` are different paths.
Nothing is stripped or redirected, so a route declared without one does not match a
request with one (404), the same on every provider.
"""

from __future__ import annotations

import pytest

from portafunc import App, HTTPResponse
from portafunc.errors import DeclarationError, HTTPError
from portafunc.routing import Router, parse_template
from portafunc.testing import TestClient


def _router(*routes: tuple[str, str]) -> Router[str]:
    """A router over ``(methods, path)`` routes; each route's target is ``"METHODS path"``."""
    router: Router[str] = Router()
    for methods, path in routes:
        name = f"{methods} {path}"
        router.add(tuple(methods.split(",")), parse_template(path), name, f"<{name}>")
    return router


def _error(router: Router[str], method: str, path: str) -> HTTPError:
    with pytest.raises(HTTPError) as caught:
        router.match(method, path)
    return caught.value


# -- templates -------------------------------------------------------------------------

TEMPLATES: list[tuple[str, tuple[str | None, ...], tuple[tuple[str, bool], ...]]] = [
    ("/", (), ()),
    ("/orders", ("orders",), ()),
    ("/orders/", ("orders", ""), ()),
    ("/orders/{id}", ("orders", None), (("id", False),)),
    ("/t/{tenant}/o/{order_id}", ("t", None, "o", None), (("tenant", False), ("order_id", False))),
    ("/files/{path:path}", ("files", None), (("path", True),)),
    ("/{rest:path}", (None,), (("rest", True),)),
    ("/{_x9}", (None,), (("_x9", False),)),
]


@pytest.mark.parametrize(("path", "segments", "params"), TEMPLATES)
def test_parse_template(
    path: str, segments: tuple[str | None, ...], params: tuple[tuple[str, bool], ...]
) -> None:
    template = parse_template(path)
    assert template.path == path
    assert template.segments == segments
    assert template.params == params
    assert template.is_static is (not params)
    assert template.greedy is (bool(params) and params[-1][1])


REJECTED = [
    ("orders", "must start with '/'"),
    ("", "must start with '/'"),
    ("/orders?page=1", "must not contain a query or fragment"),
    ("/orders#top", "must not contain a query or fragment"),
    ("/orders/{id}.json", "segment '{id}.json' must be literal or one whole"),
    ("/orders/{id:int}", "segment '{id:int}' must be literal"),
    ("/{}", "segment '{}' must be literal"),
    ("/{1st}", "segment '{1st}' must be literal"),
    ("/{a-b}", "segment '{a-b}' must be literal"),
    ("/{open", "segment '{open' must be literal"),
    ("/close}", "segment 'close}' must be literal"),
    ("/{a}{b}", "segment '{a}{b}' must be literal"),
    ("/x-{a}", "segment 'x-{a}' must be literal"),
    ("/files/{rest:path}/meta", "'{rest:path}' must be the last segment"),
    ("/{a}/{b:path}/{c}", "'{b:path}' must be the last segment"),
    ("/{id}/x/{id}", "parameter 'id' appears twice"),
    ("/{id}/{id:path}", "parameter 'id' appears twice"),
]


@pytest.mark.parametrize(("path", "message"), REJECTED)
def test_malformed_templates_are_rejected(path: str, message: str) -> None:
    with pytest.raises(DeclarationError, match="path") as caught:
        parse_template(path)
    assert message in str(caught.value)
    assert repr(path) in str(caught.value)


def test_shape_erases_parameter_names_only() -> None:
    assert parse_template("/o/{id}").shape == parse_template("/o/{oid}").shape
    assert parse_template("/o/{id}").shape != parse_template("/o/{id:path}").shape
    assert parse_template("/o/{id}").shape != parse_template("/o/x").shape
    # Literal '*' segments are legal and must not look like parameters.
    assert parse_template("/o/*").shape != parse_template("/o/{id}").shape
    assert parse_template("/o/**").shape != parse_template("/o/{rest:path}").shape


# -- matching --------------------------------------------------------------------------


def test_static_hit_has_no_params() -> None:
    router = _router(("GET", "/orders"), ("GET", "/orders/open"), ("GET", "/"))
    assert router.match("GET", "/orders") == ("GET /orders", {})
    assert router.match("GET", "/orders/open") == ("GET /orders/open", {})
    assert router.match("GET", "/") == ("GET /", {})


def test_root_is_not_matched_by_parameters() -> None:
    router = _router(("GET", "/{name}"), ("GET", "/{rest:path}"))
    assert _error(router, "GET", "/").status == 404
    assert router.match("GET", "/x") == ("GET /{name}", {"name": "x"})
    assert router.match("GET", "/x/y") == ("GET /{rest:path}", {"rest": "x/y"})


def test_static_segment_beats_parameter() -> None:
    router = _router(("GET", "/orders/{id}"), ("GET", "/orders/new"))
    assert router.match("GET", "/orders/new") == ("GET /orders/new", {})
    assert router.match("GET", "/orders/42") == ("GET /orders/{id}", {"id": "42"})


def test_static_segment_beats_parameter_inside_templates() -> None:
    router = _router(("GET", "/a/{x}/c"), ("GET", "/a/b/{y}"))
    assert router.match("GET", "/a/b/c") == ("GET /a/b/{y}", {"y": "c"})
    assert router.match("GET", "/a/z/c") == ("GET /a/{x}/c", {"x": "z"})


def test_a_dead_end_below_a_static_segment_falls_back_to_the_parameter() -> None:
    router = _router(("GET", "/users/me/{tab}/edit"), ("GET", "/users/{id}/posts"))
    assert router.match("GET", "/users/me/posts") == ("GET /users/{id}/posts", {"id": "me"})
    assert router.match("GET", "/users/me/posts/edit") == (
        "GET /users/me/{tab}/edit",
        {"tab": "posts"},
    )


def test_parameter_beats_greedy() -> None:
    router = _router(("GET", "/files/{path:path}"), ("GET", "/files/{name}"))
    assert router.match("GET", "/files/a.txt") == ("GET /files/{name}", {"name": "a.txt"})
    assert router.match("GET", "/files/a/b.txt") == (
        "GET /files/{path:path}",
        {"path": "a/b.txt"},
    )


@pytest.mark.parametrize(
    ("path", "captured"),
    [
        ("/static/site.css", "site.css"),
        ("/static/css/site.css", "css/site.css"),
        ("/static/css/", "css/"),
        ("/static/a/b/c/d", "a/b/c/d"),
    ],
)
def test_greedy_parameter_captures_slashes(path: str, captured: str) -> None:
    router = _router(("GET", "/static/{path:path}"))
    assert router.match("GET", path) == ("GET /static/{path:path}", {"path": captured})


@pytest.mark.parametrize("path", ["/static", "/static/"])
def test_greedy_parameter_needs_at_least_one_character(path: str) -> None:
    router = _router(("GET", "/static/{path:path}"))
    assert _error(router, "GET", path).status == 404


def test_greedy_after_parameters_gets_every_value() -> None:
    router = _router(("GET", "/t/{tenant}/{key:path}"))
    assert router.match("GET", "/t/acme/x/y") == (
        "GET /t/{tenant}/{key:path}",
        {"tenant": "acme", "key": "x/y"},
    )


def test_parameter_needs_a_non_empty_segment() -> None:
    router = _router(("GET", "/orders/{id}"), ("GET", "/orders/{id}/items"))
    assert _error(router, "GET", "/orders/").status == 404
    assert _error(router, "GET", "/orders//items").status == 404


def test_parameter_values_are_not_decoded() -> None:
    router = _router(("GET", "/q/{term}"))
    assert router.match("GET", "/q/a%20b") == ("GET /q/{term}", {"term": "a%20b"})


@pytest.mark.parametrize(
    ("declared", "requested", "matches"),
    [
        ("/orders", "/orders", True),
        ("/orders", "/orders/", False),
        ("/orders/", "/orders/", True),
        ("/orders/", "/orders", False),
        ("/orders/{id}", "/orders/5/", False),
        ("/orders/{id}/", "/orders/5/", True),
        ("/orders/{id}/", "/orders/5", False),
    ],
)
def test_trailing_slash_is_significant(declared: str, requested: str, matches: bool) -> None:
    router = _router(("GET", declared))
    if matches:
        assert router.match("GET", requested)[0] == f"GET {declared}"
    else:
        assert _error(router, "GET", requested).status == 404


def test_no_route_is_404() -> None:
    router = _router(("GET", "/orders"), ("GET", "/orders/{id}/items"))
    error = _error(router, "GET", "/customers")
    assert (error.status, error.detail, error.headers) == (404, "no route for /customers", {})
    assert _error(router, "GET", "/orders/5").status == 404


def test_empty_router_is_404() -> None:
    assert _error(Router(), "GET", "/").status == 404


# -- methods ---------------------------------------------------------------------------


def test_wrong_method_on_a_static_route_is_405_with_allow() -> None:
    router = _router(("GET,HEAD", "/orders"), ("POST", "/orders"))
    error = _error(router, "DELETE", "/orders")
    assert error.status == 405
    assert error.headers == {"allow": "GET, HEAD, POST"}


def test_allow_lists_every_method_that_matches_the_path() -> None:
    router = _router(
        ("GET", "/orders/new"),
        ("POST", "/orders/{id}"),
        ("PATCH", "/orders/{order_id}"),
        ("DELETE", "/orders/{rest:path}"),
        ("PUT", "/orders/{id}/items"),  # another path: not allowed on /orders/new
        ("OPTIONS", "/customers/new"),
    )
    error = _error(router, "PUT", "/orders/new")
    assert error.status == 405
    assert error.headers == {"allow": "DELETE, GET, HEAD, PATCH, POST"}


def test_method_falls_back_to_a_template_when_the_static_route_lacks_it() -> None:
    router = _router(("GET", "/orders/new"), ("POST", "/orders/{id}"))
    assert router.match("GET", "/orders/new") == ("GET /orders/new", {})
    assert router.match("POST", "/orders/new") == ("POST /orders/{id}", {"id": "new"})


def test_method_falls_back_when_the_most_static_route_lacks_it() -> None:
    router = _router(("GET", "/a/b/{x}"), ("POST", "/a/{y}/c"))
    assert router.match("GET", "/a/b/c") == ("GET /a/b/{x}", {"x": "c"})
    assert router.match("POST", "/a/b/c") == ("POST /a/{y}/c", {"y": "b"})
    error = _error(router, "DELETE", "/a/b/c")
    assert (error.status, error.headers) == (405, {"allow": "GET, HEAD, POST"})


def test_a_path_without_a_leading_slash_matches_nothing() -> None:
    router = _router(("GET", "/orders"), ("GET", "/{name}"), ("GET", "/{rest:path}"))
    assert _error(router, "GET", "orders").status == 404
    assert _error(router, "GET", "").status == 404


def test_method_falls_back_from_parameter_to_greedy() -> None:
    router = _router(("GET", "/files/{name}"), ("DELETE", "/files/{path:path}"))
    assert router.match("DELETE", "/files/a") == ("DELETE /files/{path:path}", {"path": "a"})


def test_different_parameter_names_of_one_shape_each_get_their_own() -> None:
    router = _router(("GET", "/orders/{id}"), ("DELETE", "/orders/{order_id}"))
    assert router.match("GET", "/orders/7") == ("GET /orders/{id}", {"id": "7"})
    assert router.match("DELETE", "/orders/7") == ("DELETE /orders/{order_id}", {"order_id": "7"})


# -- collisions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("/orders", "/orders"),
        ("/orders/{id}", "/orders/{id}"),
        ("/orders/{id}", "/orders/{order_id}"),
        ("/files/{path:path}", "/files/{rest:path}"),
        ("/", "/"),
    ],
)
def test_same_shape_and_method_collides(first: str, second: str) -> None:
    router = _router(("GET", first))
    with pytest.raises(DeclarationError) as caught:
        router.add(("GET",), parse_template(second), "second", "<second>")
    message = str(caught.value)
    assert f"GET {second} collides with <GET {first}>" in message
    assert router.match("GET", first.replace("{id}", "1").replace("{path:path}", "a"))[0] == (
        f"GET {first}"
    )


@pytest.mark.parametrize(
    ("first", "first_path", "second", "second_path"),
    [
        ("/orders/{id}", "/orders/1", "/orders/{id:path}", "/orders/1/2"),
        ("/orders/{id}", "/orders/1", "/orders/new", "/orders/new"),
        ("/o/*", "/o/*", "/o/{id}", "/o/1"),
        ("/o/**", "/o/**", "/o/{rest:path}", "/o/1/2"),
        ("/orders", "/orders", "/orders/", "/orders/"),
    ],
)
def test_different_shapes_do_not_collide(
    first: str, first_path: str, second: str, second_path: str
) -> None:
    router = _router(("GET", first), ("GET", second))
    assert router.match("GET", first_path)[0] == f"GET {first}"
    assert router.match("GET", second_path)[0] == f"GET {second}"


def test_same_shape_with_other_methods_is_fine() -> None:
    router = _router(("GET", "/orders/{id}"), ("PUT,DELETE", "/orders/{order_id}"))
    assert router.match("PUT", "/orders/1") == ("PUT,DELETE /orders/{order_id}", {"order_id": "1"})
    assert router.match("GET", "/orders/1") == ("GET /orders/{id}", {"id": "1"})


def test_a_colliding_route_is_rejected_whole() -> None:
    router = _router(("GET", "/orders"))
    with pytest.raises(DeclarationError, match="GET /orders collides"):
        router.add(("POST", "GET"), parse_template("/orders"), "both", "<both>")
    assert _error(router, "POST", "/orders").headers == {"allow": "GET, HEAD"}
    router.add(("POST",), parse_template("/orders"), "post", "<post>")  # POST is still free
    assert router.match("POST", "/orders") == ("post", {})


def test_collision_through_app_names_the_other_function() -> None:
    app = App("shop")

    @app.get("/orders/{id}")
    def first(id: str) -> str:
        return id

    with pytest.raises(DeclarationError) as caught:

        @app.get("/orders/{order_id}")
        def second(order_id: str) -> str:
            return order_id

    message = str(caught.value)
    assert f"collides with {__file__}:{first.__code__.co_firstlineno}, function " in message
    assert f"{first.__qualname__!r}" in message
    assert message.startswith(f"{__file__}:")
    assert ".second'" in message
    assert "second" not in app.functions
    assert TestClient(app).get("/orders/9").text == "9"


# -- through the app -------------------------------------------------------------------


def _shop() -> TestClient:
    app = App("shop")

    @app.get("/orders/new")
    def new_form() -> str:
        return "form"

    @app.post("/orders/{id}")
    def update(id: str) -> str:
        return f"updated {id}"

    @app.http(["PUT", "DELETE"], "/orders/{id}/{rest:path}")
    def nested(id: str, rest: str) -> str:
        return f"{id}:{rest}"

    @app.get("/")
    def home() -> str:
        return "home"

    return TestClient(app)


@pytest.mark.parametrize(
    ("method", "path", "text"),
    [
        ("GET", "/", "home"),
        ("GET", "/orders/new", "form"),
        ("POST", "/orders/new", "updated new"),
        ("POST", "/orders/17", "updated 17"),
        ("DELETE", "/orders/17/a/b", "17:a/b"),
    ],
)
def test_app_routes(method: str, path: str, text: str) -> None:
    response = _shop().request(method, path)
    assert (response.status, response.text) == (200, text)


def test_app_404_is_problem_json() -> None:
    response = _shop().get("/nowhere")
    assert response.status == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no route for /nowhere",
    }


def test_app_405_is_problem_json_with_allow() -> None:
    response = _shop().request("PATCH", "/orders/new")
    assert response.status == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Method Not Allowed"


# -- many routes -----------------------------------------------------------------------


def _many() -> tuple[Router[str], list[tuple[str, str, dict[str, str]]]]:
    """200 routes of every kind, and one request (method, path, params) for each."""
    router: Router[str] = Router()
    requests: list[tuple[str, str, dict[str, str]]] = []
    methods = ("GET", "POST", "PUT", "DELETE")
    for i in range(200):
        method = methods[i % 4]
        kind = i % 5
        if kind == 0:
            path, request, params = f"/s{i}/items", f"/s{i}/items", {}
        elif kind == 1:
            path, request, params = f"/p{i}/{{id}}", f"/p{i}/v{i}", {"id": f"v{i}"}
        elif kind == 2:
            path, request = f"/t/{{tenant}}/r{i}/{{item}}", f"/t/acme/r{i}/x{i}"
            params = {"tenant": "acme", "item": f"x{i}"}
        elif kind == 3:
            path, request, params = f"/g{i}/{{rest:path}}", f"/g{i}/a/b{i}", {"rest": f"a/b{i}"}
        else:
            path, request, params = f"/shared/{{id}}/k{i}", f"/shared/n{i}/k{i}", {"id": f"n{i}"}
        router.add((method,), parse_template(path), f"route {i}", f"<{i}>")
        requests.append((method, request, params))
    return router, requests


def test_two_hundred_routes_each_match_their_own() -> None:
    router, requests = _many()
    for index, (method, path, params) in enumerate(requests):
        assert router.match(method, path) == (f"route {index}", params), path


def test_two_hundred_routes_still_answer_404_and_405() -> None:
    router, requests = _many()
    assert _error(router, "GET", "/s999/items").status == 404
    assert _error(router, "GET", "/t/acme/r999/x").status == 404
    method, path, _ = requests[0]  # GET /s0/items
    error = _error(router, "POST", path)
    assert (error.status, error.headers) == (405, {"allow": f"{method}, HEAD"})


def test_a_get_route_answers_head_without_a_body() -> None:
    app = App("head")

    @app.get("/items/{item_id}")
    def item(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    @app.get("/explicit")
    def explicit_get() -> str:
        return "get"

    @app.http("HEAD", "/explicit")
    def explicit_head() -> HTTPResponse:
        return HTTPResponse(200, headers=[("x-head", "yes")])

    client = TestClient(app)
    head = client.request("HEAD", "/items/7")
    assert (head.status, head.body, head.headers["content-type"]) == (
        200,
        b"",
        "application/json",
    )
    assert client.request("HEAD", "/explicit").headers["x-head"] == "yes"
    assert client.get("/explicit").text == "get"
    assert client.post("/items/7").headers["allow"] == "GET, HEAD"
