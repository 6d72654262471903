"""The path from data to a recommendation, as a downstream project walks it under ``personalize_fake``.

Each group of tests is written by pytester the way a project would write it, with moto's S3 where
the data matters: training needs data, automatic training, the first import is FULL, campaigns on
``$LATEST``, and the statuses and members of solution versions and jobs. docs/fidelity.md gives
each rule's source.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

HEADER = """
import json

import boto3
import pytest
from moto import mock_aws

SCHEMA = json.dumps({"type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
                     "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
                                {"name": "TIMESTAMP", "type": "long"}, {"name": "EVENT_TYPE", "type": "string"}],
                     "version": "1.0"})
RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"
ROLE = "arn:aws:iam::123456789012:role/PersonalizeS3Access"


@pytest.fixture
def client(personalize_fake):
    personalize_fake.set_lifecycle("instant")
    return boto3.client("personalize", region_name="us-east-1")


@pytest.fixture
def s3():
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="data")
        yield s3


def upload(s3, key, users, per_user, event_type="click"):
    rows = "".join(f"u{u},i{n},{1700000000 + n},{event_type}\\n" for u in range(users) for n in range(per_user))
    s3.put_object(Bucket="data", Key=key, Body=("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\\n" + rows).encode())
    return f"s3://data/{key}"


@pytest.fixture
def group(client):
    return client.create_dataset_group(name="shop")["datasetGroupArn"]


@pytest.fixture
def dataset(client, group):
    schema = client.create_schema(name="interactions", schema=SCHEMA)["schemaArn"]
    return client.create_dataset(name="events", schemaArn=schema, datasetGroupArn=group,
                                 datasetType="Interactions")["datasetArn"]


def load(client, dataset, location, name="load", mode="FULL"):
    return client.create_dataset_import_job(jobName=name, datasetArn=dataset, roleArn=ROLE, importMode=mode,
                                            dataSource={"dataLocation": location})["datasetImportJobArn"]


def solution(client, group, name="s", **extra):
    return client.create_solution(name=name, datasetGroupArn=group, recipeArn=RECIPE, **extra)["solutionArn"]


def train(client, group, **extra):
    arn = client.create_solution_version(solutionArn=solution(client, group, **extra))["solutionVersionArn"]
    return client.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
"""

TRAINING_NEEDS_DATA = """
def test_a_group_without_data_fails_to_train(client, group):
    version = train(client, group)
    assert version["status"] == "CREATE FAILED"
    assert version["failureReason"] == "Create failed. Dataset has fewer than 1000 interactions."


def test_999_interactions_are_too_few(client, group, dataset, s3):
    load(client, dataset, upload(s3, "few.csv", users=37, per_user=27))  # 999 rows
    assert "fewer than 1000 interactions" in train(client, group)["failureReason"]


def test_the_count_is_after_filtering_by_the_solutions_event_type(client, group, dataset, s3):
    load(client, dataset, upload(s3, "views.csv", users=40, per_user=30, event_type="view"))
    version = train(client, group, eventType="click")
    assert version["failureReason"] == "Dataset has fewer than 1000 interactions after filtering by event type: click"


def test_25_users_need_two_interactions_each(client, group, dataset, s3):
    load(client, dataset, upload(s3, "narrow.csv", users=20, per_user=50))
    version = train(client, group)
    assert version["failureReason"] == "Create failed. Dataset has fewer than 25 users with at least 2 interactions each."


def test_enough_imported_data_trains(client, group, dataset, s3):
    load(client, dataset, upload(s3, "enough.csv", users=25, per_user=40))
    version = train(client, group)
    assert version["status"] == "ACTIVE" and "failureReason" not in version


def test_a_full_import_replaces_the_bulk_data_before_it(client, group, dataset, s3):
    load(client, dataset, upload(s3, "enough.csv", users=25, per_user=40))
    load(client, dataset, upload(s3, "few.csv", users=5, per_user=5), name="replace")
    assert train(client, group)["status"] == "CREATE FAILED"


def test_events_streamed_through_a_tracker_count_without_any_import(client, group, dataset):
    tracking = client.create_event_tracker(name="t", datasetGroupArn=group)["trackingId"]
    events = boto3.client("personalize-events", region_name="us-east-1")
    for user in range(25):
        for batch in range(4):
            events.put_events(trackingId=tracking, userId=f"u{user}", sessionId=f"s{user}", eventList=[
                {"eventType": "click", "itemId": f"i{n}", "sentAt": 1700000000 + n} for n in range(10)])
    assert train(client, group)["status"] == "ACTIVE"


def test_an_import_whose_rows_cant_be_counted_is_assumed_enough(client, group, dataset):
    load(client, dataset, "s3://elsewhere/interactions.csv")  # no emulated S3: nothing to count
    assert train(client, group)["status"] == "ACTIVE"


