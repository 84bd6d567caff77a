"""Form widgets drawn in Python where Django's templates cost too much."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class QuickSelect(forms.Select):
    """Django's Select, drawn without a template per option: the registry's filters offer one option per provider and
    per country of storage (a thousand providers at 10,000 services), and the template engine made the choices most of
    the uncached registry page's time. Same markup as Django's select.html and select_option.html, same escaping."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            items = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (("" if o["value"] is None else str(o["value"]), flatatt(o["attrs"]), o["label"]) for o in options),
            )
            groups.append(format_html('<optgroup label="{}">{}</optgroup>', group_name, items) if group_name else items)
        body = format_html_join("", "{}", ((group,) for group in groups))  # already escaped: passed through as is
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), body)
