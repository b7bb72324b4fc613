"""`{% load i18n_once %}`: Django's `{% load i18n %}`, with `{% translate "a fixed text" %}`
looked up once per language (kabinet/core/i18n.py says why a lookup costs). Kabinet's
templates load it instead of `i18n` (a test holds them to it); it is not registered
under Django's name, which would take silencing a system check (templates.W003).

Only the plain form is cached: a quoted text without filters, context or `noop`, whose
translation cannot change while the process runs. Every other form, and every other
tag and filter of the library, is Django's own. The cached value is what Django's tag
renders: the translation, safe (template texts are), "%%" back to "%".
"""

from django import template
from django.templatetags import i18n as django_i18n
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext

from kabinet.core.i18n import per_language

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


@per_language
def _translations() -> dict[str, str]:
    """The active language's translations of the templates' fixed texts, filled as the
    texts are first rendered."""
    return {}


class TranslateOnceNode(django_i18n.TranslateNode):
    def __init__(self, filter_expression, noop, asvar=None, message_context=None):
        super().__init__(filter_expression, noop, asvar, message_context)
        variable = self.filter_expression.var
        fixed = (
            not noop
            and message_context is None
            and not self.filter_expression.filters
            and getattr(variable, "lookups", True) is None
            and isinstance(variable.literal, SafeData)
        )
        # Django's tag looks the text up with its percent signs doubled.
        self.message = variable.literal.replace("%", "%%") if fixed else None

    def render(self, context):
        if self.message is None:
            return super().render(context)
        translations = _translations()
        value = translations.get(self.message)
        if value is None:
            value = mark_safe(gettext(self.message).replace("%%", "%"))
            translations[self.message] = value
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    node = django_i18n.do_translate(parser, token)
    return TranslateOnceNode(node.filter_expression, node.noop, node.asvar, node.message_context)
