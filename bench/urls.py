"""The product's URLs plus the bare reference views of ``bench/reference_views.py``, served
only by the HTTP benchmark (``bench/settings.py``), never by the product."""

from django.urls import path

from bench import reference_views
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("__bench__/update/<int:answer_id>/", reference_views.bare_update),
    path("__bench__/select/<int:workload_id>/", reference_views.bare_select),
    *product_urlpatterns,
]
