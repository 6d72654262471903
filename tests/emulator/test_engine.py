"""The engine across every resource type: answers that conform, lifecycles, and the service's rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from pytest_personalize import Backend, UsageError
from pytest_personalize.emulator.backend import ServiceError
from pytest_personalize.emulator.engine import routes
from pytest_personalize.model import rules as _rules
from pytest_personalize.model import spec as _spec
from pytest_personalize.model import validate as _validate
from pytest_personalize.model.rules import arns as _arns
from pytest_personalize.model.rules import resources as _resources

ROLE = "arn:aws:iam::123456789012:role/personalize"
USER_PERSONALIZATION = "arn:aws:personalize:::recipe/aws-user-personalization"
ECOMM_FOR_YOU = "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you"


def avro(*fields: str, name: str = "Interactions") -> str:
    types = {"TIMESTAMP": "long"}
    return json.dumps(
        {
            "type": "record",
            "name": name,
            "namespace": "com.amazonaws.personalize.schema",
            "fields": [{"name": field, "type": types.get(field, "string")} for field in fields],
            "version": "1.0",
        }
    )


INTERACTIONS = avro("USER_ID", "ITEM_ID", "TIMESTAMP")


class Checked:
    """A backend whose every answer is checked against the model and the rules beyond it."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def __call__(self, operation: str, **params: Any) -> dict[str, Any]:
        response = self.backend.call(operation, params)
        violations = _validate.response_violations(operation, response)
        problems = _rules.response_problems(operation, response, params)
        assert not violations, [v.render() for v in violations]
        assert not problems, [p.explain() for p in problems]
        return response

    def error(self, operation: str, **params: Any) -> ServiceError:
        with pytest.raises(ServiceError) as raised:
            self.backend.call(operation, params)
        assert raised.value.code in _spec.modeled_errors(operation)
        return raised.value

    def status(self, noun: str, arn: str) -> str:
        kind = _resources.for_noun(noun)
        assert kind is not None
        member = noun[0].lower() + noun[1:]
        return str(self(f"Describe{noun}", **{kind.arn_member: arn})[member]["status"])


@pytest.fixture
def backend() -> Backend:
    return Backend()


@pytest.fixture
def call(backend: Backend) -> Checked:
    return Checked(backend)


def create_params(noun: str, arns: dict[str, str], suffix: str = "") -> dict[str, Any]:
    """A valid Create<noun> request, given the ARNs of what it needs."""
    name = f"{noun.lower()}{suffix}"
    table: dict[str, Callable[[], dict[str, Any]]] = {
        "Schema": lambda: {"name": name, "schema": INTERACTIONS},
        "DatasetGroup": lambda: {"name": name},
        "Dataset": lambda: {
            "name": name,
            "schemaArn": arns["Schema"],
            "datasetGroupArn": arns["DatasetGroup"],
            "datasetType": "Interactions",
        },
        "DatasetImportJob": lambda: {
            "jobName": name,
            "datasetArn": arns["Dataset"],
            "dataSource": {"dataLocation": "s3://bucket/interactions.csv"},
            "roleArn": ROLE,
        },
        "DatasetExportJob": lambda: {
            "jobName": name,
            "datasetArn": arns["Dataset"],
            "roleArn": ROLE,
            "jobOutput": {"s3DataDestination": {"path": "s3://bucket/export/"}},
        },
        "EventTracker": lambda: {"name": name, "datasetGroupArn": arns["DatasetGroup"]},
        "Filter": lambda: {
            "name": name,
            "datasetGroupArn": arns["DatasetGroup"],
            "filterExpression": 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")',
        },
        "Solution": lambda: {"name": name, "datasetGroupArn": arns["DatasetGroup"], "recipeArn": USER_PERSONALIZATION},
        "SolutionVersion": lambda: {"solutionArn": arns["Solution"]},
        "Campaign": lambda: {"name": name, "solutionVersionArn": arns["SolutionVersion"]},
        "BatchInferenceJob": lambda: {
            "jobName": name,
            "solutionVersionArn": arns["SolutionVersion"],
            "jobInput": {"s3DataSource": {"path": "s3://bucket/in.json"}},
            "jobOutput": {"s3DataDestination": {"path": "s3://bucket/out/"}},
            "roleArn": ROLE,
        },
        "BatchSegmentJob": lambda: {
            "jobName": name,
            "solutionVersionArn": arns["SolutionVersion"],
            "jobInput": {"s3DataSource": {"path": "s3://bucket/in.json"}},
            "jobOutput": {"s3DataDestination": {"path": "s3://bucket/out/"}},
            "roleArn": ROLE,
        },
        "MetricAttribution": lambda: {
            "name": name,
            "datasetGroupArn": arns["DatasetGroup"],
            "metrics": [
                {"eventType": "click", "metricName": "COUNT_CLICK", "expression": "SAMPLECOUNT()"},
            ],
            "metricsOutputConfig": {"roleArn": ROLE},
        },
        "DataDeletionJob": lambda: {
            "jobName": name,
            "datasetGroupArn": arns["DatasetGroup"],
            "dataSource": {"dataLocation": "s3://bucket/delete.csv"},
            "roleArn": ROLE,
        },
        "Recommender": lambda: {"name": name, "datasetGroupArn": arns["DomainGroup"], "recipeArn": ECOMM_FOR_YOU},
    }
    return table[noun]()


