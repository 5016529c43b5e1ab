"""The Django admin, branded as archreview: it stays for question banks and for emergencies.

Teams, people and invitations are managed in the app itself (the Teams pages); the admin's
index page says so.
"""

from __future__ import annotations

from django.contrib import admin

admin.site.site_header = "archreview administration"
admin.site.site_title = "archreview administration"
admin.site.index_title = "Question banks and repairs"
