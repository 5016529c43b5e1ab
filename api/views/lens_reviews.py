"""Lens reviews of a workload and, inside each, its questions and answers.

A workload is reviewed through one or more lens reviews (``reviews.models.LensReview``):
add one (``lens_review_add``), remove one (``lens_review_remove``: answers, history and
milestones stay), upgrade one to its lens's newest published version (``lens_review_upgrade``,
answering with the same carry-over report as the page; ``GET upgrade/`` previews it).

Answers carry their ``version`` as a strong ETag (``"3"``; ``"0"`` before the first answer).
``PUT .../answer/`` needs ``If-Match`` (none: 428); a stale version is a 412 carrying the answer
as it is now, with its ETag. The write is ``answer_save``, the page's service, with the same
checks and the same queries.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.preconditions import etag, if_match_version
from api.problems import django_validation_errors, problem, validation_problem
from api.serializers import (
    AnswerSerializer,
    AnswerWriteSerializer,
    LensReviewCreateSerializer,
    LensReviewSerializer,
    QuestionSerializer,
    RiskSummarySerializer,
    UpgradePlanSerializer,
)
from questions.models import Choice, LensVersion, Question
from reviews import access, loader, selectors
from reviews.models import Answer, LensReview, Workload
from reviews.services.answers import AnswerConflict, answer_save, save_read_join
from reviews.services.lens_reviews import (
    lens_review_add,
    lens_review_remove,
    lens_review_upgrade,
    newer_version,
    upgrade_plan,
)
from reviews.vocab import Risk

# Which request field a service error is about, by its code.
_ERROR_FIELDS = {
    "unknown_practice": "selected",
    "none_and_practice": "selected",
    "none_and_not_applicable": "choices_not_applicable",
    "reason_required": "reason",
    "notes_too_long": "notes",
    "practice_reason_required": "choices_not_applicable",
    "practice_note_too_long": "choices_not_applicable",
}

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag from the last GET of this answer, e.g. "3" ("0" before the first '
    "answer).",
)


def _field_errors(error: ValidationError, fields: dict[str, str]) -> list[dict[str, str]]:
    if hasattr(error, "error_dict"):
        return django_validation_errors(error)
    out = []
    for item in error.error_list:
        field = fields.get(item.code or "")
        pointer = f"#/{field}" if field else "#"
        out += [{"pointer": pointer, "detail": message} for message in item.messages]
    return out


def _answer_response(answer: Answer) -> Response:
    response = Response(AnswerSerializer(answer).data)
    response["ETag"] = etag(answer.version)
    return response


class _LensReviewScoped(viewsets.GenericViewSet):
    """Fetches the workload through the access module, then its active lens review."""

    lookup_value_converter = "int"
    lens_review_kwarg = "lens_review_id"

    def get_queryset(self):
        return LensReview.objects.none()  # every action goes through the workload first

    def _workload(self, action: str) -> Workload:
        return access.get_workload_or_404(self.request.user, self.kwargs["workload_id"], action)

    def _lens_review(self, workload: Workload) -> LensReview:
        review = (
            LensReview.objects.active()
            .filter(workload=workload, pk=self.kwargs[self.lens_review_kwarg])
            .select_related("lens_version__lens")
            .first()
        )
        if review is None:
            raise Http404("No such lens on this workload.")
        return review


class LensReviewViewSet(_LensReviewScoped):
    serializer_class = LensReviewSerializer
    lens_review_kwarg = "pk"

    def list(self, request, workload_id: int):
        workload = self._workload(access.VIEW)
        page = self.paginate_queryset(selectors.active_lens_reviews(workload))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, workload_id: int, pk: int):
        review = self._lens_review(self._workload(access.VIEW))
        return Response(self.get_serializer(review).data)

    @extend_schema(request=LensReviewCreateSerializer, responses={201: LensReviewSerializer})
    def create(self, request, workload_id: int):
        workload = self._workload(access.EDIT)
        values = LensReviewCreateSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        version = (
            LensVersion.objects.filter(
                pk=values.validated_data["lens_version"], status=LensVersion.Status.PUBLISHED
            )
            .select_related("lens")
            .first()
        )
        if version is None:
            raise serializers.ValidationError(
                {"lens_version": ["Choose a published lens version."]}
            )
        try:
            review = lens_review_add(
                workload=workload, lens_version=version, user=request.user, request=request
            )
        except ValidationError as error:
            raise serializers.ValidationError({"lens_version": error.messages}) from None
        return Response(self.get_serializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(description="The lens cannot be removed (the last one)."),
        }
    )
    def destroy(self, request, workload_id: int, pk: int):
        review = self._lens_review(self._workload(access.EDIT))
        try:
            lens_review_remove(lens_review=review, user=request.user, request=request)
        except ValidationError as error:
            return problem(409, " ".join(error.messages))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        responses={
            200: UpgradePlanSerializer,
            409: OpenApiResponse(description="Already the newest version."),
        },
        description="What an upgrade to the lens's newest published version would carry over, "
        "drop and add (nothing changes). 409 when the lens is already on its newest version.",
    )
    @extend_schema(
        methods=["POST"],
        request=None,
        responses={
            200: UpgradePlanSerializer,
            409: OpenApiResponse(description="Already the newest version, or changed meanwhile."),
        },
        description="Upgrade to the lens's newest published version, carrying answers over by "
        "ids; answers with the same report as the page. 409 when there is nothing newer.",
    )
    @action(detail=True, methods=["get", "post"])
    def upgrade(self, request, workload_id: int, pk: int):
        action_needed = access.VIEW if request.method == "GET" else access.EDIT
        review = self._lens_review(self._workload(action_needed))
        to_version = newer_version(review.lens_version)
        if to_version is None:
            return problem(409, "This lens already uses its newest published version.")
        try:
            if request.method == "GET":
                plan = upgrade_plan(lens_review=review, to_version=to_version)
            else:
                plan = lens_review_upgrade(
                    lens_review=review, to_version=to_version, user=request.user, request=request
                )
        except ValidationError as error:
            return problem(409, " ".join(error.messages))
        return Response(UpgradePlanSerializer(plan).data)

    @extend_schema(
        responses={200: RiskSummarySerializer},
        description="This lens's risks now: counts and score, per pillar and per question, "
        "and its improvement plan.",
    )
    @action(detail=True, methods=["get"])
    def risks(self, request, workload_id: int, pk: int):
        review = self._lens_review(self._workload(access.VIEW))
        return Response(RiskSummarySerializer(loader.result_for_lens_review(review)).data)


def _questions(review: LensReview):
    return (
        Question.objects.filter(pillar__version_id=review.lens_version_id)
        .select_related("pillar")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order", "pk")))
        .order_by("pillar__order", "order", "pk")
    )


def _with_risks(review: LensReview, questions) -> list[Question]:
    result = loader.result_for_lens_review(review)
    risks = {(q.pillar_ref, q.ref): q.risk for q in result.questions}
    for question in questions:
        question.risk = risks.get((question.pillar.ref, question.ref), Risk.UNANSWERED)
    return questions


class QuestionViewSet(_LensReviewScoped):
    serializer_class = QuestionSerializer

    def _located(self, action: str) -> tuple[Workload, Question]:
        """The workload (access-checked) and the question if it is in the lens version of this
        active lens review of the workload, in one query, the question with its choices and
        rules from the bank cache: as the page fetches them, so an API save costs the same."""
        workload = access.get_workload_for_question_or_404(
            self.request.user,
            self.kwargs["workload_id"],
            self.kwargs["pk"],
            action,
            # What the save reads, with the access check (as the page does).
            extra=save_read_join(self.kwargs["pk"]) if action == access.EDIT else None,
        )
        question = None
        if workload.question_lens_review_id == self.kwargs["lens_review_id"]:
            question = selectors.question_located(workload, self.kwargs["pk"])
        if question is None:
            raise Http404("No such question in this lens review of the workload.")
        return workload, question

    def list(self, request, workload_id: int, lens_review_id: int):
        review = self._lens_review(self._workload(access.VIEW))
        page = self.paginate_queryset(_questions(review))
        return self.get_paginated_response(
            self.get_serializer(_with_risks(review, page), many=True).data
        )

    def retrieve(self, request, workload_id: int, lens_review_id: int, pk: int):
        workload, question = self._located(access.VIEW)
        review = self._lens_review(workload)
        question = _with_risks(review, [question])[0]
        return Response(self.get_serializer(question).data)

    @extend_schema(
        methods=["GET"],
        responses={200: AnswerSerializer},
        description="The answer, with its version as the ETag (version 0: not answered yet).",
    )
    @extend_schema(
        methods=["PUT"],
        request=AnswerWriteSerializer,
        parameters=[IF_MATCH],
        responses={
            200: AnswerSerializer,
            412: OpenApiResponse(
                description="Stale If-Match: someone saved since. The problem's `current` "
                "is the answer as it is now, its ETag in the header."
            ),
            428: OpenApiResponse(description="If-Match is missing."),
        },
        description="Replace the answer. Send the ETag you read in If-Match.",
    )
    @action(detail=True, methods=["get", "put"])
    def answer(self, request, workload_id: int, lens_review_id: int, pk: int):
        if request.method == "GET":
            workload, question = self._located(access.VIEW)
            answer = Answer.objects.filter(lens_review_id=lens_review_id, question=question).first()
            return _answer_response(
                answer or Answer(lens_review_id=lens_review_id, question=question)
            )
        workload, question = self._located(access.EDIT)
        values = AnswerWriteSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        header = request.headers.get("If-Match")
        if header is None:
            return problem(
                428,
                'Send If-Match with the ETag of the answer you read (GET it first; "0" before '
                "the first answer).",
            )
        expected = if_match_version(header)
        try:
            saved = answer_save(
                workload=workload,
                question=question,
                data=values.validated_data,
                expected_version=expected if expected is not None else -1,
                user=request.user,
                preread=getattr(workload, "located_extra", None),
            )
        except ValidationError as error:
            return validation_problem(_field_errors(error, _ERROR_FIELDS))
        except AnswerConflict as conflict:
            current = conflict.current or Answer(lens_review_id=lens_review_id, question=question)
            response = problem(
                412,
                "The answer changed since the version in If-Match. `current` is the answer as "
                "it is now; apply your change to it and send its ETag.",
                current=AnswerSerializer(current).data,
            )
            response["ETag"] = etag(current.version)
            return response
        return _answer_response(saved.answer)
