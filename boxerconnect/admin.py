"""The Django admin site's names, and the built-in models it does not need (roles, not groups,
grant rights: Groups stay unused)."""

from django.contrib import admin
from django.contrib.auth.models import Group

admin.site.site_header = "BoxerConnect administration"
admin.site.site_title = "BoxerConnect administration"
admin.site.index_title = "Boxers, clubs and users"

if admin.site.is_registered(Group):
    admin.site.unregister(Group)
