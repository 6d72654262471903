"""What the service model doesn't say about each Personalize resource type: one table.

The model gives shapes and constraints; it leaves ``status`` a free string, accepts any ARN-shaped
string for any ARN, and names no parents. The API reference's data-type pages and real traffic
say more, and that is written down here, once, for the templates, the response rules and the fake:

- the ARN form (``dataset/<group name>/<DATASET TYPE>``, ``solution/<solution name>/<id>``,
  ``arn:aws:personalize:::recipe/<name>`` for what AWS owns), which :mod:`.arns` makes and reads;
- the statuses a resource reports (the data-type pages' "can be in one of the following states",
  plus the values real traffic shows where the page gives none);
- the structures of the model that describe it, and the members naming its parents;
- what the emulator needs besides: the resources whose existence blocks a deletion, the one
  resource of a kind a parent may hold, the members Describe reports that no request gives,
  the fields a dataset's schema must have, and the documented quotas.

Sources: the Amazon Personalize API reference (Data Types,
https://docs.aws.amazon.com/personalize/latest/dg/API_Types.html), the developer guide's
"Endpoints and quotas" (https://docs.aws.amazon.com/personalize/latest/dg/limits.html), and
public notebooks' outputs in aws-samples/amazon-personalize-samples.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

# A resource's life, as the data-type pages write it. Jobs and updates have no DELETE stages.
_CREATE = ("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE", "CREATE FAILED")
_DELETE = ("DELETE PENDING", "DELETE IN_PROGRESS")
_UPDATE = ("UPDATE PENDING", "UPDATE IN_PROGRESS", "UPDATE FAILED")


@dataclass(frozen=True)
class ResourceType:
    """One kind of Personalize resource, as far as the model can't describe it.

    ``tail`` says how the ARN ends after ``<arn type>/``: ``"name"`` (the name the request gave),
    ``"group/type"`` (a dataset: its group's name and its upper-case type), ``"parent/id"`` (a
    solution version: its solution's name and a generated id) or ``"id"`` (an event tracker).
    """

    noun: str
    arn_type: str
    statuses: tuple[str, ...]
    shapes: tuple[str, ...]
    name_member: str = "name"
    parent_members: tuple[str, ...] = ()
    tail: str = "name"
    aws_owned: bool = False
    # The status a template reports: the resource is ready to use.
    settled: str = "ACTIVE"
    # Nouns of the resources that name this one (directly or through their parents) and so
    # keep it from being deleted: the API reference's Delete<X> pages ("you can't delete a
    # dataset group that has ...").
    deletion_blocked_by: tuple[str, ...] = ()
    # The parent member of which a parent holds only one resource of this kind.
    one_per_parent: str | None = None
    # The status a Stop<X> ends in (StartX goes back to ``settled``).
    stopped: str | None = None
    # Members Describe reports that the request doesn't give: their value when nothing else decides.
    describe_defaults: tuple[tuple[str, Any], ...] = ()
    # Members the service makes up at creation (an event tracker's trackingId and accountId).
    generated: tuple[str, ...] = ()
    # Members Describe reports only once the resource is ``settled`` (a version's trainingHours).
    settled_only: tuple[str, ...] = ()
    # The statuses an Update<X> is taken in, when the type's Update page allows more than ``settled``.
    updatable_from: tuple[str, ...] = ()

    @functools.cached_property
    def arn_member(self) -> str:
        """``datasetGroupArn`` for DatasetGroup: the member naming a resource of this type."""
        return self.noun[0].lower() + self.noun[1:] + "Arn"

    @property
    def failed_statuses(self) -> frozenset[str]:
        return frozenset(status for status in self.statuses if "FAILED" in status)


RESOURCE_TYPES: tuple[ResourceType, ...] = (
    ResourceType(
        "Schema",
        "schema",
        (),
        ("DatasetSchema", "DatasetSchemaSummary"),
        settled="",
        deletion_blocked_by=("Dataset",),
    ),
    ResourceType(
        "DatasetGroup",
        "dataset-group",
        (*_CREATE, "DELETE PENDING"),
        ("DatasetGroup", "DatasetGroupSummary"),
        deletion_blocked_by=("Dataset", "Solution", "EventTracker", "Filter", "Recommender", "MetricAttribution"),
    ),
    ResourceType(
        "Dataset",
        "dataset",
        (*_CREATE, *_DELETE, *_UPDATE),
        ("Dataset", "DatasetSummary"),
        parent_members=("datasetGroupArn", "schemaArn"),
        tail="group/type",
    ),
    ResourceType("DatasetUpdate", "", (*_CREATE, *_UPDATE), ("DatasetUpdateSummary",)),
    ResourceType(
        "DatasetImportJob",
        "dataset-import-job",
        _CREATE,
        ("DatasetImportJob", "DatasetImportJobSummary"),
        name_member="jobName",
        parent_members=("datasetArn",),
        describe_defaults=(("importMode", "FULL"),),
    ),
    ResourceType(
        "DatasetExportJob",
        "dataset-export-job",
        _CREATE,
        ("DatasetExportJob", "DatasetExportJobSummary"),
        name_member="jobName",
        parent_members=("datasetArn",),
    ),
    ResourceType(
        "Solution",
        "solution",
        (*_CREATE, *_DELETE),
        ("Solution", "SolutionSummary"),
        parent_members=("datasetGroupArn",),
        deletion_blocked_by=("Campaign",),
        # performAutoTraining: "The default is True" (API_CreateSolution.html).
        describe_defaults=(("performHPO", False), ("performAutoML", False), ("performAutoTraining", True)),
    ),
    ResourceType("SolutionUpdate", "", _CREATE, ("SolutionUpdateSummary",)),
    ResourceType(
        "SolutionVersion",
        "solution",
        (*_CREATE, "CREATE STOPPING", "CREATE STOPPED"),
        ("SolutionVersion", "SolutionVersionSummary"),
        parent_members=("solutionArn",),
        tail="parent/id",
        describe_defaults=(("trainingMode", "FULL"), ("trainingType", "MANUAL"), ("trainingHours", 0.0)),
        # "This field is visible only after Amazon Personalize successfully trains a model."
        # (API_SolutionVersion.html, trainingHours)
        settled_only=("trainingHours",),
    ),
    ResourceType(
        "Campaign",
        "campaign",
        (*_CREATE, *_DELETE),
        ("Campaign", "CampaignSummary"),
        parent_members=("solutionVersionArn",),
        # CreateCampaign's documented default.
        describe_defaults=(("minProvisionedTPS", 1),),
        # "To update a campaign, the campaign status must be ACTIVE or CREATE FAILED." (API_UpdateCampaign.html)
        updatable_from=("ACTIVE", "CREATE FAILED"),
    ),
    ResourceType("CampaignUpdate", "", (*_CREATE, *_DELETE), ("CampaignUpdateSummary",)),
    ResourceType(
        "EventTracker",
        "event-tracker",
        (*_CREATE, *_DELETE),
        ("EventTracker", "EventTrackerSummary"),
        parent_members=("datasetGroupArn",),
        tail="id",
        one_per_parent="datasetGroupArn",
        generated=("trackingId", "accountId"),
    ),
    ResourceType(
        "Filter",
        "filter",
        (*_CREATE, *_DELETE),
        ("Filter", "FilterSummary"),
        parent_members=("datasetGroupArn",),
    ),
    ResourceType(
        "Recommender",
        "recommender",
        (
            *_CREATE,
            "STOP PENDING",
            "STOP IN_PROGRESS",
            "INACTIVE",
            "START PENDING",
            "START IN_PROGRESS",
            *_DELETE,
        ),
        ("Recommender", "RecommenderSummary"),
        parent_members=("datasetGroupArn",),
        stopped="INACTIVE",
    ),
    ResourceType("RecommenderUpdate", "", _CREATE, ("RecommenderUpdateSummary",)),
    ResourceType(
        "BatchInferenceJob",
        "batch-inference-job",
        # The data-type page lists PENDING, IN PROGRESS, ACTIVE, CREATE FAILED. No public traffic
        # shows a job's status, so the forms every other resource reports are accepted too.
        ("PENDING", "IN PROGRESS", *_CREATE),
        ("BatchInferenceJob", "BatchInferenceJobSummary"),
        name_member="jobName",
        parent_members=("solutionVersionArn",),
    ),
    ResourceType(
        "BatchSegmentJob",
        "batch-segment-job",
        ("PENDING", "IN PROGRESS", *_CREATE),
        ("BatchSegmentJob", "BatchSegmentJobSummary"),
        name_member="jobName",
        parent_members=("solutionVersionArn",),
    ),
    ResourceType(
        "MetricAttribution",
        "metric-attribution",
        (*_CREATE, *_DELETE),
        ("MetricAttribution", "MetricAttributionSummary"),
        parent_members=("datasetGroupArn",),
    ),
    ResourceType(
        "DataDeletionJob",
        "data-deletion-job",
        ("PENDING", "IN_PROGRESS", "COMPLETED", "FAILED"),
        ("DataDeletionJob", "DataDeletionJobSummary"),
        name_member="jobName",
        parent_members=("datasetGroupArn",),
        settled="COMPLETED",
        describe_defaults=(("numDeleted", 0),),
    ),
    ResourceType("Recipe", "recipe", ("ACTIVE",), ("Recipe", "RecipeSummary"), aws_owned=True),
    ResourceType("Algorithm", "algorithm", (), ("Algorithm",), aws_owned=True, settled=""),
    ResourceType(
        "FeatureTransformation",
        "feature-transformation",
        _CREATE,
        ("FeatureTransformation",),
        aws_owned=True,
    ),
)

# The AWS-owned resources a template names when the request names none: real ones, from the
# API reference's recipe list (the default recipe of the USER_PERSONALIZATION type).
DEFAULT_AWS_OWNED_NAMES = {
    "Recipe": "aws-user-personalization",
    "Algorithm": "aws-user-personalization",
    "FeatureTransformation": "user-personalization",
}


@dataclass(frozen=True)
class CreationStages:
    pending: str
    in_progress: str
    done: str
    failed: str


def creation_stages(kind: ResourceType) -> CreationStages:
    """The statuses a new resource of ``kind`` passes: CREATE PENDING ... ACTIVE, or PENDING ... COMPLETED."""
    if "CREATE PENDING" in kind.statuses:
        return CreationStages("CREATE PENDING", "CREATE IN_PROGRESS", kind.settled, "CREATE FAILED")
    return CreationStages("PENDING", "IN_PROGRESS", kind.settled, "FAILED")


def update_kind(kind: ResourceType) -> ResourceType | None:
    """The ``<Noun>Update`` a Describe reports as ``latest<Noun>Update`` (CampaignUpdate), if any."""
    return _by_noun().get(kind.noun + "Update")


# The fields a dataset's schema must have, by dataset type (developer guide, "Schemas": the
# required fields of each dataset type). Other types (Action_Interactions, Actions) have theirs too.
DATASET_REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "INTERACTIONS": ("USER_ID", "ITEM_ID", "TIMESTAMP"),
    "ITEMS": ("ITEM_ID",),
    "USERS": ("USER_ID",),
    "ACTIONS": ("ACTION_ID",),
    "ACTION_INTERACTIONS": ("USER_ID", "ACTION_ID", "TIMESTAMP"),
}


@dataclass(frozen=True)
class Quota:
    """A documented cap on how many resources of one kind may exist at a time.

    ``counts`` says which ones count: ``"active"`` every resource not being deleted (the
    service's "active", which a resource being created will be), ``"in flight"`` those still
    pending or in progress (a finished job no longer counts). ``per`` is None for a quota per
    account and region, else the member naming the parent each one holds (``datasetGroupArn``:
    per dataset group; a campaign counts in the group of its solution). ``source`` is the row of
    the quota table the default comes from.
    """

    limit: int
    counts: str
    source: str
    per: str | None = None

    def message(self, kind: ResourceType, limit: int) -> str:
        """The LimitExceededException's message, in the service's documented words.

        The developer guide's "Error messages" page shows them for CreateDatasetImportJob
        ("More than 5 resources with PENDING or IN_PROGRESS status.") and for CreateCampaign
        ("Cannot create a campaign. More than 5 resources in ACTIVE state. Please delete some
        and try again."); the other kinds of each family get the same words.
        """
        if self.counts == IN_FLIGHT:
            return f"More than {limit} resources with PENDING or IN_PROGRESS status."
        article = "an" if kind.noun[0] in "AEIOU" else "a"
        noun = re.sub(r"(?<!^)(?=[A-Z])", " ", kind.noun).lower()
        return f"Cannot create {article} {noun}. More than {limit} resources in ACTIVE state. Please delete some and try again."


ACTIVE = "active"
IN_FLIGHT = "in flight"

# The documented quotas the emulator counts, by noun. Source: Amazon Personalize developer
# guide, "Endpoints and quotas" (limits.html), the tables "quotas for each region" and "Each
# dataset group has the following quotas". Quotas on data (interactions, items, bytes per
# import), on request rates and on filter expressions are not counted: no request here carries
# that data. Tags per resource (50) live in common.MAX_TAGS_PER_RESOURCE.
QUOTAS: dict[str, Quota] = {
    "Schema": Quota(500, ACTIVE, "Total number of active schemas: 500 (per region)"),
    "DatasetGroup": Quota(5, ACTIVE, "Total number of active dataset groups: 5, adjustable (per region)"),
    "DatasetImportJob": Quota(
        5, IN_FLIGHT, "Total number of pending or in progress dataset import jobs: 5 (per region)"
    ),
    "BatchInferenceJob": Quota(
        5, IN_FLIGHT, "Total number of pending or in progress batch inference jobs: 5, adjustable (per region)"
    ),
    "BatchSegmentJob": Quota(5, IN_FLIGHT, "Total number of pending or in progress batch segment jobs: 5 (per region)"),
    "SolutionVersion": Quota(
        20, IN_FLIGHT, "Total number of pending or in progress solution versions: 20, adjustable (per region)"
    ),
    "Solution": Quota(
        10, ACTIVE, "Total number of active solutions: 10, adjustable (per dataset group)", per="datasetGroupArn"
    ),
    "Campaign": Quota(
        5, ACTIVE, "Total number of active campaigns: 5, adjustable (per dataset group)", per="datasetGroupArn"
    ),
    "Recommender": Quota(5, ACTIVE, "Total number of recommenders: 5 (per dataset group)", per="datasetGroupArn"),
    "Filter": Quota(10, ACTIVE, "Total number of filters: 10, adjustable (per dataset group)", per="datasetGroupArn"),
}

# The default limit of each quota, by noun.
DEFAULT_QUOTAS: dict[str, int] = {noun: quota.limit for noun, quota in QUOTAS.items()}

# The offline evaluation metrics GetSolutionMetrics reports (developer guide, "Evaluating a
# solution version with metrics").
SOLUTION_METRICS = (
    "coverage",
    "mean_reciprocal_rank_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "precision_at_5",
    "precision_at_10",
    "precision_at_25",
)


# --- the path from data to a trained model ---------------------------------------------------
#
# Each rule with its source; docs/fidelity.md lists them too.

# "Minimum number of unique item interactions required to create a solution version or
# recommender. For a custom solution, you must have this many records after any filtering by
# event type or event value before training. | 1000"
# https://docs.aws.amazon.com/personalize/latest/dg/limits.html ("Item interactions")
MIN_TRAINING_INTERACTIONS = 1000
# "Minimum number of unique users, with at least 2 interactions each, required to train a model
# (create a solution version). | 25" (same page)
MIN_TRAINING_USERS = 25
MIN_INTERACTIONS_PER_TRAINING_USER = 2
# "Minimum percentage of total users that must have at minimum 2 item interactions or more
# before you can create a domain recommender or custom solution version. | 1 percent" (same page)
MIN_TRAINING_USERS_PERCENT = 1.0

# "Automatic solution version creation starts within one hour after the solution is ACTIVE. If you
# manually create a solution version within the hour, the solution skips the first automatic
# training." (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateSolution.html)
FIRST_AUTO_TRAINING_AFTER_SECONDS = 3600
# "By default, all new solutions use automatic training to create a new solution version every 7
# days." / "Automatic training occurs only if you imported bulk or real-time interaction data since
# the last training." (https://docs.aws.amazon.com/personalize/latest/dg/solution-config-auto-training.html)
DEFAULT_AUTO_TRAINING_DAYS = 7
# "For value, specify a number between 1 and 30. For unit, specify day or days."
# (https://docs.aws.amazon.com/personalize/latest/dg/API_AutoTrainingConfig.html)
AUTO_TRAINING_DAYS = (1, 30)

# "If you specify True, you must specify the ARN of your solution for the SolutionVersionArn
# parameter. It must be in SolutionArn/$LATEST format." (CampaignConfig.syncWithLatestSolutionVersion,
# https://docs.aws.amazon.com/personalize/latest/dg/API_CampaignConfig.html)
LATEST_VERSION_SUFFIX = "/$LATEST"


@functools.cache
def _by_noun() -> dict[str, ResourceType]:
    return {kind.noun: kind for kind in RESOURCE_TYPES}


@functools.cache
def _by_shape() -> dict[str, ResourceType]:
    return {shape: kind for kind in RESOURCE_TYPES for shape in kind.shapes}


def for_shape(shape_name: str) -> ResourceType | None:
    """The resource type a structure of the model describes (``DatasetGroupSummary``: DatasetGroup)."""
    return _by_shape().get(shape_name)


def for_noun(noun: str) -> ResourceType | None:
    return _by_noun().get(noun)


@functools.lru_cache(maxsize=1024)
def for_arn_member(member: str) -> ResourceType | None:
    """The resource type a member names by ARN: ``solutionVersionArn`` is a SolutionVersion's."""
    if not member.endswith("Arn") or len(member) <= 3:
        return None
    kind = _by_noun().get(member[0].upper() + member[1:-3])
    return kind if kind is not None and kind.arn_type else None


def for_operation(operation: str) -> tuple[str, ResourceType] | None:
    """The verb and resource type of ``Create<Noun>``, ``Describe<Noun>``, ``List<Noun>s`` ..."""
    match = _OPERATION.fullmatch(operation)
    if match is None:
        return None
    verb, noun = match.groups()
    if verb == "List":
        noun = noun[:-1] if noun.endswith("s") else noun
    kind = _by_noun().get(noun)
    return (verb, kind) if kind is not None and kind.arn_type else None


_OPERATION = re.compile(r"(Create|Describe|List|Delete|Update|Start|Stop)([A-Z]\w+)")