# The order a provisioning run creates them in: each after what it needs. Only the types the
# installed model has (DataDeletionJob came after botocore 1.34).
_PROVISIONING_ORDER = (
    "Schema",
    "DatasetGroup",
    "Dataset",
    "DatasetImportJob",
    "DatasetExportJob",
    "EventTracker",
    "Filter",
    "Solution",
    "SolutionVersion",
    "Campaign",
    "BatchInferenceJob",
    "BatchSegmentJob",
    "MetricAttribution",
    "DataDeletionJob",
    "Recommender",
)
ORDER = tuple(noun for noun in _PROVISIONING_ORDER if f"Create{noun}" in _spec.operation_names())


def domain_interactions(call: Checked, group: str) -> None:
    """An Interactions dataset with an import in the Domain group: a recommender trains on it.

    (Without moto's S3 the import's rows can't be counted, and are assumed enough.)
    """
    schema = json.loads(INTERACTIONS)
    schema["fields"].append({"name": "EVENT_TYPE", "type": "string"})
    made = call("CreateSchema", name="ecomm-interactions", schema=json.dumps(schema), domain="ECOMMERCE")
    dataset = call(
        "CreateDataset",
        name="ecomm-interactions",
        schemaArn=made["schemaArn"],
        datasetGroupArn=group,
        datasetType="Interactions",
    )["datasetArn"]
    call(
        "CreateDatasetImportJob",
        jobName="ecomm-import",
        datasetArn=dataset,
        dataSource={"dataLocation": "s3://bucket/ecomm.csv"},
        roleArn=ROLE,
    )


def build(call: Checked, upto: str | None = None) -> dict[str, str]:
    """One resource of each type (up to ``upto``), ACTIVE: the backend must be in the instant mode."""
    arns: dict[str, str] = {}
    arns["DomainGroup"] = call("CreateDatasetGroup", name="ecomm", domain="ECOMMERCE")["datasetGroupArn"]
    for noun in ORDER:
        kind = _resources.for_noun(noun)
        assert kind is not None
        if noun == "Recommender":
            domain_interactions(call, arns["DomainGroup"])
        arns[noun] = call(f"Create{noun}", **create_params(noun, arns))[kind.arn_member]
        if noun == upto:
            break
    return arns


def creatable() -> list[str]:
    return sorted(op.removeprefix("Create") for op in routes() if op.startswith("Create"))


def test_every_creatable_type_is_built_by_these_tests() -> None:
    assert sorted(ORDER) == creatable()


