"""Who may do what with a workload: the one permission-aware way views fetch a workload.

Anything a user may not see is a 404 (we do not reveal that another team's workload exists);
something they can see but their role may not do is a 403.

| action            | architect | lead | staff (admin) |
|-------------------|-----------|------|---------------|
| VIEW (read pages, download reports) | yes | yes | yes |
| EDIT (workload fields, answers, lens upgrade) | yes | no | yes |
| MILESTONE (take milestones, request reports) | yes | yes | yes |

Consolidated reports (over many workloads of one team; ``get_consolidated_or_404``): the
team's leads and admins request, watch and download them; an architect of the team gets a 403,
anyone else a 404.

Teams (``get_team_or_404``), same 404/403 rule:

| action            | architect | lead | staff (admin) |
|-------------------|-----------|------|---------------|
| TEAM_VIEW (team page: members and roles) | yes | yes | yes |
| TEAM_MEMBERS (invite, resend, revoke, change roles, remove members) | no | yes | yes |
| TEAM_ADMIN (rename, archive, restore; create a team) | no | no | yes |

Only admins grant or take away the admin role, or change an admin's membership
(``may_manage_member``, ``may_grant``).
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseNotAllowed

from config import rawsql
from questions.models import Pillar, Question
from reviews.models import (
    Answer,
    ConsolidatedReport,
    GrantedRole,
    LensReview,
    Membership,
    Role,
    Team,
    Workload,
    WorkloadQuerySet,
)

VIEW = "view"
EDIT = "edit"
MILESTONE = "milestone"
ITEMS = "items"  # set owner, due date and status of improvement items
CONSOLIDATED = "consolidated"  # request, watch and download a team's consolidated reports

TEAM_VIEW = "team_view"
TEAM_MEMBERS = "team_members"
TEAM_ADMIN = "team_admin"

_ROLES_FOR = {
    VIEW: {Role.ARCHITECT, Role.LEAD},
    EDIT: {Role.ARCHITECT},
    MILESTONE: {Role.ARCHITECT, Role.LEAD},
    ITEMS: {Role.ARCHITECT, Role.LEAD},
    CONSOLIDATED: {Role.LEAD},
    TEAM_VIEW: {Role.ARCHITECT, Role.LEAD},
    TEAM_MEMBERS: {Role.LEAD},
    TEAM_ADMIN: set(),
}


def require_methods(*methods: str):
    """Like Django's ``require_http_methods``, but a workload the user may not see is a 404
    whatever the method: a 405 must not tell another team's user that the workload exists."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.method not in methods:
                workload_id = kwargs.get("workload_id")
                if workload_id is not None and not (
                    Workload.objects.visible_to(request.user).filter(pk=workload_id).exists()
                ):
                    raise Http404("No such workload")
                consolidated_id = kwargs.get("consolidated_id")
                if consolidated_id is not None:
                    reports = ConsolidatedReport.objects.filter(
                        pk=consolidated_id, team__in=teams_visible_to(request.user).values("pk")
                    )
                    if not reports.exists():
                        raise Http404("No such report")
                return HttpResponseNotAllowed(methods)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def role_in_team(user, team_id: int) -> str | None:
    return (
        Membership.objects.filter(user=user, team_id=team_id).values_list("role", flat=True).first()
    )


def can(user, workload: Workload, action: str, *, role: str | None = None) -> bool:
    """``role`` may be passed when the caller already knows it (saves a query)."""
    if user.is_staff:
        return True
    if role is None:
        role = role_in_team(user, workload.team_id)
    return role in _ROLES_FOR[action]


def get_workload_or_404(
    user, workload_id: int, action: str = VIEW, *, queryset: WorkloadQuerySet | None = None
) -> Workload:
    """The workload if ``user`` may see it (404 otherwise) and may do ``action`` (403 otherwise).

    Costs one query: the user's role comes back annotated on the workload (``user_role``).
    """
    from django.db.models import OuterRef, Subquery

    base = queryset if queryset is not None else Workload.objects.all()
    if not user.is_authenticated:
        raise Http404
    role_sq = Membership.objects.filter(user=user, team=OuterRef("team")).values("role")[:1]
    try:
        workload = (
            base.visible_to(user)
            .annotate(user_role=Subquery(role_sq))
            .select_related("team")
            .distinct()
            .get(pk=workload_id)
        )
    except Workload.DoesNotExist:
        raise Http404("No such workload") from None
    if not can(user, workload, action, role=workload.user_role):
        raise PermissionDenied
    return workload


_WORKLOAD = rawsql.Columns(Workload, "w")
_TEAM = rawsql.Columns(Team, "t")
_ANSWER = rawsql.Columns(Answer, "a")


def _locating_sql(with_answer: bool, extra: str = "") -> str:
    t = rawsql.table
    answer_columns = f", {_ANSWER.sql()}" if with_answer else ""
    answer_join = (
        f"LEFT OUTER JOIN {t(Answer)} a ON a.lens_review_id = lr.id AND a.question_id = %s "
        if with_answer
        else ""
    )
    return (
        f"SELECT {_WORKLOAD.sql()}, {_TEAM.sql()}, m.role, lr.id, lr.lens_version_id"  # noqa: S608 - names from the models, values bound
        f"{answer_columns}{', s.*' if extra else ''} FROM {t(Workload)} w "
        f"INNER JOIN {t(Team)} t ON t.id = w.team_id "
        f"LEFT OUTER JOIN {t(Membership)} m ON m.team_id = w.team_id AND m.user_id = %s "
        f"LEFT OUTER JOIN {t(LensReview)} lr ON lr.id = ("
        f"SELECT r.id FROM {t(LensReview)} r "
        f"INNER JOIN {t(Pillar)} p ON p.version_id = r.lens_version_id "
        f"INNER JOIN {t(Question)} q ON q.pillar_id = p.id "
        "WHERE r.workload_id = w.id AND r.removed_at IS NULL AND q.id = %s "
        f"ORDER BY r.position, r.id LIMIT 1) {answer_join}{extra}"
        "WHERE w.id = %s"
    )


