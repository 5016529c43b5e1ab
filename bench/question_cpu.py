"""In-process CPU per request of the question page and the htmx autosave (issue 12).

Django's test client over the test database, with the test suite's template instrumentation
switched off (as in production): the REL 3-5 bank and the 42-question Cognito lens, every
question answered but the last; median wall and CPU time (``time.process_time``, the web
process's Python work) of 200 requests after 5 warm-up ones. A pytest module (it uses the
suite's fixtures), run by hand, not by ``make bench`` or ``make test``:

    DATABASE_URL=... SECRET_KEY=bench-only ARCHREVIEW_TESTING=1 \\
      .venv/bin/pytest bench/question_cpu.py -q -s
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable

from django.template import Template
from django.test.utils import _TestState
from django.urls import reverse

from questions.models import Question
from reviews.services.answers import answer_save
from tests import factories
from tests.reviews.test_query_counts import COGNITO, _bank

REQUESTS = 200


def _answer_all_but_last(workload, version, user) -> list[Question]:
    questions = list(
        Question.objects.filter(pillar__version=version)
        .select_related("pillar")
        .prefetch_related("choices")
        .order_by("pillar__order", "order")
    )
    for i, question in enumerate(questions[:-1]):
        practices = _practices(question)
        data = (
            {"is_applicable": False, "reason": "OTHER"}
            if i % 3 == 2
            else {"selected": [c.ref for c in practices[:2]], "notes": "n"}
        )
        answer_save(workload=workload, question=question, data=data, expected_version=0, user=user)
    return questions


def _practices(question):
    return sorted(
        (c for c in question.choices.all() if not c.is_none), key=lambda c: (c.order, c.pk)
    )


def _median_ms(fn: Callable[[], None]) -> tuple[float, float, float]:
    for _ in range(5):
        fn()
    wall, cpu = [], []
    for _ in range(REQUESTS):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    wall.sort()
    cpu.sort()
    return wall[len(wall) // 2] * 1000, cpu[len(cpu) // 2] * 1000, cpu[0] * 1000


def test_question_page_and_autosave_cpu(rel_bank, client_for, monkeypatch):
    monkeypatch.setattr(Template, "_render", _TestState.saved_data.template_render)
    membership = factories.MembershipFactory(role="architect")
    client = client_for(membership.user)
    lines = [f"load average {os.getloadavg()[0]:.2f}"]
    for name, version in (("REL 3-5", rel_bank), ("42-question lens", _bank(COGNITO))):
        workload = factories.WorkloadFactory(team=membership.team, lens_version=version)
        question = _answer_all_but_last(workload, version, membership.user)[1]
        url = reverse(
            "reviews:question", kwargs={"workload_id": workload.pk, "question_id": question.pk}
        )

        def page(url=url) -> None:
            assert client.get(url).status_code == 200

        wall, cpu, least = _median_ms(page)
        lines.append(
            f"question page, {name}: wall {wall:.2f} ms, CPU {cpu:.2f} ms (min {least:.2f})"
        )

        body = client.get(url).content.decode()
        match = re.search(r'name="version" value="(\d+)"', body)
        assert match
        picked = [c.ref for c in _practices(question)[:2]]
        state = {"version": int(match.group(1))}

        def save(url=url, picked=picked, state=state) -> None:
            response = client.post(
                url,
                {"version": state["version"], "selected": picked, "notes": f"typed {time.time()}"},
                HTTP_HX_REQUEST="true",
            )
            assert response.status_code == 200 and b"Saved" in response.content
            state["version"] += 1

        wall, cpu, least = _median_ms(save)
        lines.append(
            f"htmx autosave, {name}: wall {wall:.2f} ms, CPU {cpu:.2f} ms (min {least:.2f})"
        )
    print("\n" + "\n".join(lines))
