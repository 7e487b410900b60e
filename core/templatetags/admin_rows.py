"""{% fast_result_list cl %}: Django's {% result_list cl %}, its rows made by
core.admin_rows (the same markup, and the same change_list_results.html templates)."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from core.admin_rows import fast_result_list

register = template.Library()


@register.tag(name="fast_result_list")
def fast_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=fast_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