def test_a_recommender_needs_data_too(client):
    domain = client.create_dataset_group(name="ecomm", domain="ECOMMERCE")["datasetGroupArn"]
    arn = client.create_recommender(name="r", datasetGroupArn=domain,
                                    recipeArn="arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you")
    recommender = client.describe_recommender(recommenderArn=arn["recommenderArn"])["recommender"]
    assert recommender["status"] == "CREATE FAILED"


def test_the_tests_own_set_up_needs_no_data(personalize_fake, client):
    arn = personalize_fake.deploy_campaign("shop-recs")
    assert client.describe_campaign(campaignArn=arn)["campaign"]["status"] == "ACTIVE"
"""

AUTOMATIC_TRAINING = """
@pytest.fixture
def clock(personalize_fake, client, group, dataset):
    clock = personalize_fake.use_manual_clock()
    personalize_fake.set_lifecycle("instant")
    load(client, dataset, "s3://elsewhere/interactions.csv")
    return clock


def versions(client, solution_arn):
    return client.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]


def test_auto_training_is_on_by_default_and_described(client, group):
    described = client.describe_solution(solutionArn=solution(client, group))["solution"]
    assert described["performAutoTraining"] is True


def test_an_automatic_version_appears_an_hour_after_the_solution_is_active(personalize_fake, client, group, clock):
    arn = solution(client, group)
    personalize_fake.set_lifecycle("clock")
    clock.advance(minutes=59)
    assert versions(client, arn) == []
    clock.advance(minutes=1)
    (made,) = versions(client, arn)
    assert made["trainingType"] == "AUTOMATIC"
    described = client.describe_solution_version(solutionVersionArn=made["solutionVersionArn"])["solutionVersion"]
    assert described["trainingType"] == "AUTOMATIC"


def test_later_ones_come_every_seven_days_only_when_new_data_arrived(personalize_fake, client, group, dataset, clock):
    arn = solution(client, group)
    personalize_fake.set_lifecycle("clock")
    clock.advance(hours=1, days=7)
    assert len(versions(client, arn)) == 1  # no new data since the first
    personalize_fake.set_lifecycle("instant")
    load(client, dataset, "s3://elsewhere/more.csv", name="more", mode="INCREMENTAL")
    personalize_fake.set_lifecycle("clock")
    clock.advance(days=7)
    assert len(versions(client, arn)) == 2


def test_a_manual_version_in_the_first_hour_skips_the_first_automatic_one(personalize_fake, client, group, clock):
    arn = solution(client, group)
    client.create_solution_version(solutionArn=arn)
    personalize_fake.set_lifecycle("clock")
    clock.advance(hours=2)
    assert [v["trainingType"] for v in versions(client, arn)] == ["MANUAL"]


def test_turned_off_no_version_ever_appears(personalize_fake, client, group, clock):
    arn = solution(client, group, performAutoTraining=False)
    personalize_fake.set_lifecycle("clock")
    clock.advance(days=30)
    assert versions(client, arn) == []


def test_the_schedule_is_one_to_thirty_days(personalize_fake, client, group, dataset, clock):
    config = {"autoTrainingConfig": {"schedulingExpression": "rate(31 days)"}}
    with pytest.raises(client.exceptions.InvalidInputException, match="1 to 30 days"):
        solution(client, group, solutionConfig=config)
    arn = solution(client, group, name="daily",
                   solutionConfig={"autoTrainingConfig": {"schedulingExpression": "rate(1 day)"}})
    personalize_fake.set_lifecycle("clock")
    clock.advance(hours=1)
    assert len(versions(client, arn)) == 1
    clock.advance(minutes=1)  # new data, after that training
    personalize_fake.set_lifecycle("instant")
    load(client, dataset, "s3://elsewhere/more.csv", name="more", mode="INCREMENTAL")
    personalize_fake.set_lifecycle("clock")
    clock.advance(days=1)
    assert len(versions(client, arn)) == 2
"""

FIRST_IMPORT_FULL = """
def test_the_first_import_of_a_dataset_must_be_full(client, dataset, s3):
    location = upload(s3, "data.csv", users=25, per_user=40)
    with pytest.raises(client.exceptions.InvalidInputException, match="importMode FULL"):
        load(client, dataset, location, mode="INCREMENTAL")
    load(client, dataset, location)
    load(client, dataset, location, name="more", mode="INCREMENTAL")  # bulk data exists now
"""

CAMPAIGNS = """
@pytest.fixture
def trained(client, group, dataset):
    load(client, dataset, "s3://elsewhere/interactions.csv")
    arn = solution(client, group)
    client.create_solution_version(solutionArn=arn)
    return arn