@pytest.mark.parametrize("noun", ORDER)
def test_each_type_is_created_described_listed_and_tagged_conformantly(
    backend: Backend, call: Checked, noun: str
) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto=noun)
    kind = _resources.for_noun(noun)
    assert kind is not None and _arns.arn_pattern(kind).fullmatch(arns[noun])
    member = noun[0].lower() + noun[1:]

    described = call(f"Describe{noun}", **{kind.arn_member: arns[noun]})[member]
    # The List's filter members (datasetGroupArn, solutionArn, ...) name a parent or an ancestor.
    request = _spec.operation_model(f"List{noun}s").input_shape
    filters = {}
    for member in request.members:
        parent = _resources.for_arn_member(member)
        if parent is not None:
            filters[member] = arns["DomainGroup" if noun == "Recommender" else parent.noun]
    listed = call(f"List{noun}s", **filters)
    ((list_member, items),) = ((key, value) for key, value in listed.items() if isinstance(value, list))

    assert described[kind.arn_member] == arns[noun]
    assert len(items) == (2 if noun == "DatasetGroup" else 1)
    # A List item is the description cut to the summary shape: nothing more, nothing less.
    summary = _spec.operation_model(f"List{noun}s").output_shape.members[list_member].member
    (item,) = (item for item in items if item[kind.arn_member] == arns[noun])
    assert item == {key: value for key, value in described.items() if key in summary.members}
    if noun != "Schema":
        assert described["status"] == kind.settled
    if "tags" in _spec.operation_model(f"Create{noun}").input_shape.members:
        call("TagResource", resourceArn=arns[noun], tags=[{"tagKey": "team", "tagValue": "recs"}])
        assert call("ListTagsForResource", resourceArn=arns[noun])["tags"] == [{"tagKey": "team", "tagValue": "recs"}]
    assert backend.resources(noun)[-1][kind.arn_member] == arns[noun]


def test_the_whole_graph_is_deleted_in_order(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call)
    deletable = [noun for noun in reversed(ORDER) if f"Delete{noun}" in routes()]
    for noun in deletable:
        kind = _resources.for_noun(noun)
        assert kind is not None
        assert call(f"Delete{noun}", **{kind.arn_member: arns[noun]}) == {}
        assert call.error(f"Describe{noun}", **{kind.arn_member: arns[noun]}).code == "ResourceNotFoundException"
    left = {resource.get("name") or resource.get("jobName") for resource in backend.resources()}
    assert "solution" not in left and "datasetgroup" not in left and "schema" not in left


# --- lifecycle ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "noun", [n for n in ("Dataset", "SolutionVersion", "Campaign", "DatasetImportJob", "DataDeletionJob") if n in ORDER]
)
def test_listing_moves_a_resource_on_as_describing_does(backend: Backend, call: Checked, noun: str) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto=ORDER[ORDER.index(noun) - 1] if noun != "DataDeletionJob" else "DatasetGroup")
    backend.set_lifecycle("describe")
    kind = _resources.for_noun(noun)
    assert kind is not None
    arn = call(f"Create{noun}", **create_params(noun, arns, "-polled"))[kind.arn_member]
    stages = _resources.creation_stages(kind)

    seen = []
    for _ in range(3):
        listed = call(f"List{noun}s")
        (items,) = (value for value in listed.values() if isinstance(value, list))
        seen.append(next(item["status"] for item in items if item[kind.arn_member] == arn))

    assert seen == [stages.pending, stages.done, stages.done]


def test_a_manual_clock_moves_every_type(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto="Solution")
    clock = backend.use_manual_clock(seconds_per_stage=600)
    version = call("CreateSolutionVersion", solutionArn=arns["Solution"])["solutionVersionArn"]
    assert call.status("SolutionVersion", version) == "CREATE PENDING"

    clock.advance(seconds=599)
    assert call.status("SolutionVersion", version) == "CREATE PENDING"
    clock.advance(seconds=1)
    assert call.status("SolutionVersion", version) == "ACTIVE"


@pytest.mark.parametrize(
    "noun", [n for n in ("Solution", "SolutionVersion", "Campaign", "Filter", "DataDeletionJob") if n in ORDER]
)
def test_fail_creation_works_for_any_type(backend: Backend, call: Checked, noun: str) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto=ORDER[ORDER.index(noun) - 1] if noun != "DataDeletionJob" else "DatasetGroup")
    backend.fail_creation("Insufficient data", kind=noun)
    kind = _resources.for_noun(noun)
    assert kind is not None

    arn = call(f"Create{noun}", **create_params(noun, arns, "-failing"))[kind.arn_member]
    described = call(f"Describe{noun}", **{kind.arn_member: arn})[noun[0].lower() + noun[1:]]

    assert described["status"] == _resources.creation_stages(kind).failed
    if "failureReason" in _spec.named_shape(kind.shapes[0]).members:  # a Solution's description has none
        assert described["failureReason"] == "Insufficient data"


