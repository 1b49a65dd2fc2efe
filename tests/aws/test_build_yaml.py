"""The YAML writer of ``build --provider aws``: what it writes, YAML reads back unchanged.

PyYAML (a cfn-lint dependency) is the reader: YAML 1.1, as cfn-lint and the SAM CLI.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type stubs
from hypothesis import given
from hypothesis import strategies as st

from portafunc_aws.cli.yaml_text import dump

scalars = st.none() | st.booleans() | st.integers() | st.text()
floats = st.floats(allow_nan=False)
documents = st.dictionaries(
    st.text(max_size=100),
    st.recursive(
        scalars | floats,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=100), inner, max_size=4)
        ),
        max_leaves=20,
    ),
)


@given(documents)
def test_what_is_written_reads_back_the_same(document: dict[str, Any]) -> None:
    assert yaml.safe_load(dump(document)) == (document or {})


@pytest.mark.parametrize(
    "text",
    [
        "yes", "No", "off", "null", "~", "y", "", " padded", "trailing:", "a: b", "# not a comment",
        "123", "0x1F", "1e3", ".inf", "- item", "[1]", "{a}", "*alias", "&anchor", "!Ref X",
        "%TAG", "@at", "`tick", "'single'", '"double"', "tab\there", "line\nbreak", "\u00e9\u2028",
        "\U0001f600", "\x00\x7f",
    ],
)  # fmt: skip
def test_strings_yaml_would_read_otherwise_are_quoted(text: str) -> None:
    written = dump({"key": text})
    assert written.startswith('key: "')
    assert written.isascii()
    assert yaml.safe_load(written) == {"key": text}


@pytest.mark.parametrize(
    "text", ["AWS::SQS::Queue", "Fn::GetAtt", "$default", "/items/x", "python3.12", "a-b_c"]
)
def test_template_words_stay_plain(text: str) -> None:
    assert dump({"key": text}) == f"key: {text}\n"


def test_nesting_is_block_style() -> None:
    document = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Tags": [{"Key": "a"}, [1, 2]]}}}
    assert dump(document) == (
        "Resources:\n"
        "  Q:\n"
        "    Type: AWS::SQS::Queue\n"
        "    Tags:\n"
        "      - Key: a\n"
        "      - - 1\n"
        "        - 2\n"
    )


@pytest.mark.parametrize("number", [1e-05, -2.5e300, 0.1, 1e16, -0.0])
def test_floats_read_back_as_floats(number: float) -> None:
    assert yaml.safe_load(dump({"n": number})) == {"n": number}


def test_empty_collections_are_flow_style() -> None:
    assert dump({"a": {}, "b": [], "c": [{}, []]}) == "a: {}\nb: []\nc:\n  - {}\n  - []\n"


def test_keys_longer_than_yaml_readers_take_are_refused() -> None:
    assert yaml.safe_load(dump({"k" * 1024: 1})) == {"k" * 1024: 1}
    with pytest.raises(ValueError, match="1025"):
        dump({"k" * 1025: 1})


def test_values_other_than_json_types_are_refused() -> None:
    with pytest.raises(TypeError, match="set"):
        dump({"a": {1, 2}})
