"""What the portal's dossier page tests share: a portal URL by name, and the self-assessment form's POST data."""

from django.urls import reverse


def url(name, *args):
    return reverse(f"portal:{name}", args=args)


def answer_data(requirements, status="met", justification="", evidence=()):
    data = {}
    for r in requirements:
        data[f"r{r.pk}-status"] = status
        data[f"r{r.pk}-justification"] = justification
        if evidence:
            data[f"r{r.pk}-evidence"] = [str(d.pk) for d in evidence]
    return data
