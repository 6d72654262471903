"""Spec fidelity, by property: the validator against an oracle written straight from the model.

The oracle below reads botocore's raw model file itself (not ``_spec``, not botocore's Shape
objects) and judges a value by the model's constraints read the way the service reads them:
lengths in UTF-16 code units (Java's ``String.length()``) and patterns matched against the whole
value with Java's ``Matcher.matches()``. Hypothesis then looks for values on which the validator
and the oracle disagree: valid ones, near-valid ones (a length one past a limit, one wrong
character) and hostile ones (other scripts, control characters, line terminators, lone
surrogates, very long strings).

The oracle takes a different route to a verdict than the production code wherever it can:

- patterns are translated from Java syntax to the standard library's ``re``, with each Java
  construct spelled out: ``\\d`` is ``[0-9]`` (Java's is ASCII-only), ``.`` excludes Java's five
  line terminators, and ``\\p{L}``, ``\\p{N}``, ``\\p{Z}``, ``\\p{ASCII}`` become explicit ranges built
  from ``unicodedata`` general categories (production uses the ``regex`` module's own tables);
- lengths are counted per code point (two units above U+FFFF, one otherwise), not by encoding.

What the two must share: the model itself (limits and pattern strings are the spec, so both read
the same botocore file), and a Unicode character database. Theirs differ in version -- ``regex``
ships a newer one than this Python's ``unicodedata``, and the service's JVM has its own -- so the
generators never put a code point this Python considers unassigned (category Cn) into a value
checked against a ``\\p{...}`` class; on such a code point there is no single right answer.
"""

from __future__ import annotations

import functools
import re
import string
import sys
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_personalize.model import rules as _rules
from pytest_personalize.model import spec as _spec
from pytest_personalize.model import templates as _templates
from pytest_personalize.model import validate as _validate


# Reproducible in CI and independent of any local example database; no deadline, because a
# loaded 2-core runner is not a reason to fail a property.
def budget(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None)


# Examples per property: about 10,000 generated values in all, each property's share set by how
# many ways its values can go wrong.
EXAMPLES = {
    "name": 2200,
    "role_arn": 2000,
    "kms_key_arn": 2000,
    "domain": 800,
    "tags": 1200,
    "every_pattern": 1000,
    "request": 1000,
}


# --- the oracle ------------------------------------------------------------------------------


@functools.cache
def raw_model() -> dict[str, Any]:
    """botocore's service-2.json for Personalize, as parsed JSON."""
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    model: dict[str, Any] = loader.load_service_model("personalize", "service-2")
    return model


def raw_shape(name: str) -> dict[str, Any]:
    shape: dict[str, Any] = raw_model()["shapes"][name]
    return shape


def member_shape(structure: str, member: str) -> str:
    return str(raw_shape(structure)["members"][member]["shape"])


JAVA_LINE_TERMINATORS = "\n\r\x85\u2028\u2029"
GENERAL_CATEGORIES = {"L": ("Lu", "Ll", "Lt", "Lm", "Lo"), "N": ("Nd", "Nl", "No"), "Z": ("Zs", "Zl", "Zp")}


@functools.cache
def category_ranges() -> dict[str, str]:
    """``re`` character-class bodies for Java's \\p{L}, \\p{N}, \\p{Z}, from ``unicodedata``."""
    wanted = {category: major for major, categories in GENERAL_CATEGORIES.items() for category in categories}
    ranges: dict[str, list[list[int]]] = {major: [] for major in GENERAL_CATEGORIES}
    for code in range(sys.maxunicode + 1):
        major = wanted.get(unicodedata.category(chr(code)))
        if major is not None:
            spans = ranges[major]
            if spans and spans[-1][1] == code - 1:
                spans[-1][1] = code
            else:
                spans.append([code, code])
    return {
        major: "".join(f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}" for low, high in spans)
        for major, spans in ranges.items()
    } | {"ASCII": "\\x00-\\x7f"}