def test_a_campaign_can_follow_latest(client, trained):
    made = client.create_campaign(name="c", solutionVersionArn=f"{trained}/$LATEST",
                                  campaignConfig={"syncWithLatestSolutionVersion": True})
    campaign = client.describe_campaign(campaignArn=made["campaignArn"])["campaign"]
    assert campaign["status"] == "ACTIVE"
    assert campaign["campaignConfig"]["syncWithLatestSolutionVersion"] is True


def test_syncing_needs_the_latest_form(client, trained):
    version = client.list_solution_versions(solutionArn=trained)["solutionVersions"][0]["solutionVersionArn"]
    with pytest.raises(client.exceptions.InvalidInputException, match="LATEST"):
        client.create_campaign(name="c", solutionVersionArn=version,
                               campaignConfig={"syncWithLatestSolutionVersion": True})


def test_a_failed_campaign_can_be_updated(personalize_fake, client, trained):
    personalize_fake.fail_creation("Not enough capacity", kind="Campaign")
    arn = client.create_campaign(name="c", solutionVersionArn=f"{trained}/$LATEST")["campaignArn"]
    assert client.describe_campaign(campaignArn=arn)["campaign"]["status"] == "CREATE FAILED"
    client.update_campaign(campaignArn=arn, minProvisionedTPS=2)
    campaign = client.describe_campaign(campaignArn=arn)["campaign"]
    assert campaign["status"] == "ACTIVE" and campaign["minProvisionedTPS"] == 2
"""

STATUSES_AND_MEMBERS = """
@pytest.fixture
def solution_arn(client, group, dataset):
    load(client, dataset, "s3://elsewhere/interactions.csv")
    return solution(client, group)


def status(client, arn):
    return client.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]["status"]


def test_stopped_while_pending_it_goes_straight_to_stopped(personalize_fake, client, solution_arn):
    personalize_fake.set_lifecycle("describe", in_progress=True)
    arn = client.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    client.stop_solution_version_creation(solutionVersionArn=arn)
    assert [status(client, arn) for _ in range(2)] == ["CREATE STOPPED", "CREATE STOPPED"]


def test_stopped_in_progress_it_passes_through_stopping(personalize_fake, client, solution_arn):
    personalize_fake.set_lifecycle("describe", in_progress=True)
    arn = client.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    assert status(client, arn) == "CREATE PENDING"
    client.stop_solution_version_creation(solutionVersionArn=arn)
    assert [status(client, arn) for _ in range(2)] == ["CREATE STOPPING", "CREATE STOPPED"]


def test_training_hours_appear_only_after_a_successful_training(personalize_fake, client, group, solution_arn):
    personalize_fake.set_lifecycle("describe")
    arn = client.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    pending = client.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
    active = client.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
    assert "trainingHours" not in pending and active["status"] == "ACTIVE" and "trainingHours" in active
    personalize_fake.set_lifecycle("instant")
    other = client.create_dataset_group(name="empty")["datasetGroupArn"]
    failed = train(client, other, name="other")
    assert failed["status"] == "CREATE FAILED" and "trainingHours" not in failed


def test_an_import_job_reports_the_role_it_was_given(client, dataset):
    job = load(client, dataset, "s3://elsewhere/interactions.csv")
    assert client.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]["roleArn"] == ROLE


def test_updated_metrics_are_listed_not_described(client, group):
    made = client.create_metric_attribution(
        name="m", datasetGroupArn=group, metricsOutputConfig={"roleArn": ROLE},
        metrics=[{"eventType": "click", "metricName": "COUNT_CLICK", "expression": "SAMPLECOUNT()"}])
    arn = made["metricAttributionArn"]
    client.update_metric_attribution(metricAttributionArn=arn, addMetrics=[
        {"eventType": "buy", "metricName": "COUNT_BUY", "expression": "SAMPLECOUNT()"}])
    listed = client.list_metric_attribution_metrics(metricAttributionArn=arn)["metrics"]
    assert [m["metricName"] for m in listed] == ["COUNT_CLICK", "COUNT_BUY"]
    assert "metrics" not in client.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"]
"""


@pytest.fixture(scope="module", autouse=True)
def _moto_loaded() -> None:
    """moto's S3, imported once here rather than again by each in-process pytester run."""
    pytest.importorskip("moto")
    import moto.s3.models  # noqa: F401


@pytest.mark.parametrize(
    "tests",
    [TRAINING_NEEDS_DATA, AUTOMATIC_TRAINING, FIRST_IMPORT_FULL, CAMPAIGNS, STATUSES_AND_MEMBERS],
    ids=["training-needs-data", "automatic-training", "first-import-full", "campaigns", "statuses-and-members"],
)
def test_the_path_from_data_to_a_recommendation(pytester: pytest.Pytester, tests: str) -> None:
    pytester.makepyfile(test_path=HEADER + tests)

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(passed=tests.count("\ndef test_"))