def get_workload_for_question_or_404(
    user,
    workload_id: int,
    question_id: int,
    action: str = VIEW,
    *,
    with_answer: bool = False,
    extra: tuple[str, list[Any]] | None = None,
) -> Workload:
    """``get_workload_or_404`` for a question's pages, the workload also annotated with the
    active lens review holding question ``question_id`` (``question_lens_review_id``,
    ``question_version_id``; None when none holds it) and, ``with_answer``, that lens review's
    answer to it (``question_answer``, None if there is none). One hand-written query
    (``rawsql``): the question page and the autosave run it on every request.

    ``extra``: a join of the caller's (SQL and its parameters) over the workload ``w`` and
    that lens review ``lr``, selecting ``s.*``; its columns of every row come back as
    ``located_extra`` (the autosave reads what its save needs this way)."""
    if not user.is_authenticated or not rawsql.valid_id(workload_id):
        raise Http404("No such workload")
    question_id = question_id if rawsql.valid_id(question_id) else 0
    extra_sql, extra_params = extra if extra is not None else ("", [])
    params = [
        user.pk,
        question_id,
        *([question_id] if with_answer else []),
        *extra_params,
        workload_id,
    ]
    rows = rawsql.fetch(_locating_sql(with_answer, extra_sql), params)
    if not rows:
        raise Http404("No such workload")
    row = rows[0]
    w, t = len(_WORKLOAD), len(_WORKLOAD) + len(_TEAM)
    role, lens_review_id, version_id = row[t : t + 3]
    if role is None and not user.is_staff:
        raise Http404("No such workload")
    workload = _WORKLOAD.build(row[:w])
    workload.team = _TEAM.build(row[w:t])
    workload.user_role = role
    workload.question_lens_review_id = lens_review_id  # type: ignore[attr-defined]
    workload.question_version_id = version_id  # type: ignore[attr-defined]
    located = t + 3
    if with_answer:
        answer = row[located : located + len(_ANSWER)]
        workload.question_answer = _ANSWER.build(answer) if answer[0] is not None else None  # type: ignore[attr-defined]
        located += len(_ANSWER)
    if extra is not None:
        workload.located_extra = [r[located:] for r in rows]  # type: ignore[attr-defined]
    if not can(user, workload, action, role=role):
        raise PermissionDenied
    return workload


def get_team_or_404(user, team_id: int, action: str = TEAM_VIEW) -> Team:
    """The team if ``user`` is a member or an admin (404 otherwise) and may do ``action`` (403
    otherwise). One query: the user's role comes back annotated (``user_role``)."""
    from django.db.models import OuterRef, Subquery

    if not user.is_authenticated:
        raise Http404
    role_sq = Membership.objects.filter(user=user, team=OuterRef("pk")).values("role")[:1]
    teams = Team.objects.annotate(user_role=Subquery(role_sq))
    if not user.is_staff:
        teams = teams.filter(memberships__user=user)
    try:
        team = teams.get(pk=team_id)
    except Team.DoesNotExist:
        raise Http404("No such team") from None
    if not (user.is_staff or team.user_role in _ROLES_FOR[action]):
        raise PermissionDenied
    return team


def get_consolidated_or_404(user, report_id: int) -> ConsolidatedReport:
    """A consolidated report of a team the user belongs to (404 otherwise), for its leads and
    admins (403 otherwise). One query, the team and the user's role included."""
    from django.db.models import OuterRef, Subquery

    if not user.is_authenticated:
        raise Http404
    role_sq = Membership.objects.filter(user=user, team=OuterRef("team")).values("role")[:1]
    reports = ConsolidatedReport.objects.select_related("team").annotate(
        user_role=Subquery(role_sq)
    )
    if not user.is_staff:
        reports = reports.filter(team__memberships__user=user)
    try:
        report = reports.get(pk=report_id)
    except ConsolidatedReport.DoesNotExist:
        raise Http404("No such report") from None
    if not (user.is_staff or report.user_role in _ROLES_FOR[CONSOLIDATED]):
        raise PermissionDenied
    return report


def teams_for_consolidated(user) -> QuerySet[Team]:
    """The teams whose consolidated reports ``user`` may request: the ones they lead (admins:
    every active team)."""
    if not user.is_authenticated:
        return Team.objects.none()
    if user.is_staff:
        return Team.objects.active()
    return Team.objects.active().filter(
        memberships__user=user, memberships__role__in=_ROLES_FOR[CONSOLIDATED]
    )


def teams_visible_to(user) -> QuerySet[Team]:
    if not user.is_authenticated:
        return Team.objects.none()
    if user.is_staff:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user)


def may_create_team(user) -> bool:
    return user.is_authenticated and user.is_staff


def may_manage_member(user, member) -> bool:
    """Whether ``user`` (already allowed TEAM_MEMBERS on the team) may change the role of, or
    remove, the person ``member``: an admin's membership is for admins only."""
    return user.is_staff or not member.is_staff


def may_grant(user, role: str) -> bool:
    """Whether ``user`` (already allowed TEAM_MEMBERS on the team) may give someone ``role``
    (a ``GrantedRole``): only admins make admins."""
    return user.is_staff or role != GrantedRole.ADMIN