def java_to_re(java_pattern: str) -> str:
    """The model's Java pattern in ``re`` syntax, every Java-specific construct spelled out.

    Only the constructs the model uses are known; anything else fails loudly, so a new model
    that brings one makes this oracle be taught it rather than guess.
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(java_pattern):
        char = java_pattern[i]
        if char == "\\":
            escaped = java_pattern[i + 1]
            if escaped == "p":
                end = java_pattern.index("}", i)
                body = category_ranges()[java_pattern[i + 3 : end]]
                out.append(body if in_class else f"[{body}]")
                i = end + 1
                continue
            if escaped == "d":
                out.append("0-9" if in_class else "[0-9]")
            elif escaped in "-()[]{}.\\/+*?|^$":
                out.append("\\" + escaped)
            else:
                raise NotImplementedError(f"the oracle doesn't know Java's \\{escaped} (in {java_pattern!r})")
            i += 2
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
        elif char == ".":
            out.append("[^\\n\\r\\x85\\u2028\\u2029]")
        elif char == "^":
            out.append("\\A")
        elif char == "$":
            # Java's $ may also match before a final line terminator, but matches() must then
            # still consume that terminator, which $ can't: under a full match it is the end.
            out.append("\\Z")
        else:
            out.append(char)
        i += 1
    return "".join(out)


@functools.cache
def oracle_pattern(java_pattern: str) -> re.Pattern[str]:
    return re.compile(java_to_re(java_pattern))


ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def java_length(text: str) -> int:
    """Java's String.length(): UTF-16 code units, two for a code point above U+FFFF, else one
    (a lone surrogate is one unit, as in Java)."""
    return len(text) + len(ASTRAL.findall(text))


def oracle(shape_name: str, value: Any, path: str) -> set[tuple[str, str]]:
    """Every (path, constraint) the model says ``value`` breaks, for string, list and structure shapes."""
    shape = raw_shape(shape_name)
    kind = shape["type"]
    if kind == "structure":
        found = {(join(path, name), "required") for name in shape.get("required", ()) if value.get(name) is None}
        for name, item in value.items():
            if item is not None:
                found |= oracle(shape["members"][name]["shape"], item, join(path, name))
        return found
    if kind == "list":
        found = sizes(shape, len(value), path)
        for index, item in enumerate(value, start=1):
            found |= oracle(shape["member"]["shape"], item, f"{path}.{index}.member")
        return found
    assert kind == "string", f"the oracle doesn't judge {kind} shapes"
    return {(path, broken) for broken in string_verdict(shape_name, value)}


@functools.lru_cache(maxsize=4096)
def string_verdict(shape_name: str, value: str) -> frozenset[str]:
    # Cached: a generated 200-tag list repeats a few distinct tags.
    shape = raw_shape(shape_name)
    if "enum" in shape:
        return frozenset() if value in shape["enum"] else frozenset({"enum"})
    found = {kind for _, kind in sizes(shape, java_length(value), "")}
    if "pattern" in shape and oracle_pattern(shape["pattern"]).fullmatch(value) is None:
        found.add("pattern")
    return frozenset(found)


def sizes(shape: dict[str, Any], size: int, path: str) -> set[tuple[str, str]]:
    found = set()
    if "min" in shape and size < shape["min"]:
        found.add((path, "min"))
    if "max" in shape and size > shape["max"]:
        found.add((path, "max"))
    return found


def join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


CONSTRAINT_KINDS = {
    "Member must have length greater than or equal to": "min",
    "Member must have length less than or equal to": "max",
    "Member must satisfy regular expression pattern": "pattern",
    "Member must satisfy enum value set": "enum",
    "Member must not be null": "required",
}


def kinds(violations: list[_validate.Violation] | tuple[_validate.Violation, ...]) -> set[tuple[str, str]]:
    found = set()
    for violation in violations:
        kind = next(
            (k for text, k in CONSTRAINT_KINDS.items() if violation.constraint.startswith(text)), violation.constraint
        )
        found.add((violation.path, kind))
    return found


@functools.cache
def production_shape(name: str) -> Any:
    # One Shape per name: shape_for() builds a new object each call, and the validator caches by shape.
    return _spec.service_model().shape_for(name)


def assert_agrees(shape_name: str, value: Any, path: str) -> None:
    shape = production_shape(shape_name)
    violations = _validate.validate(shape, value, path)
    assert kinds(violations) == oracle(shape_name, value, path), f"validator and oracle disagree on {value!r}"
    assert_sensitive_values_omitted(violations)


@functools.cache
def sensitive_members() -> frozenset[str]:
    """Names of structure members whose shape the installed model marks sensitive (tagKey and
    tagValue in newer models; none in botocore 1.34)."""
    return frozenset(
        name
        for shape in raw_model()["shapes"].values()
        for name, member in shape.get("members", {}).items()
        if raw_shape(member["shape"]).get("sensitive")
    )


def assert_sensitive_values_omitted(violations: Any) -> None:
    # The service's message leaves out the value of a member the model marks sensitive.
    sensitive = sensitive_members()
    for violation in violations:
        if violation.constraint.endswith("null"):
            continue
        if violation.path.rsplit(".", 1)[-1] in sensitive:
            assert violation.render().startswith("Value at '"), violation.render()


# The oracle is itself checked on the cases the Java semantics decide, so that agreeing with it means something.
@pytest.mark.parametrize(
    ("shape", "value", "broken"),
    [
        ("RoleArn", "arn:aws:iam::123456789012:role/r", set()),
        ("RoleArn", "arn:aws:iam::12345678901\u0663:role/r", {("v", "pattern")}),  # Java's \d is ASCII
        ("RoleArn", "arn:aws:iam::123456789012:role/r" + "r" * 225, {("v", "max")}),  # 257
        ("KmsKeyArn", "arn:aws:kms:r:123456789012:key/k\u00e9\U0001f600", set()),
        ("KmsKeyArn", "arn:aws:kms:r:123456789012:key/a\rb", {("v", "pattern")}),  # Java's . stops at \r
        ("KmsKeyArn", "arn:aws:kms:r:123456789012:key/\u2028", {("v", "pattern")}),
        ("KmsKeyArn", "arn:aws:kms:r:123456789012:key/" + "\U0001f600" * 1010, {("v", "max")}),  # 2052 units
        ("TagKey", "a\u2028b\u3000\u0663\U0001d7d8", set()),  # Zl, Zs and two \p{N} are in the class
        ("TagKey", "a\nb", {("v", "pattern")}),
        ("TagKey", "", {("v", "min")}),
        ("TagValue", "\ud800", {("v", "pattern")}),
        ("Name", "a" * 63, set()),
        ("Name", "-a" + "a" * 62, {("v", "pattern"), ("v", "max")}),
        ("Domain", "ecommerce", {("v", "enum")}),
    ],
    ids=lambda argument: ascii(argument)[:40] if isinstance(argument, str) else "",
)
def test_the_oracle_reads_java_semantics(shape, value, broken):
    assert oracle(shape, value, "v") == broken


def test_the_oracle_understands_every_pattern_in_the_model():
    patterns = {shape["pattern"] for shape in raw_model()["shapes"].values() if "pattern" in shape}
    assert patterns
    for pattern in patterns:
        oracle_pattern(pattern)


# --- every template against the model --------------------------------------------------------

# Written out rather than asked of botocore's endpoint data, which is what the production code reads.
PARTITION_OF = {"us-east-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"}


def arns_in(value: Any) -> Iterator[str]:
    if isinstance(value, str) and value.startswith("arn:"):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from arns_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from arns_in(item)


@pytest.mark.parametrize("region", sorted(PARTITION_OF))
@pytest.mark.parametrize("operation", _spec.service_model().operation_names)
def test_every_operations_template_conforms(operation, region):
    context = _templates.Context(region=region)
    response = _templates.template(operation, {}, context)
    assert _validate.response_violations(operation, response) == []
    assert _rules.response_problems(operation, response, {}) == []
    for arn in arns_in(response):
        _, partition, service, arn_region, account, resource = arn.split(":", 5)
        assert partition == PARTITION_OF[region], arn
        # What AWS owns (recipes, algorithms, feature transformations) names no region or account.
        owned = resource.split("/")[0] in ("recipe", "algorithm", "feature-transformation")
        assert account == ("" if owned else context.account), arn
        # IAM is global: its ARNs name no region.
        assert arn_region == ("" if service == "iam" or owned else region), arn


# --- generators ------------------------------------------------------------------------------

# Characters where a Java reading and a Python reading of a pattern part ways, or that break naive code.
TRICKY = (
    "\x00\t\n\r\x0b\x0c\x1b\x7f\x85\xa0\u2028\u2029"  # controls, line terminators, no-break space
    "\u200b\u200e\ufeff\u3000\u1680"  # format characters, spaces that are \p{Z}
    "\u0663\uff11\u0966\U0001d7d8\u2167\u00bd\u00b2"  # digits that aren't ASCII, other numbers
    "\u00e9\u00df\u0130\u0131\u212a\u0415\u30b7\U0001d400\U0001f600"  # letters, look-alikes, emoji
    "\ud800\udc80\udfff"  # lone surrogates
    " '\"\\%*$^[]{}()|?/:-_=+@,.#!~<>"  # punctuation and regex metacharacters
)
TAG_PUNCTUATION = "_.:/=+-@"
NAME_START = string.ascii_letters + string.digits
NAME_CHARS = NAME_START + "-_"
ROLE_PATH_CHARS = string.ascii_letters + string.digits + "_+=,.@-/"
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-eusc")


def any_char(*, assigned: bool) -> st.SearchStrategy[str]:
    """Any character at all (assigned ones only where a \\p class will judge it)."""
    excluded = ("Cs", "Cn") if assigned else ("Cs",)
    return st.one_of(st.sampled_from(TRICKY), st.characters(exclude_categories=excluded))


def hostile(*, assigned: bool, long_to: int) -> st.SearchStrategy[str]:
    """Arbitrary text, short or very long (a repeated unit, so that length costs no generation time)."""
    short = st.text(any_char(assigned=assigned), max_size=40)
    repeated = st.builds(
        lambda unit, count: unit * count,
        st.text(any_char(assigned=assigned), min_size=1, max_size=5),
        st.integers(min_value=1, max_value=long_to),
    )
    return st.one_of(short, repeated)


@st.composite
def one_edit(draw: st.DrawFn, valid: st.SearchStrategy[str], *, assigned: bool) -> str:
    """A valid value with one character replaced, inserted, deleted or doubled."""
    value = draw(valid)
    where = draw(st.integers(min_value=0, max_value=max(len(value) - 1, 0)))
    char = draw(any_char(assigned=assigned))
    edit = draw(st.sampled_from(("replace", "insert", "delete", "double", "append", "prepend")))
    if edit == "replace":
        return value[:where] + char + value[where + 1 :]
    if edit == "insert":
        return value[:where] + char + value[where:]
    if edit == "delete":
        return value[:where] + value[where + 1 :]
    if edit == "double":
        return value[: where + 1] + value[where:]
    if edit == "append":
        return value + char
    return char + value


def pad_to(prefix: str, filler: str, target: int) -> str:
    """``prefix`` followed by ``filler`` repeated to exactly ``target`` UTF-16 units (or one more, if the
    filler's last character is two units wide and lands on the limit)."""
    text = prefix + filler * (target // java_length(filler) + 1)
    length = java_length(text)
    while length > target and len(text) > len(prefix):
        length -= java_length(text[-1])
        text = text[:-1]
    return text if length >= target else text + "x"


def near_limits(limit: int) -> st.SearchStrategy[int]:
    return st.sampled_from((limit - 1, limit, limit + 1))


def limit(shape: str, key: str) -> int:
    return int(raw_shape(shape)[key])


# Dataset-group names: ^[a-zA-Z0-9][a-zA-Z0-9\-_]*, 1..63.
valid_names = st.builds(
    str.__add__, st.sampled_from(NAME_START), st.text(NAME_CHARS, max_size=limit("Name", "max") - 1)
)
names = st.one_of(
    valid_names,
    st.builds(
        lambda head, n, fill: pad_to(head, fill, n),
        st.sampled_from(NAME_START),
        near_limits(limit("Name", "max")),
        st.text(NAME_CHARS, min_size=1, max_size=4),
    ),
    st.just(""),
    one_edit(valid_names, assigned=False),
    hostile(assigned=False, long_to=100),
)

# Role ARNs: arn:([a-z\d-]+):iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+, at most 256.
digits12 = st.text(string.digits, min_size=12, max_size=12)
partitions = st.one_of(
    st.sampled_from(PARTITIONS), st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=12)
)


def role_arn(partition: str, account: str, slash: str, path: str) -> str:
    return f"arn:{partition}:iam::{account}:role{slash}{path}"


valid_role_arns = st.builds(
    role_arn, partitions, digits12, st.sampled_from(("/", "")), st.text(ROLE_PATH_CHARS, min_size=1, max_size=60)
)
role_arns = st.one_of(
    valid_role_arns,
    st.builds(
        lambda partition, account, n, fill: pad_to(role_arn(partition, account, "/", ""), fill, n),
        partitions,
        digits12,
        near_limits(limit("RoleArn", "max")),
        st.text(ROLE_PATH_CHARS, min_size=1, max_size=4),
    ),
    # An account of the wrong length, or written with digits that aren't ASCII.
    st.builds(role_arn, partitions, st.text(string.digits, min_size=10, max_size=14), st.just("/"), st.just("r")),
    st.builds(
        role_arn,
        partitions,
        st.text(string.digits + "\u0663\uff11\u0966\U0001d7d8", min_size=12, max_size=12),
        st.just("/"),
        st.just("r"),
    ),
    one_edit(valid_role_arns, assigned=False),
    hostile(assigned=False, long_to=400),
)

# KMS key ARNs: arn:aws.*:kms:.*:[0-9]{12}:key/.*, at most 2048.
not_a_line_terminator = st.one_of(
    st.sampled_from([char for char in TRICKY if char not in JAVA_LINE_TERMINATORS]),
    st.characters(exclude_categories=(), exclude_characters=JAVA_LINE_TERMINATORS),
)


def kms_arn(partition_suffix: str, region: str, account: str, key: str) -> str:
    return f"arn:aws{partition_suffix}:kms:{region}:{account}:key/{key}"


valid_kms_arns = st.builds(
    kms_arn,
    st.one_of(st.sampled_from(("", "-cn", "-us-gov")), st.text(not_a_line_terminator, max_size=6)),
    st.one_of(st.sampled_from(("us-east-1", "cn-north-1", "")), st.text(not_a_line_terminator, max_size=12)),
    digits12,
    st.one_of(st.uuids().map(str), st.text(not_a_line_terminator, max_size=40)),
)
kms_key_arns = st.one_of(
    valid_kms_arns,
    # Near the limit, with characters above U+FFFF so that code points and UTF-16 units differ.
    st.builds(
        lambda account, n, fill: pad_to(kms_arn("", "us-east-1", account, ""), fill, n),
        digits12,
        near_limits(limit("KmsKeyArn", "max")),
        st.text(not_a_line_terminator, min_size=1, max_size=4),
    ),
    st.builds(
        kms_arn,
        st.just(""),
        st.just("us-east-1"),
        st.text(string.digits + "\u0663\uff11", min_size=11, max_size=13),
        st.just("k"),
    ),
    one_edit(valid_kms_arns, assigned=False),
    hostile(assigned=False, long_to=2200),
)

# Domains: an enum.
domain_values = tuple(raw_shape("Domain")["enum"])
domains = st.one_of(
    st.sampled_from(domain_values),
    st.sampled_from(domain_values).flatmap(
        lambda value: st.sampled_from(
            (
                value.lower(),
                value.title(),
                f" {value}",
                f"{value} ",
                f"{value}\n",
                value[:-1],
                value.replace("E", "\u0415"),
                value + "\x00",
            )
        )
    ),
    one_edit(st.sampled_from(domain_values), assigned=False),
    hostile(assigned=False, long_to=20),
)

# Tags: 0..200 of {tagKey: 1..128, tagValue: 0..256}, both ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$.
tag_chars = st.characters(categories=("L", "N", "Z"), include_characters=TAG_PUNCTUATION)
tag_fillers = st.text(tag_chars, min_size=1, max_size=4)


def tag_texts(shape: str) -> st.SearchStrategy[str]:
    valid = st.text(tag_chars, min_size=limit(shape, "min") if "min" in raw_shape(shape) else 0, max_size=30)
    return st.one_of(
        valid,
        st.builds(
            lambda n, fill: pad_to("", fill, n),
            st.sampled_from((0, 1, limit(shape, "max") - 1, limit(shape, "max"), limit(shape, "max") + 1)),
            tag_fillers,
        ),
        one_edit(valid, assigned=True),
        hostile(assigned=True, long_to=300),
    )


tags_one = st.builds(lambda key, value: {"tagKey": key, "tagValue": value}, tag_texts("TagKey"), tag_texts("TagValue"))
tag_count = limit("Tags", "max")


@st.composite
def tag_lists(draw: st.DrawFn) -> list[dict[str, str]]:
    # A few distinct tags, cycled to the size: a 201-tag list costs no more to draw than a 3-tag one.
    size = draw(st.sampled_from((0, 1, 2, 3, 4, tag_count - 1, tag_count, tag_count + 1)))
    distinct = draw(st.lists(tags_one, min_size=1, max_size=4))
    return [distinct[i % len(distinct)] for i in range(size)]


# --- the properties --------------------------------------------------------------------------


@budget(EXAMPLES["name"])
@given(names)
def test_dataset_group_names(value):
    assert_agrees(member_shape("CreateDatasetGroupRequest", "name"), value, "name")


@budget(EXAMPLES["role_arn"])
@given(role_arns)
def test_role_arns(value):
    assert_agrees(member_shape("CreateDatasetGroupRequest", "roleArn"), value, "roleArn")


@budget(EXAMPLES["kms_key_arn"])
@given(kms_key_arns)
def test_kms_key_arns(value):
    assert_agrees(member_shape("CreateDatasetGroupRequest", "kmsKeyArn"), value, "kmsKeyArn")


@budget(EXAMPLES["domain"])
@given(domains)
def test_domains(value):
    assert_agrees(member_shape("CreateDatasetGroupRequest", "domain"), value, "domain")


@budget(EXAMPLES["tags"])
@given(tag_lists())
def test_tag_lists(value):
    assert_agrees(member_shape("CreateDatasetGroupRequest", "tags"), value, "tags")


def patterned_string_shapes() -> list[str]:
    return sorted(
        name for name, shape in raw_model()["shapes"].items() if shape["type"] == "string" and "pattern" in shape
    )


def uses_unicode_classes(shape: str) -> bool:
    return "\\p{" in raw_shape(shape)["pattern"] and "\\p{ASCII}" not in raw_shape(shape)["pattern"]


@functools.cache
def values_for(shape: str) -> st.SearchStrategy[tuple[str, str]]:
    # Built once per shape: hypothesis analyses a from_regex pattern when the strategy is first drawn.
    assigned = uses_unicode_classes(shape)
    # Valid values come from the oracle's own reading of the pattern; the others are edits of them.
    matching = st.from_regex(oracle_pattern(raw_shape(shape)["pattern"]), fullmatch=True)
    if assigned:
        matching = matching.filter(lambda text: all(unicodedata.category(char) != "Cn" for char in text))
    values = st.one_of(matching, one_edit(matching, assigned=assigned), hostile(assigned=assigned, long_to=60))
    return st.tuples(st.just(shape), values)


def any_patterned_value() -> st.SearchStrategy[tuple[str, str]]:
    """Every string shape with a pattern in the model, not just the dataset-group ones."""
    return st.one_of([values_for(shape) for shape in patterned_string_shapes()])


@budget(EXAMPLES["every_pattern"])
@given(any_patterned_value())
def test_every_pattern_in_the_model(shape_and_value):
    shape, value = shape_and_value
    assert_agrees(shape, value, "v")


@st.composite
def create_requests(draw: st.DrawFn) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for member, values in (
        ("name", names),
        ("roleArn", role_arns),
        ("kmsKeyArn", kms_key_arns),
        ("domain", domains),
        ("tags", tag_lists()),
    ):
        # Leaving "name" out is a request the service refuses too (it is required).
        if draw(st.integers(min_value=0, max_value=9)) > (0 if member == "name" else 5):
            params[member] = draw(values)
    return params


@budget(EXAMPLES["request"])
@given(create_requests())
def test_whole_create_dataset_group_requests(params):
    problem = _validate.request_problem("CreateDatasetGroup", params)
    violations = problem.violations if problem is not None else ()
    expected = oracle(raw_model()["operations"]["CreateDatasetGroup"]["input"]["shape"], params, "")
    assert kinds(violations) == expected
    assert_sensitive_values_omitted(violations)
    if not expected:
        # A request the model accepts gets a response the model accepts, echoing what it should.
        response = _templates.template("CreateDatasetGroup", params, _templates.Context())
        assert _validate.response_violations("CreateDatasetGroup", response) == []
        assert response.get("domain") == params.get("domain")
