"""Template tags of the editors' admin."""

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy

from claims.admin.scale import IndexedDateHierarchy

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def indexed_date_hierarchy(cl):
    """Django's date hierarchy, with the dates in use found through the date's index (claims.admin.scale)."""
    return date_hierarchy(IndexedDateHierarchy(cl))
