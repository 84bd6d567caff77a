"""An approved evaluation centre's people: its evaluators and the invitations that make them.

The centre itself is the catalogue's EvaluationCenter (registry.catalogue.models): its approval (`active`) is the
agency's to grant and withdraw. The evaluation work of later slices (contract, plan, verdicts, report) hangs off the
dossier and the centre, never off an evaluator: what a centre files stays the centre's when people leave.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.catalogue.models import EvaluationCenter
from registry.core.models import EmailInvitation


class Evaluator(models.Model):
    """A person who evaluates for one approved centre. One centre per person: an evaluator speaks for their centre
    only, and the four-eyes rule judges by it. Never deleted (the audit log and the centre's work name them);
    `active` off ends their access to the centre's space."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluator", verbose_name=_("account")
    )
    centre = models.ForeignKey(
        EvaluationCenter, on_delete=models.PROTECT, related_name="evaluators", verbose_name=_("evaluation centre")
    )
    active = models.BooleanField(_("active"), default=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        ordering = ["centre", "user__email"]
        verbose_name = _("evaluator")
        verbose_name_plural = _("evaluators")

    def __str__(self):
        return f"{self.user.email} ({self.centre})"


class EvaluatorInvitation(EmailInvitation):
    """A registry administrator's invitation for an e-mail address to evaluate for a centre. Accepted once, by that
    address, before it expires (the provider invitations' validity)."""

    centre = models.ForeignKey(
        EvaluationCenter, on_delete=models.CASCADE, related_name="evaluator_invitations", verbose_name=_("centre")
    )

    class Meta(EmailInvitation.Meta):
        verbose_name = _("evaluator invitation")
        verbose_name_plural = _("evaluator invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "email"],
                condition=Q(accepted_at__isnull=True),
                name="evaluator_invitation_one_pending_per_address",
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.centre}"
