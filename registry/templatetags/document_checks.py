"""The verdict of a document's check, in the reader's language."""

from django import template

from registry.qualification.services.document_checks import check_reason

register = template.Library()
register.filter("check_reason", check_reason)