def test_fail_creation_filters_by_type_and_names_the_types_it_knows(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    backend.fail_creation("no", kind="Solution")
    group = call("CreateDatasetGroup", name="shop")["datasetGroupArn"]
    assert call.status("DatasetGroup", group) == "ACTIVE"
    with pytest.raises(UsageError, match="choose one of Schema, DatasetGroup, Dataset"):
        backend.fail_creation("no", kind="Recipe")


def test_a_solution_version_creation_can_be_stopped(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto="Solution")
    backend.set_lifecycle("describe", in_progress=True)
    version = call("CreateSolutionVersion", solutionArn=arns["Solution"])["solutionVersionArn"]
    assert call.status("SolutionVersion", version) == "CREATE PENDING"  # the next status is IN_PROGRESS

    call("StopSolutionVersionCreation", solutionVersionArn=version)

    assert [call.status("SolutionVersion", version) for _ in range(3)] == [
        "CREATE STOPPING",
        "CREATE STOPPED",
        "CREATE STOPPED",
    ]
    error = call.error("StopSolutionVersionCreation", solutionVersionArn=version)
    assert error.code == "ResourceInUseException"


def test_a_recommender_stops_and_starts(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto="Recommender")
    backend.set_lifecycle("describe")
    recommender = arns["Recommender"]

    assert call("StopRecommender", recommenderArn=recommender) == {"recommenderArn": recommender}
    assert [call.status("Recommender", recommender) for _ in range(2)] == ["STOP PENDING", "INACTIVE"]
    assert call.error("StopRecommender", recommenderArn=recommender).code == "ResourceInUseException"
    call("StartRecommender", recommenderArn=recommender)
    assert [call.status("Recommender", recommender) for _ in range(2)] == ["START PENDING", "ACTIVE"]


def test_an_update_is_reported_as_the_latest_update(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto="Campaign")
    backend.set_lifecycle("describe")

    call("UpdateCampaign", campaignArn=arns["Campaign"], minProvisionedTPS=5)
    first = call("DescribeCampaign", campaignArn=arns["Campaign"])["campaign"]
    second = call("DescribeCampaign", campaignArn=arns["Campaign"])["campaign"]

    assert first["minProvisionedTPS"] == 5
    assert (first["latestCampaignUpdate"]["status"], second["latestCampaignUpdate"]["status"]) == (
        "CREATE PENDING",
        "ACTIVE",
    )


def test_a_solution_reports_its_latest_version(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto="SolutionVersion")
    newer = call("CreateSolutionVersion", solutionArn=arns["Solution"], trainingMode="UPDATE")["solutionVersionArn"]

    latest = call("DescribeSolution", solutionArn=arns["Solution"])["solution"]["latestSolutionVersion"]

    assert latest["solutionVersionArn"] == newer
    # Older models' SolutionVersionSummary has no trainingMode; where it has one, it is reported.
    summary = _spec.named_shape("SolutionVersionSummary").members
    assert latest.get("trainingMode") == ("UPDATE" if "trainingMode" in summary else None)


# --- rules -------------------------------------------------------------------------------------


def test_a_parent_that_does_not_exist_is_resource_not_found(call: Checked) -> None:
    missing = "arn:aws:personalize:us-east-1:123456789012:dataset-group/nothing"

    error = call.error("CreateSolution", name="s", datasetGroupArn=missing, recipeArn=USER_PERSONALIZATION)

    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        f"The given dataset group does not exist: {missing}",
    )


def test_a_parent_not_active_yet_is_resource_in_use(backend: Backend, call: Checked) -> None:
    group = call("CreateDatasetGroup", name="shop")["datasetGroupArn"]

    error = call.error("CreateEventTracker", name="tracker", datasetGroupArn=group)

    assert error.code == "ResourceInUseException"
    assert group in error.message and "CREATE PENDING" in error.message


