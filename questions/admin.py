"""Admin for question banks: drafts are edited here, published versions are read-only.

Beyond the stock pages, a lens version has: import (upload a custom-lens JSON file), export
(download one), "new draft" (copy a version into a draft), compare (the diff against another
version, with the draft's problems) and publish.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from accounts.audit import audit_record
from questions import rules as rule_engine
from questions.audit_actions import LensAction
from questions.content import version_tree
from questions.diff import diff_trees
from questions.exporter import export_filename, version_export_bytes
from questions.importer import MAX_FILE_BYTES, LensFileError, lens_import, lens_import_refused
from questions.limits import LensLimitReached, lens_rate_check
from questions.models import Choice, Lens, LensVersion, Pillar, Question, RiskRule
from questions.services import (
    DraftNotPublishable,
    draft_create,
    draft_publish,
    version_deprecate,
)
from questions.validation import tree_problems
from questions.vocab import FROZEN_STATUSES, LEVEL_LABELS, PRACTICE_LEVELS


def _frozen(obj) -> bool:
    """Whether ``obj`` (a version, pillar or question) belongs to a published version."""
    if obj is None:
        return False
    if isinstance(obj, LensVersion):
        return obj.is_frozen
    if isinstance(obj, Pillar):
        return obj.version.is_frozen
    if isinstance(obj, Question):
        return obj.pillar.version.is_frozen
    return False


# Links in banks are web pages; without a scheme, assume https (Django 6's default).
URL_FIELDS: dict[type[models.Field], dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class FrozenAwareInline(admin.options.InlineModelAdmin):
    """Inlines under a published version are shown read-only, with no add or delete."""

    formfield_overrides = URL_FIELDS

    def has_add_permission(self, request, obj=None) -> bool:
        return not _frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not _frozen(obj) and super().has_delete_permission(request, obj)


# --- Lens -------------------------------------------------------------------------------------
@admin.register(Lens)
class LensAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "version_count", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(version_count=Count("versions"))

    @admin.display(description="Versions", ordering="version_count")
    def version_count(self, obj: Lens) -> int:
        return obj.version_count  # type: ignore[attr-defined]  # annotated by get_queryset

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.versions.filter(status__in=FROZEN_STATUSES):
            return False
        return super().has_delete_permission(request, obj)


# --- Lens version -----------------------------------------------------------------------------
class PillarInline(FrozenAwareInline, admin.TabularInline):
    model = Pillar
    fields = ["order", "ref", "name"]
    extra = 0
    ordering = ["order", "id"]
    show_change_link = True  # the pillar's page lists and reorders its questions


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Custom-lens JSON file",
        help_text=f"AWS Well-Architected custom-lens format, UTF-8, at most "
        f"{MAX_FILE_BYTES // 1024} KB.",
    )
    label = forms.CharField(label="Version label", max_length=64, required=False)
    publish = forms.BooleanField(
        label="Publish it at once", required=False, help_text="Otherwise it becomes a draft."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size // 1024} KB; the limit is {MAX_FILE_BYTES // 1024} KB."
            )
        return upload


@admin.register(LensVersion)
class LensVersionAdmin(admin.ModelAdmin):
    list_display = ["lens", "number", "label", "kind", "status", "published_at", "export_link"]
    list_filter = ["status", "kind", "lens"]
    list_select_related = ["lens"]
    ordering = ["lens__name", "-number"]
    fields = [
        "lens",
        "number",
        "label",
        "name",
        "description",
        "kind",
        "status",
        "published_at",
        "content_hash",
        "content_overview",
    ]
    readonly_fields = [
        "lens",
        "number",
        "kind",
        "status",
        "published_at",
        "content_hash",
        "content_overview",
    ]
    inlines = [PillarInline]
    actions = ["deprecate"]
    change_list_template = "admin/questions/lensversion/change_list.html"
    change_form_template = "admin/questions/lensversion/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lens")

    def has_add_permission(self, request) -> bool:
        # Versions come from an import, the shipped bank or "new draft", never a blank form.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not _frozen(obj) and super().has_delete_permission(request, obj)

    @admin.action(description="Mark selected published versions as deprecated")
    def deprecate(self, request: HttpRequest, queryset) -> None:
        # Deprecating is the one change a published version accepts (see models.py).
        count = version_deprecate(versions=list(queryset), actor=request.user, request=request)
        self.message_user(request, f"{count} version(s) marked as deprecated.")

    @admin.display(description="Export")
    def export_link(self, obj: LensVersion) -> str:
        url = reverse("admin:questions_lensversion_export", args=[obj.pk])
        return format_html(
            '<a href="{}">JSON<span class="visually-hidden"> of {}</span></a>', url, obj
        )

    @admin.display(description="Questions")
    def content_overview(self, obj: LensVersion) -> str:
        practice = Q(choices__is_none=False)
        questions = list(
            Question.objects.filter(pillar__version=obj)
            .select_related("pillar")
            .annotate(
                practices=Count("choices", filter=practice),
                **{
                    f"risk_{risk.lower()}": Count(
                        "choices", filter=practice & Q(choices__risk=risk)
                    )
                    for risk in PRACTICE_LEVELS
                },
            )
            .order_by("pillar__order", "pillar_id", "order", "id")
        )
        rows = format_html_join(
            "",
            '<li><code>{}/{}</code> <a href="{}">{}</a> ({} best practices)</li>',
            (
                (
                    q.pillar.ref,
                    q.ref,
                    reverse("admin:questions_question_change", args=[q.pk]),
                    q.title,
                    q.practices,
                )
                for q in questions
            ),
        )
        totals = format_html(
            "<p>{} pillar(s), {} question(s), {} best practice(s)",
            len({q.pillar_id for q in questions}),
            len(questions),
            sum(q.practices for q in questions),
        )
        if obj.kind == LensVersion.Kind.NATIVE:
            totals = format_html(
                "{}: {}",
                totals,
                ", ".join(
                    f"{sum(getattr(q, f'risk_{value.lower()}') for q in questions)} {label}"
                    for value, label in LEVEL_LABELS.items()
                ),
            )
        totals = format_html("{}.</p>", totals)
        problems = tree_problems(version_tree(obj))
        problem_list = format_html_join(
            "",
            '<li class="{}">{}</li>',
            (("warning" if p.is_warning else "error", str(p)) for p in problems),
        )
        summary = (
            format_html(
                "<p><strong>Problems to fix before publishing:</strong></p>"
                '<ul class="errorlist">{}</ul>',
                problem_list,
            )
            if problems
            else format_html("<p>{}</p>", "No problems found.")
        )
        return format_html("{}<ul>{}</ul>{}", totals, rows, summary)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="questions_lensversion_import"),
            path("<int:pk>/export/", wrap(self.export_view), name="questions_lensversion_export"),
            path("<int:pk>/draft/", wrap(self.draft_view), name="questions_lensversion_draft"),
            path(
                "<int:pk>/compare/", wrap(self.compare_view), name="questions_lensversion_compare"
            ),
            path(
                "<int:pk>/publish/", wrap(self.publish_view), name="questions_lensversion_publish"
            ),
            *super().get_urls(),
        ]

    def _require(self, request: HttpRequest, perm: str) -> None:
        if not request.user.has_perm(f"questions.{perm}_lensversion"):
            raise PermissionDenied

    def import_view(self, request: HttpRequest) -> HttpResponse:
        self._require(request, "add")
        problems: list[str] = []
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            try:
                lens_rate_check(user=request.user)
            except LensLimitReached as exc:
                form.add_error(None, str(exc))
            if form.is_valid():
                try:
                    result = lens_import(
                        data=form.cleaned_data["file"].read(),
                        publish=form.cleaned_data["publish"],
                        label=form.cleaned_data["label"],
                        actor=request.user,
                        request=request,
                    )
                except LensFileError as exc:
                    problems = exc.problems
                    lens_import_refused(problems=problems, actor=request.user, request=request)
                else:
                    notify = messages.success if result.created else messages.info
                    notify(request, result.summary())
                    for warning in result.warnings:
                        messages.warning(request, warning)
                    return redirect("admin:questions_lensversion_change", result.version.pk)
        else:
            form = ImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a custom lens",
            "form": form,
            "problems": problems,
        }
        return TemplateResponse(
            request,
            "admin/questions/lensversion/import.html",
            context,
            status=400 if problems or form.errors else 200,
        )

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        self._require(request, "view")
        version = get_object_or_404(LensVersion.objects.select_related("lens"), pk=pk)
        try:
            lens_rate_check(user=request.user)
        except LensLimitReached as exc:
            messages.error(request, str(exc))
            return redirect("admin:questions_lensversion_change", pk)
        body = version_export_bytes(version)
        audit_record(action=LensAction.EXPORTED, request=request, target=version)
        response = HttpResponse(body, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{export_filename(version)}"'
        return response

    def draft_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        self._require(request, "add")
        version = get_object_or_404(LensVersion.objects.select_related("lens"), pk=pk)
        if request.method != "POST":
            return redirect("admin:questions_lensversion_change", pk)
        draft = draft_create(version=version, actor=request.user, request=request)
        messages.success(request, f"Created draft {draft} as a copy of version {version.number}.")
        return redirect("admin:questions_lensversion_change", draft.pk)

    def compare_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        self._require(request, "view")
        version = get_object_or_404(LensVersion.objects.select_related("lens"), pk=pk)
        others = list(
            LensVersion.objects.filter(lens_id=version.lens_id)
            .exclude(pk=version.pk)
            .select_related("lens")
            .order_by("-number")
        )
        against = None
        wanted = request.GET.get("against", "")
        if wanted.isdigit():
            against = next((v for v in others if v.pk == int(wanted)), None)
        if against is None:
            against = next(
                (v for v in others if v.is_published and v.number < version.number), None
            ) or next(iter(others), None)
        tree = version_tree(version)
        diff = diff_trees(version_tree(against), tree) if against is not None else None
        problems = tree_problems(tree) if not version.is_frozen else []
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Compare {version}",
            "version": version,
            "against": against,
            "others": others,
            "diff": diff,
            "problems": problems,
            "blocking": [p for p in problems if not p.is_warning],
            "can_publish": not version.is_frozen
            and request.user.has_perm("questions.change_lensversion"),
        }
        return TemplateResponse(request, "admin/questions/lensversion/compare.html", context)

    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        self._require(request, "change")
        version = get_object_or_404(LensVersion.objects.select_related("lens"), pk=pk)
        if request.method != "POST":
            return redirect("admin:questions_lensversion_compare", pk)
        try:
            draft_publish(version=version, actor=request.user, request=request)
        except DraftNotPublishable as exc:
            for problem in exc.problems:
                messages.error(request, problem)
            return redirect("admin:questions_lensversion_compare", pk)
        messages.success(request, f"Published {version}.")
        return redirect("admin:questions_lensversion_change", pk)


# --- Pillar (with its questions) ----------------------------------------------------------------
class QuestionInline(FrozenAwareInline, admin.TabularInline):
    model = Question
    fields = ["order", "ref", "title"]
    extra = 0
    ordering = ["order", "id"]
    show_change_link = True  # choices and rules are edited on the question's own page


@admin.register(Pillar)
class PillarAdmin(admin.ModelAdmin):
    list_display = ["name", "ref", "version"]
    list_select_related = ["version__lens"]
    list_filter = ["version__lens", "version__status"]
    ordering = ["version", "order", "id"]
    fields = ["version", "order", "ref", "name"]
    inlines = [QuestionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("version__lens")

    def get_readonly_fields(self, request, obj=None):
        return ["version"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "version":
            kwargs["queryset"] = LensVersion.objects.filter(
                status=LensVersion.Status.DRAFT
            ).select_related("lens")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not _frozen(obj) and super().has_delete_permission(request, obj)


# --- Question (with its choices and rules) ------------------------------------------------------
class ChoiceFormSet(BaseInlineFormSet):
    """In a native bank every best practice needs its risk level: the scoring uses it."""

    def clean(self) -> None:
        super().clean()
        question = self.instance
        if question.pk is None or question.pillar.version.kind != LensVersion.Kind.NATIVE:
            return
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if data and not data.get("DELETE") and not data.get("is_none") and not data["risk"]:
                form.add_error("risk", "Pick the risk level of not following this practice.")


class ChoiceInline(FrozenAwareInline, admin.StackedInline):
    model = Choice
    formset = ChoiceFormSet
    fields = [
        ("order", "ref", "title"),
        ("risk", "is_none"),
        "description",
        ("helpful_resource_text", "helpful_resource_url"),
        ("improvement_plan_text", "improvement_plan_url"),
    ]
    extra = 0
    min_num = 1
    ordering = ["order", "id"]

    def get_formset(self, request, obj=None, **kwargs):
        # The admin does not pass validate_min on its own: a question needs a choice.
        return super().get_formset(request, obj, validate_min=True, **kwargs)


class RiskRuleFormSet(BaseInlineFormSet):
    """Checks every condition against the choice ids submitted on the same page."""

    choice_formset: BaseInlineFormSet | None = None

    def _choice_ids(self) -> set[str] | None:
        formset = self.choice_formset
        if formset is None:
            return set(self.instance.choices.values_list("ref", flat=True))
        if not formset.is_valid():
            return None  # its own errors are shown; unknown ids would only add noise
        return {
            form.cleaned_data["ref"]
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        }

    def clean(self) -> None:
        super().clean()
        question = self.instance
        if question.pillar_id and question.pillar.version.kind == LensVersion.Kind.NATIVE:
            # Reached from the "add question" page, where the rules inline is still shown.
            if any(f.cleaned_data and not f.cleaned_data.get("DELETE") for f in self.forms):
                raise forms.ValidationError(
                    "This bank is native: each best practice's risk level decides the risk, "
                    "so risk rules would have no effect. Remove them and set the levels instead."
                )
            return
        known = self._choice_ids()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("condition"):
                continue
            try:
                rule_engine.parse(data["condition"], known)
            except rule_engine.RuleError as exc:
                form.add_error("condition", str(exc))


class RiskRuleInline(FrozenAwareInline, admin.TabularInline):
    model = RiskRule
    formset = RiskRuleFormSet
    fields = ["order", "condition", "risk"]
    extra = 0
    ordering = ["order", "id"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["title", "ref", "pillar", "version"]
    list_select_related = ["pillar__version__lens"]
    list_filter = ["pillar__version__lens", "pillar__version__status"]
    search_fields = ["title", "ref"]
    ordering = ["pillar__version", "pillar__order", "order", "id"]
    fields = [
        "pillar",
        "order",
        "ref",
        "title",
        "description",
        "helpful_resource_text",
        "helpful_resource_url",
        "problems",
    ]
    readonly_fields = ["problems"]
    inlines = [ChoiceInline, RiskRuleInline]
    formfield_overrides = URL_FIELDS

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pillar__version__lens")

    def get_readonly_fields(self, request, obj=None):
        # A question never moves between versions once created.
        return ["pillar", "problems"] if obj is not None else ["problems"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "pillar":
            kwargs["queryset"] = Pillar.objects.filter(
                version__status=LensVersion.Status.DRAFT
            ).select_related("version__lens")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not _frozen(obj) and super().has_delete_permission(request, obj)

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is not None and obj.pillar.version.kind == LensVersion.Kind.NATIVE:
            # Native banks score by risk level; rules here would be saved and silently ignored.
            inlines = [i for i in inlines if not isinstance(i, RiskRuleInline)]
        return inlines

    def _create_formsets(self, request, obj, change):
        # A private ModelAdmin method (not in the stubs), the one place that sees every formset.
        formsets, inline_instances = super()._create_formsets(request, obj, change)  # type: ignore[misc]
        choices = next((f for f in formsets if f.model is Choice), None)
        for formset in formsets:
            if isinstance(formset, RiskRuleFormSet):
                formset.choice_formset = choices
        return formsets, inline_instances

    @admin.display(description="Version")
    def version(self, obj: Question) -> LensVersion:
        return obj.pillar.version

    @admin.display(description="Problems")
    def problems(self, obj: Question) -> str:
        if obj.pk is None:
            return "-"
        kind = obj.pillar.version.kind
        tree = {
            "kind": kind,
            "pillars": [
                {
                    "ref": obj.pillar.ref,
                    "questions": [
                        {
                            "ref": obj.ref,
                            "choices": list(obj.choices.values("ref", "risk", "is_none")),
                            "rules": list(obj.risk_rules.values("condition", "risk")),
                        }
                    ],
                }
            ],
        }
        found = [p for p in tree_problems(tree) if p.where]
        if not found:
            return "None found."
        return format_html_join("", "<div>{}</div>", ((p.message,) for p in found))
