"""Admin pages for webhooks: endpoints, their delivery log, "send again" and a test event.

Every view is for admins (staff): see ``webhooks.access``. Each costs a fixed number of
queries whatever the number of endpoints or deliveries.
"""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from webhooks import access, services
from webhooks.events import EVENT_LABELS, SUBSCRIBABLE
from webhooks.forms import EndpointForm
from webhooks.models import Delivery, Endpoint

DELIVERIES_PER_PAGE = 25


def admin_view(*methods: str):
    """Signed in (else the sign-in page), an admin (else 404 for an object URL, 403 for the
    rest: decided before the method, so a 405 reveals nothing), then one of ``methods``."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.is_staff:
                if kwargs:
                    raise Http404("No such endpoint")
                access.require_admin(request.user)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


@admin_view("GET")
def endpoint_list(request: HttpRequest) -> HttpResponse:
    last = Delivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-id")
    endpoints = Endpoint.objects.select_related("team").annotate(
        last_status=Subquery(last.values("status")[:1]),
        last_at=Subquery(last.values("created_at")[:1]),
    )
    return render(request, "webhooks/list.html", {"endpoints": list(endpoints), "nav": "webhooks"})


def _form_fields(form: EndpointForm) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "url": data["url"],
        "events": data["events"],
        "team": data["team"],
        "is_active": data["is_active"],
    }


def _apply_errors(form: EndpointForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error("url" if error.code == "url" else None, error)


@admin_view("GET", "POST")
def endpoint_new(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.endpoint_create(
                **_form_fields(form), user=request.user, request=request
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, f"Endpoint “{endpoint.name}” added. Give its secret to the receiver."
            )
            return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "webhooks/form.html",
        {"form": form, "creating": True, "nav": "webhooks"},
        status=status,
    )


@admin_view("GET", "POST")
def endpoint_edit(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = access.get_endpoint_or_404(request.user, endpoint_id)
    initial = {
        "name": endpoint.name,
        "url": endpoint.url,
        "events": endpoint.events,
        "team": endpoint.team,
        "is_active": endpoint.is_active,
    }
    form = EndpointForm(request.POST or None, initial=initial, creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(
                endpoint=endpoint,
                rotate_secret=form.cleaned_data["rotate_secret"],
                user=request.user,
                request=request,
                **_form_fields(form),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"Endpoint “{endpoint.name}” saved.")
            return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "webhooks/form.html",
        {"form": form, "endpoint": endpoint, "creating": False, "nav": "webhooks"},
        status=status,
    )


@admin_view("GET")
def endpoint_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = access.get_endpoint_or_404(request.user, endpoint_id)
    deliveries = Delivery.objects.filter(endpoint=endpoint).defer("payload", "response_excerpt")
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "endpoint": endpoint,
        "page": page,
        "in_flight": any(
            d.status in (Delivery.Status.PENDING, Delivery.Status.SENDING) for d in page
        ),
        "event_labels": [EVENT_LABELS[e] for e in SUBSCRIBABLE if e.value in endpoint.events],
        "nav": "webhooks",
    }
    if request.htmx:
        return render(request, "webhooks/partials/deliveries.html", context)
    return render(request, "webhooks/detail.html", context)


@admin_view("GET", "POST")
def endpoint_delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = access.get_endpoint_or_404(request.user, endpoint_id)
    if request.method == "POST":
        name = endpoint.name
        services.endpoint_delete(endpoint=endpoint, user=request.user, request=request)
        messages.success(request, f"Endpoint “{name}” deleted with its delivery log.")
        return redirect("webhooks:endpoint_list")
    return render(request, "webhooks/delete.html", {"endpoint": endpoint, "nav": "webhooks"})


@admin_view("POST")
def endpoint_ping(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = access.get_endpoint_or_404(request.user, endpoint_id)
    services.endpoint_ping(endpoint=endpoint, user=request.user, request=request)
    messages.success(request, "A test event is on its way; its delivery is listed below.")
    return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)


@admin_view("GET")
def delivery_detail(request: HttpRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    delivery = access.get_delivery_or_404(request.user, endpoint_id, delivery_id)
    context = {
        "delivery": delivery,
        "endpoint": delivery.endpoint,
        "body": json.dumps(delivery.payload, indent=2, ensure_ascii=False),
        "nav": "webhooks",
    }
    return render(request, "webhooks/delivery.html", context)


@admin_view("POST")
def delivery_resend(request: HttpRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    delivery = access.get_delivery_or_404(request.user, endpoint_id, delivery_id)
    try:
        services.delivery_resend(delivery=delivery, user=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "The event is being sent again; see the newest delivery.")
    return redirect("webhooks:endpoint_detail", endpoint_id=endpoint_id)