def test_one_dataset_per_type_per_group(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto="Dataset")

    error = call.error("CreateDataset", **{**create_params("Dataset", arns), "name": "again"})

    assert error.code == "ResourceAlreadyExistsException"
    assert error.message == f"Another resource with Arn {arns['Dataset']} already exists."


def test_one_event_tracker_per_group(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto="EventTracker")

    error = call.error("CreateEventTracker", name="second", datasetGroupArn=arns["DatasetGroup"])

    assert error.code == "ResourceAlreadyExistsException"
    assert (
        error.message == f"EventTracker {arns['EventTracker']} already exists for DatasetGroup {arns['DatasetGroup']}"
    )


@pytest.mark.parametrize("noun", ["Schema", "Solution", "Filter", "SolutionVersion"])
def test_names_are_unique_per_type(backend: Backend, call: Checked, noun: str) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto=noun)
    params = create_params(noun, arns)
    if noun == "SolutionVersion":
        params["name"] = "v1"
        arns[noun] = call("CreateSolutionVersion", **params)["solutionVersionArn"]

    error = call.error(f"Create{noun}", **params)

    assert (error.code, error.message) == (
        "ResourceAlreadyExistsException",
        f"Another resource with Arn {arns[noun]} already exists.",
    )


@pytest.mark.parametrize(
    ("dataset_type", "fields", "missing"),
    [
        ("Interactions", ("USER_ID", "ITEM_ID"), "TIMESTAMP"),
        ("Items", ("USER_ID",), "ITEM_ID"),
        ("Users", ("ITEM_ID",), "USER_ID"),
    ],
)
def test_a_schema_without_the_fields_of_its_dataset_type_is_invalid_input(
    backend: Backend, call: Checked, dataset_type: str, fields: tuple[str, ...], missing: str
) -> None:
    backend.set_lifecycle("instant")
    schema = call("CreateSchema", name="partial", schema=avro(*fields))["schemaArn"]
    group = call("CreateDatasetGroup", name="shop")["datasetGroupArn"]

    error = call.error("CreateDataset", name="d", schemaArn=schema, datasetGroupArn=group, datasetType=dataset_type)

    assert error.code == "InvalidInputException" and missing in error.message


@pytest.mark.parametrize("text", ["not json", "{}", '{"type": "record", "name": "x"}', '{"type": "enum"}'])
def test_a_schema_that_is_not_an_avro_record_is_invalid_input(call: Checked, text: str) -> None:
    assert call.error("CreateSchema", name="bad", schema=text).code == "InvalidInputException"


