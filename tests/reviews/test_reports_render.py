"""PDF rendering: content, structure and safety of ``reviews.pdf`` (real WeasyPrint)."""

from __future__ import annotations

import io
import socket
import threading
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from reviews import pdf as report_pdf
from reviews.models import Answer
from reviews.report_context import build_context
from tests import factories
from tests.reviews.reports_data import (
    EXPECTED_HIGH,
    EXPECTED_MEDIUM,
    EXPECTED_PLAN,
    answered_rel_workload,
    pdf_text,
    plan_titles,
    question_titles,
)


class Listener:
    """A TCP listener on a free local port that records every connection it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def test_listener_counts_a_real_connection(listener):
    # Guards the safety tests below: the listener does see a request when one is made.
    with socket.create_connection(("127.0.0.1", listener.port), timeout=2) as conn:
        conn.recv(100)
    listener.close()
    assert listener.connections == 1


@pytest.mark.django_db
def test_report_shows_cover_summary_every_question_and_the_improvement_plan(rel_bank):
    workload = answered_rel_workload(rel_bank, name="Payments Platform")

    text = pdf_text(report_pdf.render_pdf(build_context(workload)))

    assert "Payments Platform" in text
    assert workload.team.name in text
    assert rel_bank.name in text
    for title in question_titles(rel_bank):
        assert title in text
    assert f"{EXPECTED_HIGH} high risk, {EXPECTED_MEDIUM} medium risk" in text
    assert plan_titles(workload) == EXPECTED_PLAN
    for item in EXPECTED_PLAN:
        assert item in text
    assert "Reviewed service-architecture with the team." in text


@pytest.mark.django_db
def test_report_pdf_has_title_author_outline_page_numbers_and_tags(rel_bank):
    workload = answered_rel_workload(rel_bank, name="Payments Platform")

    reader = PdfReader(io.BytesIO(report_pdf.render_pdf(build_context(workload))))

    assert reader.metadata.title == "Architecture review: Payments Platform"
    assert reader.metadata.author == workload.team.name
    outline_titles = [entry.title for entry in reader.outline if not isinstance(entry, list)]
    assert outline_titles[:6] == [
        "Payments Platform",
        "Executive summary",
        "Risks by lens",
        "Change since the previous milestone",
        "Questions",
        "Improvement plan",
    ]
    pages = len(reader.pages)
    assert f"Page {pages} of {pages}" in reader.pages[-1].extract_text()
    # Tagged PDF (PDF/UA-1): a structure tree and the Marked flag.
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]


@pytest.mark.django_db
def test_report_of_a_not_applicable_question_gives_the_reason(rel_bank):
    workload = answered_rel_workload(rel_bank)
    answer = Answer.objects.filter(lens_review__workload=workload).get(
        question__ref="prevent-interaction-failure"
    )
    answer.is_applicable = False
    answer.reason = "BUSINESS_PRIORITIES"
    answer.save()

    text = pdf_text(report_pdf.render_pdf(build_context(workload)))

    assert "Not applicable to this workload. Reason: Business priorities" in text


@pytest.mark.django_db
def test_building_the_context_costs_a_fixed_number_of_queries(rel_bank, django_assert_num_queries):
    workload = answered_rel_workload(rel_bank)
    # 3 to score (the active lens reviews, twice: the covered versions and the loader's; then
    # the answers; the banks come from the bank cache), then question links, practice links,
    # the answers' notes and the previous milestone, whatever the lenses.
    with django_assert_num_queries(7):
        context = build_context(workload)
    assert len(context["sections"]) == 3


@pytest.mark.django_db
def test_html_in_notes_is_printed_as_text_and_fetches_nothing(rel_bank, listener):
    notes = (
        f'<img src="http://127.0.0.1:{listener.port}/x"> '
        '<link rel="attachment" href="file:///etc/passwd"> '
        "<script>alert(1)</script>"
    )
    workload = answered_rel_workload(rel_bank, notes=notes)

    pdf = report_pdf.render_pdf(build_context(workload))

    listener.close()
    assert listener.connections == 0
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))
    text = pdf_text(pdf)
    assert f'<img src="http://127.0.0.1:{listener.port}/x">' in text
    assert '<link rel="attachment" href="file:///etc/passwd">' in text
    assert "<script>alert(1)</script>" in text


@pytest.mark.django_db
def test_fetcher_stops_markup_that_reaches_weasyprint_unescaped(listener, tmp_path):
    # Defence in depth: even raw markup (a template bug) cannot reach the network or files.
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    html = (
        "<html lang='en'><head><title>t</title>"
        f"<link rel='attachment' href='file://{secret}'>"
        f"<link rel='stylesheet' href='http://127.0.0.1:{listener.port}/s.css'>"
        "</head><body>"
        f"<img src='http://127.0.0.1:{listener.port}/x'>"
        f"<img src='https://127.0.0.1:{listener.port}/y'>"
        f"<div style=\"background: url('http://127.0.0.1:{listener.port}/z')\">x</div>"
        "<link rel='attachment' href='data:text/plain,hello'>"
        "</body></html>"
    )

    pdf = report_pdf.html_to_pdf(html)

    listener.close()
    assert listener.connections == 0
    assert PdfReader(io.BytesIO(pdf)).attachments == {}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.css",
        "file:///etc/passwd",
        "data:text/plain,hello",
        "ftp://example.com/x",
        "gopher://127.0.0.1:70/",
        "javascript:alert(1)",
        "archreview-static:../../../etc/passwd",
        "archreview-static:/etc/passwd",
        "archreview-static:css/does-not-exist.css",
        "css/app.css",
    ],
)
def test_fetcher_refuses_anything_but_our_static_files(url):
    with pytest.raises(report_pdf.ReportFetchRefused):
        report_pdf.StaticOnlyURLFetcher().fetch(url)


def test_fetcher_serves_our_static_css():
    response = report_pdf.StaticOnlyURLFetcher().fetch("archreview-static:css/app.css")

    expected = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_bytes()
    assert response.read() == expected
    assert response.content_type == "text/css"


@pytest.mark.django_db
def test_a_milestone_report_shows_the_answers_and_notes_frozen_in_the_milestone(rel_bank):
    from reviews.services.milestones import milestone_create

    workload = answered_rel_workload(rel_bank, name="Payments Platform", notes="Before launch.")
    user = factories.MembershipFactory(team=workload.team).user
    milestone = milestone_create(workload=workload, name="Launch review", user=user)
    Answer.objects.filter(lens_review__workload=workload).update(
        notes="Changed after the milestone.", selected=[]
    )

    text = pdf_text(report_pdf.render_pdf(build_context(workload, milestone=milestone)))

    assert "Launch review" in text
    assert "Before launch." in text
    assert "Changed after the milestone." not in text
    assert f"{EXPECTED_HIGH} high risk, {EXPECTED_MEDIUM} medium risk" in text
    for item in EXPECTED_PLAN:
        assert item in text


@pytest.mark.django_db
def test_executive_summary_page_gives_score_counts_in_chart_order_and_the_priorities(rel_bank):
    from reviews import charts

    workload = answered_rel_workload(rel_bank)
    context = build_context(workload)

    assert [row["risk"] for row in context["count_rows"]] == list(charts.ORDER)
    reader = PdfReader(io.BytesIO(report_pdf.render_pdf(context)))
    summary = " ".join(reader.pages[1].extract_text().split())
    assert summary.startswith("Executive summary")
    assert f"The review score is {context['score']} out of 100." in summary
    # Every plan item, highest risk first, on the summary page itself.
    positions = [summary.index(item) for item in EXPECTED_PLAN]
    assert positions == sorted(positions)
