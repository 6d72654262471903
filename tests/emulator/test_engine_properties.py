"""Random sequences of control-plane calls: every answer conforms, every error is one the model allows."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from pytest_personalize import Backend
from pytest_personalize.emulator.backend import ServiceError
from pytest_personalize.emulator.engine import routes
from pytest_personalize.model import spec as _spec
from pytest_personalize.model.rules import arns as _arns
from pytest_personalize.model.rules import resources as _resources
from tests.emulator.test_engine import ORDER, Checked, create_params

DELETABLE = [noun for noun in ORDER if f"Delete{noun}" in routes()]


class ControlPlane(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.backend = Backend(dataset_group_quota=4)
        self.backend.set_lifecycle("instant")  # deep graphs first; switch_mode brings pending stages in
        self.call = Checked(self.backend)
        self.arns: dict[str, str] = {}
        self.errors: list[tuple[str, str]] = []

    def _try(self, operation: str, **params: Any) -> dict[str, Any] | None:
        try:
            return self.call(operation, **params)
        except ServiceError as error:
            assert error.code in _spec.modeled_errors(operation), (operation, error.code, error.message)
            self.errors.append((operation, error.code))
            return None

    @rule(noun=st.sampled_from(ORDER), suffix=st.integers(0, 2))
    def create(self, noun: str, suffix: int) -> None:
        if "DomainGroup" not in self.arns:
            made = self._try("CreateDatasetGroup", name="ecomm", domain="ECOMMERCE")
            if made is not None:
                self.arns["DomainGroup"] = made["datasetGroupArn"]
        try:
            params = create_params(noun, self.arns, str(suffix))
        except KeyError:
            return  # a parent it needs was never created
        kind = _resources.for_noun(noun)
        assert kind is not None
        made = self._try(f"Create{noun}", **params)
        if made is not None:
            self.arns[noun] = made[kind.arn_member]

    @rule(noun=st.sampled_from(ORDER))
    def describe(self, noun: str) -> None:
        kind = _resources.for_noun(noun)
        if noun in self.arns and kind is not None:
            self._try(f"Describe{noun}", **{kind.arn_member: self.arns[noun]})

    @rule(noun=st.sampled_from(ORDER), page=st.integers(1, 3))
    def list(self, noun: str, page: int) -> None:
        self._try(f"List{noun}s", maxResults=page)

    @rule(noun=st.sampled_from(DELETABLE))
    def delete(self, noun: str) -> None:
        kind = _resources.for_noun(noun)
        if noun in self.arns and kind is not None:
            self._try(f"Delete{noun}", **{kind.arn_member: self.arns[noun]})

    @rule(noun=st.sampled_from(ORDER))
    def tag(self, noun: str) -> None:
        if noun in self.arns:
            self._try("TagResource", resourceArn=self.arns[noun], tags=[{"tagKey": "k", "tagValue": "v"}])
            self._try("ListTagsForResource", resourceArn=self.arns[noun])

    @rule(verb=st.sampled_from(["StopRecommender", "StartRecommender"]))
    def switch_recommender(self, verb: str) -> None:
        if "Recommender" in self.arns:
            self._try(verb, recommenderArn=self.arns["Recommender"])

    @rule()
    def stop_training(self) -> None:
        if "SolutionVersion" in self.arns:
            self._try("StopSolutionVersionCreation", solutionVersionArn=self.arns["SolutionVersion"])
            self._try("GetSolutionMetrics", solutionVersionArn=self.arns["SolutionVersion"])

    @rule(tps=st.integers(1, 5))
    def update_campaign(self, tps: int) -> None:
        if "Campaign" in self.arns:
            self._try("UpdateCampaign", campaignArn=self.arns["Campaign"], minProvisionedTPS=tps)

    @rule(mode=st.sampled_from(["describe", "instant"]))
    def switch_mode(self, mode: str) -> None:
        self.backend.set_lifecycle(mode)

    @invariant()
    def every_resource_reports_a_status_of_its_type(self) -> None:
        for noun in ORDER:
            kind = _resources.for_noun(noun)
            assert kind is not None
            for resource in self.backend.resources(noun):
                assert not kind.statuses or resource.get("status") in kind.statuses, resource
                assert _arns.arn_pattern(kind).fullmatch(resource[kind.arn_member])


ControlPlane.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestControlPlane = ControlPlane.TestCase
