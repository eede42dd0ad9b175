"""``@aclaude.tool`` and ``json_schema_tool``: definitions, schemas from type hints, input
conversion and validation with msgspec, how results become ``tool_result`` content."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import enum
import functools
import inspect
import pydoc
import threading
from typing import Annotated, Any, Literal

import msgspec
import pytest

import aclaude
from aclaude.tools._tool import tool_result_content

# -- definitions -----------------------------------------------------------------------------


@aclaude.tool
async def get_weather(
    city: str,
    unit: Literal["celsius", "fahrenheit"] = "celsius",
    days: Annotated[int, msgspec.Meta(ge=1, le=7, description="Days of forecast")] = 1,
) -> str:
    """Get the weather forecast for a city.

    Uses the national weather service.

    Args:
        city: The city, e.g.
            "Paris".
        unit (str): Temperature unit.
        days: Ignored here: the Annotated description wins.

    Returns:
        A short forecast.
    """
    return f"{city}: sunny, 21 {unit}, {days} day(s)"


def test_name_description_and_schema_come_from_the_function() -> None:
    assert isinstance(get_weather, aclaude.Tool)
    assert get_weather.to_param() == {
        "name": "get_weather",
        "description": "Get the weather forecast for a city.\n\nUses the national weather service."
        "\n\nReturns:\n    A short forecast.",
        "input_schema": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": 'The city, e.g. "Paris".'},
                "unit": {
                    "enum": ["celsius", "fahrenheit"],
                    "default": "celsius",
                    "description": "Temperature unit.",
                },
                "days": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 7,
                    "default": 1,
                    "description": "Days of forecast",
                },
            },
            "required": ["city"],
            "additionalProperties": False,
        },
    }


def test_the_schema_is_msgspecs() -> None:
    def schema_of(**fields: Any) -> Any:
        struct = msgspec.defstruct("S", list(fields.items()), kw_only=True, forbid_unknown_fields=True)
        schema = msgspec.json.schema(struct)
        root = schema["$defs"]["S"]
        del root["title"]
        return root

    @aclaude.tool
    def plain(a: int, b: list[str], c: datetime.date | None) -> None:
        pass

    assert plain.input_schema == schema_of(a=int, b=list[str], c=datetime.date | None)


def test_calling_the_tool_calls_the_function() -> None:
    @aclaude.tool
    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    assert add(2, 3) == 5
    assert add.func(2, b=3) == 5
    assert repr(add) == "<aclaude.Tool 'add'>"
    assert asyncio.run(get_weather("Oslo")) == "Oslo: sunny, 21 celsius, 1 day(s)"


def test_decorator_options() -> None:
    @aclaude.tool(
        name="lookup-v2",
        description="Look a key up.",
        timeout=2.5,
        cache_control={"type": "ephemeral"},
        strict=True,
        extra_fields={"input_examples": [{"key": "a"}]},
    )
    def lookup(key: str) -> str:
        """Not this docstring."""
        return key

    assert lookup.name == "lookup-v2"
    assert lookup.timeout == 2.5
    assert lookup.to_param() == {
        "name": "lookup-v2",
        "description": "Look a key up.",
        "input_schema": {
            "type": "object",
            "properties": {"key": {"type": "string"}},
            "required": ["key"],
            "additionalProperties": False,
        },
        "input_examples": [{"key": "a"}],
        "cache_control": {"type": "ephemeral"},
        "strict": True,
    }


def test_decorator_definition_fields_are_copied_in_order() -> None:
    examples = ({"key": "a"},)  # any iterable of mappings: sent as a list of dicts
    @aclaude.tool(
        input_examples=examples,
        defer_loading=True,
        allowed_callers=("direct",),
        eager_input_streaming=False,
        extra_fields={"x-field": 1},
    )
    def lookup(key: str) -> str:
        return key

    param = lookup.to_param()
    extra = {k: param[k] for k in param if k not in {"name", "description", "input_schema"}}
    assert list(extra.items()) == [
        ("x-field", 1),
        ("input_examples", [{"key": "a"}]),
        ("defer_loading", True),
        ("allowed_callers", ["direct"]),
        ("eager_input_streaming", False),
    ]


def test_decorator_keywords_are_checked_and_listed_by_help() -> None:
    with pytest.raises(TypeError, match="tool\\(\\) got an unexpected keyword argument 'timout'"):
        aclaude.tool(timout=5)  # type: ignore[call-overload]
    parameters = inspect.signature(aclaude.tool).parameters
    assert list(parameters)[1:4] == ["name", "description", "timeout"]
    assert parameters["timeout"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["timeout"].default is None
    assert "timeout: 'float | None' = None" in pydoc.render_doc(aclaude.tool, renderer=pydoc.plaintext)


def test_no_docstring_no_description_and_no_parameters() -> None:
    @aclaude.tool
    def now() -> str:
        return "12:00"

    assert now.to_param() == {
        "name": "now",
        "input_schema": {"type": "object", "properties": {}, "required": [], "additionalProperties": False},
    }
    assert now.parse_input({}) == ((), {})


@pytest.mark.parametrize("name", ["", "has space", "<lambda>", "x" * 129, "émoji"])
def test_bad_names_fail_at_decoration(name: str) -> None:
    with pytest.raises(ValueError, match="must match"):
        aclaude.tool(name=name)(lambda: None)


def test_a_lambda_needs_a_name() -> None:
    with pytest.raises(ValueError, match="pass name="):
        aclaude.tool(lambda x: x)
    assert aclaude.tool(name="echo")(lambda x: x).to_param()["input_schema"]["required"] == ["x"]


def test_var_args_are_refused() -> None:
    with pytest.raises(TypeError, match=r"\*args and \*\*kwargs"):

        @aclaude.tool
        def f(*names: str) -> None:
            pass

    with pytest.raises(TypeError, match=r"\*args and \*\*kwargs"):

        @aclaude.tool
        def g(**options: str) -> None:
            pass


class Opaque:
    pass


def test_a_type_msgspec_cannot_describe_fails_at_decoration() -> None:
    with pytest.raises(TypeError, match="cannot build an input schema"):

        @aclaude.tool
        def f(x: Opaque) -> None:
            pass


def test_bad_timeout() -> None:
    with pytest.raises(ValueError, match="timeout"):
        aclaude.tool(timeout=0)(get_weather.func)


# -- input conversion and validation ---------------------------------------------------------


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Point(msgspec.Struct):
    x: float
    y: float


@aclaude.tool
def draw(
    points: list[Point],
    color: Color,
    when: datetime.datetime | None = None,
    tags: list[str] = ["a"],  # noqa: B006 - a mutable default must not be shared between calls
    /,
) -> str:
    """Draw a polyline."""
    return "ok"


def test_input_is_converted_to_the_hinted_types() -> None:
    args, kwargs = draw.parse_input(
        {"points": [{"x": 1, "y": 2.5}], "color": "blue", "when": "2025-01-02T03:04:05Z"}
    )
    assert kwargs == {}  # positional-only parameters are passed positionally
    points, color, when, tags = args
    assert points == [Point(1.0, 2.5)]
    assert color is Color.BLUE
    assert when == datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    assert tags == ["a"]
    tags.append("b")
    assert draw.parse_input({"points": [], "color": "red"})[0][3] == ["a"]  # a fresh copy each time


@pytest.mark.parametrize(
    ("bad_input", "message"),
    [
        ({"city": 42}, "Expected `str`, got `int` - at `$.city`"),
        ({}, "Object missing required field `city`"),
        ({"city": "Paris", "days": 8}, "Expected `int` <= 7 - at `$.days`"),
        ({"city": "Paris", "unit": "kelvin"}, "Invalid enum value 'kelvin' - at `$.unit`"),
        ({"city": "Paris", "country": "FR"}, "Object contains unknown field `country`"),
        ("Paris", "Expected `object`, got `str`"),
        (None, "Expected `object`, got `null`"),
    ],
)
def test_invalid_input_raises_msgspecs_validation_error(bad_input: Any, message: str) -> None:
    with pytest.raises(msgspec.ValidationError) as info:
        get_weather.parse_input(bad_input)
    assert str(info.value) == message


def test_nested_validation_errors_say_where() -> None:
    with pytest.raises(msgspec.ValidationError, match=r"at `\$\.points\[1\]\.y`"):
        draw.parse_input({"points": [{"x": 1, "y": 1}, {"x": 1, "y": "up"}], "color": "red"})


class SearchQuery(msgspec.Struct, forbid_unknown_fields=True):
    """A search over the catalogue."""

    query: str
    limit: int = 10


def test_one_struct_parameter_is_the_whole_input() -> None:
    @aclaude.tool
    async def search(q: SearchQuery) -> list[str]:
        """Search the catalogue."""
        return [q.query] * q.limit

    assert search.to_param() == {
        "name": "search",
        "description": "Search the catalogue.",
        "input_schema": {
            "description": "A search over the catalogue.",
            "type": "object",
            "properties": {"query": {"type": "string"}, "limit": {"type": "integer", "default": 10}},
            "required": ["query"],
            "additionalProperties": False,
        },
    }
    assert search.parse_input({"query": "tea"}) == ((), {"q": SearchQuery("tea", 10)})
    assert asyncio.run(search.run({"query": "tea", "limit": 2})) == ["tea", "tea"]
    with pytest.raises(msgspec.ValidationError, match="unknown field `q`"):
        search.parse_input({"q": {"query": "tea"}})


class Node(msgspec.Struct):
    name: str
    children: list[Node] = []


def test_nested_and_recursive_structs_keep_their_defs() -> None:
    @aclaude.tool
    def tree(root: Node, depth: int) -> None:
        pass

    schema = tree.input_schema
    assert schema["properties"]["root"] == {"$ref": "#/$defs/Node"}
    assert set(schema["$defs"]) == {"Node"}

    @aclaude.tool
    def tree_only(root: Node) -> None:
        pass

    # The root is the recursive Struct itself: its definition must stay for the inner $ref.
    schema = tree_only.input_schema
    assert schema["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert "Node" in schema["$defs"]
    assert tree_only.parse_input({"name": "a", "children": [{"name": "b"}]}) == (
        (),
        {"root": Node("a", [Node("b")])},
    )


def test_string_annotations_are_resolved() -> None:
    # This module uses `from __future__ import annotations`: every hint above is a string.
    assert get_weather.input_schema["properties"]["city"]["type"] == "string"


def test_an_unresolvable_annotation_fails_at_decoration() -> None:
    class Local(msgspec.Struct):  # a string hint that names a local class cannot be resolved
        x: int

    with pytest.raises(TypeError, match=r"cannot read the signature of tool 'f'.*Local"):

        @aclaude.tool
        def f(v: Local) -> None:
            pass


# -- running ----------------------------------------------------------------------------------


async def test_sync_tools_run_in_a_worker_thread() -> None:
    loop_thread = threading.get_ident()

    @aclaude.tool
    def where() -> int:
        return threading.get_ident()

    assert await where.run({}) != loop_thread


async def test_async_tools_run_on_the_loop() -> None:
    @aclaude.tool
    async def where() -> int:
        return threading.get_ident()

    assert await where.run({}) == threading.get_ident()


async def test_async_callables_and_partials_are_awaited() -> None:
    class Greeter:
        async def __call__(self, name: str) -> str:
            return f"hi {name}"

    async def greet(greeting: str, name: str) -> str:
        return f"{greeting} {name}"

    assert await aclaude.tool(name="greeter")(Greeter()).run({"name": "Ann"}) == "hi Ann"
    partial = aclaude.tool(name="hello")(functools.partial(greet, "hello"))
    assert partial.input_schema["required"] == ["name"]
    assert await partial.run({"name": "Bo"}) == "hello Bo"


async def test_run_validates_before_calling() -> None:
    calls: list[Any] = []

    @aclaude.tool
    def record(n: int) -> None:
        calls.append(n)

    with pytest.raises(msgspec.ValidationError):
        await record.run({"n": "1"})
    assert calls == []


# -- json_schema_tool ------------------------------------------------------------------------

SCHEMA = {
    "type": "object",
    "properties": {"sql": {"type": "string"}},
    "required": ["sql"],
}


async def test_json_schema_tool_sends_the_definition_and_passes_the_dict() -> None:
    seen: list[Any] = []

    async def run_query(input: dict[str, Any]) -> str:
        seen.append(input)
        return "3 rows"

    query = aclaude.json_schema_tool(
        {
            "name": "query",
            "description": "Run SQL.",
            "input_schema": SCHEMA,
            "cache_control": {"type": "ephemeral"},
        },
        run_query,
        timeout=3,
    )
    assert query.to_param() == {
        "name": "query",
        "description": "Run SQL.",
        "input_schema": SCHEMA,
        "cache_control": {"type": "ephemeral"},
    }
    assert query.timeout == 3
    assert await query.run({"sql": "select 1", "extra": True}) == "3 rows"
    assert seen == [{"sql": "select 1", "extra": True}]  # the schema is the caller's to enforce
    with pytest.raises(msgspec.ValidationError, match="Expected `object`, got `array`"):
        query.parse_input([1])


def test_json_schema_tool_sync_function_and_bad_definitions() -> None:
    echo = aclaude.json_schema_tool({"name": "echo", "input_schema": {"type": "object"}}, lambda d: d)
    assert echo.to_param() == {"name": "echo", "input_schema": {"type": "object"}}
    assert asyncio.run(echo.run({"a": 1})) == {"a": 1}
    with pytest.raises(ValueError, match="needs 'input_schema'"):
        aclaude.json_schema_tool({"name": "x"}, lambda d: d)
    with pytest.raises(ValueError, match="needs 'name'"):
        aclaude.json_schema_tool({"input_schema": {}}, lambda d: d)
    with pytest.raises(ValueError, match="JSON schema object"):
        aclaude.json_schema_tool({"name": "x", "input_schema": "{}"}, lambda d: d)


# -- results ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Reading:
    celsius: float
    at: datetime.date


@pytest.mark.parametrize(
    ("value", "content"),
    [
        ("plain text", "plain text"),
        (None, None),
        ({"temp": 21, "ok": True}, '{"temp":21,"ok":true}'),
        ([1, 2, 3], "[1,2,3]"),
        ([], "[]"),
        (42, "42"),
        (Point(1.5, 2.0), '{"x":1.5,"y":2.0}'),
        (Reading(20.5, datetime.date(2025, 1, 2)), '{"celsius":20.5,"at":"2025-01-02"}'),
        ([{"type": "text", "text": "a"}], [{"type": "text", "text": "a"}]),
        (
            ({"type": "text", "text": "see"}, aclaude.TextBlock(text="b")),
            [{"type": "text", "text": "see"}, {"type": "text", "text": "b"}],
        ),
        # Not all content blocks: data, sent as JSON.
        ([{"type": "text", "text": "a"}, 1], '[{"type":"text","text":"a"},1]'),
    ],
)
def test_result_content(value: Any, content: Any) -> None:
    assert tool_result_content(value) == content


def test_result_that_cannot_be_encoded() -> None:
    with pytest.raises(TypeError, match="cannot send a object as a tool result"):
        tool_result_content(object())


def test_tool_result_struct() -> None:
    result = aclaude.ToolResult(content=[{"type": "text", "text": "no"}], is_error=True)
    assert msgspec.to_builtins(result) == {"content": [{"type": "text", "text": "no"}], "is_error": True}
    assert aclaude.ToolResult().content is None