def test_a_schema_domain_must_match_its_group(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    schema = call("CreateSchema", name="ecomm", schema=INTERACTIONS, domain="ECOMMERCE")["schemaArn"]
    group = call("CreateDatasetGroup", name="custom")["datasetGroupArn"]

    error = call.error("CreateDataset", name="d", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")

    assert error.code == "InvalidInputException" and "ECOMMERCE" in error.message


def test_a_recommender_needs_a_domain_group_and_a_use_case_of_its_domain(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    custom = call("CreateDatasetGroup", name="custom")["datasetGroupArn"]
    video = call("CreateDatasetGroup", name="video", domain="VIDEO_ON_DEMAND")["datasetGroupArn"]

    no_domain = call.error("CreateRecommender", name="r", datasetGroupArn=custom, recipeArn=ECOMM_FOR_YOU)
    wrong_domain = call.error("CreateRecommender", name="r", datasetGroupArn=video, recipeArn=ECOMM_FOR_YOU)

    assert no_domain.code == wrong_domain.code == "InvalidInputException"
    assert "Domain dataset group" in no_domain.message and "VIDEO_ON_DEMAND" in wrong_domain.message


@pytest.mark.parametrize(
    ("noun", "blocker"),
    [("DatasetGroup", "Dataset"), ("Schema", "Dataset"), ("Solution", "Campaign"), ("DatasetGroup", "Filter")],
)
def test_deleting_what_others_use_is_resource_in_use(backend: Backend, call: Checked, noun: str, blocker: str) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto=blocker)
    kind = _resources.for_noun(noun)
    assert kind is not None

    error = call.error(f"Delete{noun}", **{kind.arn_member: arns[noun]})

    assert error.code == "ResourceInUseException" and arns[noun] in error.message


def test_retired_and_domain_recipes_are_refused_for_solutions(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    group = call("CreateDatasetGroup", name="shop")["datasetGroupArn"]

    retired = call.error(
        "CreateSolution", name="s", datasetGroupArn=group, recipeArn="arn:aws:personalize:::recipe/aws-hrnn"
    )
    domain = call.error("CreateSolution", name="s", datasetGroupArn=group, recipeArn=ECOMM_FOR_YOU)
    unknown = call.error(
        "CreateSolution", name="s", datasetGroupArn=group, recipeArn="arn:aws:personalize:::recipe/aws-nothing"
    )

    assert (retired.code, domain.code, unknown.code) == (
        "InvalidInputException",
        "InvalidInputException",
        "ResourceNotFoundException",
    )


def test_the_catalogue_is_read_only_with_real_arns(call: Checked) -> None:
    recipes = call("ListRecipes")["recipes"]
    recipe = call("DescribeRecipe", recipeArn=USER_PERSONALIZATION)["recipe"]
    algorithm = call("DescribeAlgorithm", algorithmArn=recipe["algorithmArn"])["algorithm"]
    transformation = call("DescribeFeatureTransformation", featureTransformationArn=recipe["featureTransformationArn"])

    assert USER_PERSONALIZATION in [r["recipeArn"] for r in recipes]
    assert recipe["algorithmArn"] == "arn:aws:personalize:::algorithm/aws-user-personalization"
    assert algorithm["name"] == "aws-user-personalization"
    assert transformation["featureTransformation"]["name"] == "user-personalization"
    ecommerce = call("ListRecipes", domain="ECOMMERCE")["recipes"]
    assert ecommerce and {r["domain"] for r in ecommerce} == {"ECOMMERCE"}
    assert "CreateRecipe" not in routes() and "DeleteRecipe" not in routes()


def test_lists_are_paged_and_filtered_by_parent(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto="Solution")
    versions = [call("CreateSolutionVersion", solutionArn=arns["Solution"])["solutionVersionArn"] for _ in range(5)]
    other = call("CreateSolution", name="other", datasetGroupArn=arns["DatasetGroup"], recipeArn=USER_PERSONALIZATION)
    call("CreateSolutionVersion", solutionArn=other["solutionArn"])

    seen, token = [], None
    while True:
        page = call(
            "ListSolutionVersions",
            solutionArn=arns["Solution"],
            maxResults=2,
            **({"nextToken": token} if token else {}),
        )
        seen += [item["solutionVersionArn"] for item in page["solutionVersions"]]
        token = page.get("nextToken")
        if token is None:
            break

    assert seen == versions
    assert len(call("ListSolutionVersions")["solutionVersions"]) == 6


def test_quotas_of_other_types_are_configurable(call: Checked) -> None:
    backend = Backend(quotas={"Filter": 1})
    backend.set_lifecycle("instant")
    checked = Checked(backend)
    group = checked("CreateDatasetGroup", name="shop")["datasetGroupArn"]
    checked("CreateFilter", name="a", datasetGroupArn=group, filterExpression='EXCLUDE ItemID WHERE Items.X IN ("y")')

    error = checked.error(
        "CreateFilter", name="b", datasetGroupArn=group, filterExpression='EXCLUDE ItemID WHERE Items.X IN ("y")'
    )

    assert error.code == "LimitExceededException" and "More than 1 resources in ACTIVE state" in error.message
    with pytest.raises(UsageError, match="not a resource type"):
        Backend(quotas={"Filters": 1})


def test_reports_are_built_from_the_resource(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto="MetricAttribution")

    metrics = call("GetSolutionMetrics", solutionVersionArn=arns["SolutionVersion"])
    attribution = call("ListMetricAttributionMetrics", metricAttributionArn=arns["MetricAttribution"])

    assert metrics["solutionVersionArn"] == arns["SolutionVersion"]
    assert set(metrics["metrics"]) == set(_resources.SOLUTION_METRICS)
    assert all(0 < value < 1 for value in metrics["metrics"].values())
    assert [m["metricName"] for m in attribution["metrics"]] == ["COUNT_CLICK"]
    call(
        "UpdateMetricAttribution",
        metricAttributionArn=arns["MetricAttribution"],
        addMetrics=[{"eventType": "buy", "metricName": "COUNT_BUY", "expression": "SAMPLECOUNT()"}],
        removeMetrics=["COUNT_CLICK"],
    )
    after = call("ListMetricAttributionMetrics", metricAttributionArn=arns["MetricAttribution"])
    assert [m["metricName"] for m in after["metrics"]] == ["COUNT_BUY"]


def test_metrics_of_a_version_still_training_are_resource_in_use(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto="Solution")
    backend.set_lifecycle("describe")
    version = call("CreateSolutionVersion", solutionArn=arns["Solution"])["solutionVersionArn"]

    assert call.error("GetSolutionMetrics", solutionVersionArn=version).code == "ResourceInUseException"


def test_what_no_operation_deletes_goes_with_its_owner(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto="SolutionVersion")

    call("DeleteSolution", solutionArn=arns["Solution"])

    assert call("ListSolutionVersions")["solutionVersions"] == []
    assert call.error("DescribeSolutionVersion", solutionVersionArn=arns["SolutionVersion"]).code == (
        "ResourceNotFoundException"
    )


def test_a_call_does_not_visit_pending_resources_outside_the_clock_mode(
    backend: Backend, call: Checked, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_personalize.emulator.lifecycle import Progress

    backend.dataset_group_quota = 500
    arns = [call("CreateDatasetGroup", name=f"g{i}")["datasetGroupArn"] for i in range(300)]
    visited: list[object] = []
    original = Progress.settle
    monkeypatch.setattr(Progress, "settle", lambda self, *args: visited.append(self) or original(self, *args))

    call("DescribeDatasetGroup", datasetGroupArn=arns[0])

    assert visited == []


def test_an_update_to_another_parent_moves_what_blocks_deletion(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto="Campaign")
    other = call("CreateSolution", name="other", datasetGroupArn=arns["DatasetGroup"], recipeArn=USER_PERSONALIZATION)
    version = call("CreateSolutionVersion", solutionArn=other["solutionArn"])["solutionVersionArn"]

    call("UpdateCampaign", campaignArn=arns["Campaign"], solutionVersionArn=version)

    assert call("DeleteSolution", solutionArn=arns["Solution"]) == {}
    assert call.error("DeleteSolution", solutionArn=other["solutionArn"]).code == "ResourceInUseException"
    assert call("ListCampaigns", solutionArn=other["solutionArn"])["campaigns"][0]["campaignArn"] == arns["Campaign"]


def test_every_emulated_operation_answers_conformantly_in_one_run(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call)
    updates: dict[str, dict[str, Any]] = {
        "Dataset": {"schemaArn": arns["Schema"]},
        "Campaign": {"minProvisionedTPS": 2},
        "Recommender": {"recommenderConfig": {"minRecommendationRequestsPerSecond": 2}},
        "Solution": {"performAutoTraining": False},
        "MetricAttribution": {"metricsOutputConfig": {"roleArn": ROLE}},
    }
    for noun, changes in updates.items():
        kind = _resources.for_noun(noun)
        assert kind is not None
        if f"Update{noun}" not in routes():
            continue  # UpdateSolution came after botocore 1.34
        call(f"Update{noun}", **{kind.arn_member: arns[noun]}, **changes)
        described = call(f"Describe{noun}", **{kind.arn_member: arns[noun]})
        assert described[noun[0].lower() + noun[1:]]["status"] == "ACTIVE"
    call("StopRecommender", recommenderArn=arns["Recommender"])
    call("StartRecommender", recommenderArn=arns["Recommender"])
    version = call("CreateSolutionVersion", solutionArn=arns["Solution"])["solutionVersionArn"]
    backend.set_lifecycle("describe")
    pending = call("CreateSolutionVersion", solutionArn=arns["Solution"])["solutionVersionArn"]
    call("StopSolutionVersionCreation", solutionVersionArn=pending)
    call("GetSolutionMetrics", solutionVersionArn=version)
    call("ListMetricAttributionMetrics", metricAttributionArn=arns["MetricAttribution"])
    recipe = call("DescribeRecipe", recipeArn=USER_PERSONALIZATION)["recipe"]
    call("DescribeAlgorithm", algorithmArn=recipe["algorithmArn"])
    call("DescribeFeatureTransformation", featureTransformationArn=recipe["featureTransformationArn"])
    call("ListRecipes", maxResults=3)
    call("TagResource", resourceArn=arns["Filter"], tags=[{"tagKey": "a", "tagValue": "b"}])
    call("UntagResource", resourceArn=arns["Filter"], tagKeys=["a"])
    call("ListTagsForResource", resourceArn=arns["Filter"])
    for noun in ORDER:
        kind = _resources.for_noun(noun)
        assert kind is not None
        call(f"Describe{noun}", **{kind.arn_member: arns[noun]})
        call(f"List{noun}s")
    backend.set_lifecycle("instant")
    for noun in reversed(ORDER):
        kind = _resources.for_noun(noun)
        assert kind is not None
        if f"Delete{noun}" in routes():
            call(f"Delete{noun}", **{kind.arn_member: arns[noun]})

    answered = {c.operation for c in backend.calls if c.error is None}
    assert answered == set(routes())


def test_a_dataset_update_goes_through_update_pending_and_checks_the_new_schema(
    backend: Backend, call: Checked
) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto="Dataset")
    wider = call("CreateSchema", name="wider", schema=avro("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"))
    narrow = call("CreateSchema", name="narrow", schema=avro("USER_ID"))
    backend.set_lifecycle("describe")

    error = call.error("UpdateDataset", datasetArn=arns["Dataset"], schemaArn=narrow["schemaArn"])
    unchanged = call("DescribeDataset", datasetArn=arns["Dataset"])["dataset"]
    assert (unchanged["schemaArn"], unchanged["status"]) == (arns["Schema"], "ACTIVE")
    call("UpdateDataset", datasetArn=arns["Dataset"], schemaArn=wider["schemaArn"])
    first, second = (call("DescribeDataset", datasetArn=arns["Dataset"])["dataset"] for _ in range(2))

    assert error.code == "InvalidInputException" and "ITEM_ID" in error.message
    assert (first["status"], second["status"]) == ("UPDATE PENDING", "ACTIVE")
    assert second["schemaArn"] == wider["schemaArn"]
    assert second["latestDatasetUpdate"]["schemaArn"] == wider["schemaArn"]


def test_switching_to_instant_finishes_what_was_pending_when_seen(backend: Backend, call: Checked) -> None:
    group = call("CreateDatasetGroup", name="shop")["datasetGroupArn"]

    backend.set_lifecycle("instant")

    assert call.status("DatasetGroup", group) == "ACTIVE"


def test_the_clock_takes_a_solutions_versions_along_when_it_is_deleted(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")
    arns = build(call, upto="SolutionVersion")
    clock = backend.use_manual_clock(seconds_per_stage=10)
    call("CreateSolutionVersion", solutionArn=arns["Solution"])
    call("DeleteSolution", solutionArn=arns["Solution"])

    clock.advance(seconds=60)

    assert call("ListSolutionVersions")["solutionVersions"] == []
    assert backend.resources("Solution") == []


def test_a_listed_dataset_group_leaves_out_what_only_describe_shows(backend: Backend, call: Checked) -> None:
    backend.set_lifecycle("instant")  # a Describe would otherwise move the group on before the List
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    arn = call("CreateDatasetGroup", name="secure", roleArn=ROLE, kmsKeyArn=key, domain="ECOMMERCE")["datasetGroupArn"]
    described = call("DescribeDatasetGroup", datasetGroupArn=arn)["datasetGroup"]
    assert (described["roleArn"], described["kmsKeyArn"]) == (ROLE, key)

    # Checked through the engine, not a client: botocore's parser would drop a member the shape lacks.
    (listed,) = call("ListDatasetGroups")["datasetGroups"]

    summary_members = set(_spec.named_shape("DatasetGroupSummary").members)
    assert "roleArn" not in summary_members and "kmsKeyArn" not in summary_members
    assert set(listed) <= summary_members
    assert listed == {key: value for key, value in described.items() if key in summary_members}
    assert listed["domain"] == "ECOMMERCE"
