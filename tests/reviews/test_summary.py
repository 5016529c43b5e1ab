from __future__ import annotations

import pytest
from django.urls import reverse

from questions.models import Question
from tests import factories
from tests.factories import version_of
from tests.reviews.review_helpers import Q3, Q4, Q5, practices, save

pytestmark = pytest.mark.django_db

# session, user, workload (access helper), lens reviews, answers, question ids (the banks come
# from the process's bank cache, warm once a save or a page built them)
SCORED_QUERIES = 6
PLAN_QUERIES = SCORED_QUERIES + 1  # + the workload's pillars in priority order
SUMMARY_QUERIES = SCORED_QUERIES  # both link to the questions


@pytest.fixture
def member(rel_bank):
    return factories.MembershipFactory(role="lead")


@pytest.fixture
def workload(member, rel_bank):
    workload = factories.WorkloadFactory(team=member.team, lens_version=rel_bank)
    q3 = practices(workload, Q3)
    q4 = practices(workload, Q4)
    save(workload, Q3, selected=q3)  # no improvements
    save(workload, Q4, selected=[r for r in q4 if not r.endswith("constant_work")])  # low
    save(workload, Q5, is_applicable=False, reason="OUT_OF_SCOPE")
    return workload


def test_summary_shows_counts_per_pillar_score_and_chart(
    workload, member, client_for, django_assert_num_queries
):
    client = client_for(member.user)
    url = reverse("reviews:workload_summary", args=[workload.pk])
    with django_assert_num_queries(SUMMARY_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.counts["NONE"] == result.counts["LOW"] == result.counts["NOT_APPLICABLE"] == 1
    assert result.score == round((100 + 75) / 2)
    html = response.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in html
    assert '<title id="risk-chart-title">' in html
    assert "<caption" in html and 'scope="col"' in html
    assert ">Low risk<" in html and ">88<" in html


def test_plan_lists_missing_practices_with_guidance_and_link(
    workload, member, client_for, django_assert_num_queries
):
    client = client_for(member.user)
    url = reverse("reviews:workload_plan", args=[workload.pk])
    with django_assert_num_queries(PLAN_QUERIES):
        response = client.get(url)
    items = response.context["items"]
    assert [i.practice_ref for i in items] == ["rel_prevent_interaction_failure_constant_work"]
    html = response.content.decode()
    assert items[0].improvement_text[:40] in html
    assert (
        'href="https://docs.aws.amazon.com/wellarchitected/latest/framework/'
        'rel_prevent_interaction_failure_constant_work.html"'
    ) in html
    question = Question.objects.get(
        pillar__version=version_of(workload), ref="prevent-interaction-failure"
    )
    question_url = reverse("reviews:question", args=[workload.pk, question.pk])
    assert f'<a href="{question_url}">{question.title}</a>' in html


def test_plan_filters_by_risk(member, rel_bank, client_for):
    workload = factories.WorkloadFactory(team=member.team, lens_version=rel_bank)
    save(workload, Q5, selected=["rel_mitigate_interaction_failure_no"])  # 5 high, 2 medium
    client = client_for(member.user)
    url = reverse("reviews:workload_plan", args=[workload.pk])
    assert len(client.get(url).context["items"]) == 7
    high = client.get(url, {"risk": "HIGH"}).context["items"]
    medium = client.get(url, {"risk": "MEDIUM"}).context["items"]
    assert {i.risk for i in high} == {"HIGH"} and len(high) == 5
    assert {i.risk for i in medium} == {"MEDIUM"} and len(medium) == 2
    assert client.get(url, {"risk": "LOW"}).context["items"] == []
    assert len(client.get(url, {"risk": "bogus"}).context["items"]) == 7


@pytest.mark.parametrize("name", ["reviews:workload_summary", "reviews:workload_plan"])
def test_another_teams_workload_is_not_found(name, workload, client_for):
    stranger = factories.MembershipFactory(role="architect").user
    assert client_for(stranger).get(reverse(name, args=[workload.pk])).status_code == 404


# --- charts -------------------------------------------------------------------------------------
def test_risk_chart_carries_every_number_as_text_and_has_no_external_reference():
    from reviews import charts

    svg = str(charts.risk_counts_svg({"HIGH": 4, "MEDIUM": 2, "NONE": 7}, title="A <b> & c"))
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and 'role="img"' in svg
    assert '<title id="risk-chart-title">A &lt;b&gt; &amp; c</title>' in svg
    for label, value in [("High risk", 4), ("Medium risk", 2), ("No improvements identified", 7)]:
        assert f">{label}</text>" in svg and f">{value}</text>" in svg
    assert "High risk: 4; Medium risk: 2; Low risk: 0" in svg  # the <desc>
    assert "<script" not in svg and "href" not in svg and "url(" not in svg


def test_trend_chart_escapes_milestone_names_and_handles_no_points():
    from reviews import charts

    svg = str(
        charts.trend_svg([charts.TrendPoint("<script>", 3, 1), charts.TrendPoint("Now", 1, 2)])
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "&lt;script&gt;: 3 high, 1 medium; Now: 1 high, 2 medium" in svg
    assert "No milestones yet" in str(charts.trend_svg([]))


def test_trend_chart_wraps_long_milestone_names_instead_of_cutting_them():

    from reviews import charts

    svg = str(
        charts.trend_svg(
            [charts.TrendPoint("Quarterly review 2024 Q3", 3, 1), charts.TrendPoint("Now", 1, 2)]
        )
    )
    assert ">Quarterly review</tspan>" in svg and ">2024 Q3</tspan>" in svg
    assert "…" not in svg


def test_trend_chart_with_one_point_draws_each_value_on_its_series_line():
    from reviews import charts

    svg = str(charts.trend_svg([charts.TrendPoint("Baseline", 0, 1)]))
    # One short line per series through its marker, so "1" reads as the medium count.
    assert svg.count("<polyline") == 2


def test_charts_render_in_a_weasyprint_pdf():
    import weasyprint

    from reviews import charts

    html = (
        "<html><body>"
        + str(charts.risk_counts_svg({"HIGH": 1}))
        + str(charts.trend_svg([charts.TrendPoint("Baseline", 2, 1)]))
        + "</body></html>"
    )
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
