"""Questions of a workload's lens and their answers.

Answers are written with a version precondition: ``GET`` gives ``ETag: "<version>"``; ``PUT``
must send it back in ``If-Match`` (none: 428). A stale version is a 412 carrying the answer as
it is now, with its ETag, so a script can merge and retry; nothing is overwritten. The write is
``answer_save``, the page's service, with the same checks and the same queries.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.preconditions import etag, if_match_version
from api.problems import django_validation_errors, problem, validation_problem
from api.serializers import AnswerSerializer, AnswerWriteSerializer, QuestionSerializer
from questions.models import Choice, Question
from reviews import access, loader, scoring
from reviews.models import Answer, LensReview, Workload
from reviews.services.answers import AnswerConflict, answer_save

# Which request field a service error is about, by its code.
_ERROR_FIELDS = {
    "unknown_practice": "selected",
    "none_and_practice": "selected",
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


def _questions(workload: Workload):
    versions = LensReview.objects.active().filter(workload=workload).values("lens_version_id")
    return (
        Question.objects.filter(pillar__version_id__in=versions)
        .select_related("pillar")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order", "pk")))
        .order_by("pillar__version_id", "pillar__order", "order", "pk")
    )


def _with_risks(workload: Workload, questions) -> list[Question]:
    review = loader.review_for_workload(workload)
    risks = {
        (lens.lens_review.lens_version_id, q.pillar_ref, q.ref): q.risk
        for lens in review.lenses
        for q in lens.result.questions
    }
    for question in questions:
        key = (question.pillar.version_id, question.pillar.ref, question.ref)
        question.risk = risks.get(key, scoring.UNANSWERED)
    return questions


def _current(workload: Workload, question: Question) -> Answer | None:
    return Answer.objects.filter(
        lens_review__workload=workload, lens_review__removed_at__isnull=True, question=question
    ).first()


def _service_errors(error: ValidationError) -> list[dict[str, str]]:
    out = []
    for item in error.error_list if not hasattr(error, "error_dict") else [error]:
        if hasattr(item, "error_dict"):
            out += django_validation_errors(item)
            continue
        field = _ERROR_FIELDS.get(item.code or "")
        pointer = f"#/{field}" if field else "#"
        out += [{"pointer": pointer, "detail": message} for message in item.messages]
    return out


def _answer_response(answer: Answer, status: int = 200) -> Response:
    response = Response(AnswerSerializer(answer).data, status=status)
    response["ETag"] = etag(answer.version)
    return response


class QuestionViewSet(viewsets.GenericViewSet):
    serializer_class = QuestionSerializer
    lookup_value_converter = "int"

    def get_queryset(self):
        return Question.objects.none()  # every action goes through the workload first

    def _workload(self, action: str) -> Workload:
        return access.get_workload_or_404(self.request.user, self.kwargs["workload_id"], action)

    def _question(self, workload: Workload, *, saving: bool = False) -> Question:
        questions = _questions(workload)
        if saving:
            # answer_save scores the question before and after (its rules), as the page does.
            questions = questions.prefetch_related("risk_rules")
        question = questions.filter(pk=self.kwargs["pk"]).first()
        if question is None:
            raise Http404("No such question in this workload's lens version.")
        return question

    def list(self, request, workload_id: int):
        workload = self._workload(access.VIEW)
        page = self.paginate_queryset(_questions(workload))
        return self.get_paginated_response(
            self.get_serializer(_with_risks(workload, page), many=True).data
        )

    def retrieve(self, request, workload_id: int, pk: int):
        workload = self._workload(access.VIEW)
        question = _with_risks(workload, [self._question(workload)])[0]
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
    def answer(self, request, workload_id: int, pk: int):
        if request.method == "GET":
            workload = self._workload(access.VIEW)
            question = self._question(workload)
            return _answer_response(_current(workload, question) or Answer(question=question))
        workload = self._workload(access.EDIT)
        question = self._question(workload, saving=True)
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
            )
        except ValidationError as error:
            return validation_problem(_service_errors(error))
        except AnswerConflict as conflict:
            current = conflict.current or Answer(question=question)
            response = problem(
                412,
                "The answer changed since the version in If-Match. `current` is the answer as "
                "it is now; apply your change to it and send its ETag.",
                current=AnswerSerializer(current).data,
            )
            response["ETag"] = etag(current.version)
            return response
        return _answer_response(saved.answer)
