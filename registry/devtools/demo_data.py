"""The demo cast for `manage.py seed_demo`: agency staff, evaluation centres, providers, their services and where each
service's dossier stands.

Company names and websites are real, to make the demo readable; every figure, registration number, shareholding, site
detail, person and e-mail address is invented. The passwords are for local development only.
"""

from registry.providers.models import Site, ThirdParty
from registry.qualification.workflow import ADMINISTRATORS, COMMITTEE, REVIEWERS

REVIEWER = "reviewer@agency.example"
REVIEWER_2 = "reviewer2@agency.example"
COMMITTEE_MEMBER = "committee@agency.example"
ADMINISTRATOR = "admin@agency.example"

# email, password, first name, last name, groups, superuser
AGENCY_USERS = [
    (REVIEWER, "demo-reviewer-2026", "Camille", "Laurent", (REVIEWERS,), False),
    (REVIEWER_2, "demo-reviewer-2026", "Hugo", "Mercier", (REVIEWERS,), False),
    (COMMITTEE_MEMBER, "demo-committee-2026", "Claire", "Fontaine", (COMMITTEE,), False),
    (ADMINISTRATOR, "demo-admin-2026", "Antoine", "Rousseau", (ADMINISTRATORS,), True),
]
PROVIDER_PASSWORDS = {"owner": "demo-owner-2026", "editor": "demo-editor-2026", "viewer": "demo-viewer-2026"}

# name, country, approval reference (the natural key)
EVALUATION_CENTRES = [
    ("Oppidum Évaluation SAS", "FR", "CESTI-SNC-2023-04"),
    ("Sentinelle Audit & Conseil", "FR", "CESTI-SNC-2025-11"),
]
# One evaluator per centre (registry/evaluation): e-mail, password, first name, last name, the centre's approval reference.
# The first centre evaluates S3NS's dossier in evaluation.
EVALUATORS = [
    ("evaluator@centre-a.example", "demo-evaluator-2026", "Ana", "Évaluatrice", "CESTI-SNC-2023-04"),
    ("evaluator@centre-b.example", "demo-evaluator-2026", "Bruno", "Auditeur", "CESTI-SNC-2025-11"),
]

S = Site.Role
TP = ThirdParty.Kind


def _sites(storage, processing, administration, support, technical_data):
    """Each argument is a list of cities in France; the demo keeps every site inside the EU."""
    roles = (
        (S.STORAGE, storage),
        (S.PROCESSING, processing),
        (S.ADMINISTRATION, administration),
        (S.SUPPORT, support),
        (S.TECHNICAL_DATA, technical_data),
    )
    return [(role, "FR", city, "") for role, cities in roles for city in cities]


# The public texts come in English and French ("description_fr", "scope_fr", "conditions_fr", "suspend_fr"), except
# Oodrive's, left in English to show the fallback: its French pages show the English text, marked lang="en".
# A service's "target" is where seeding leaves its dossier: draft, submitted, resubmitted (back in review after a change
# request the provider answered), evaluation or qualified.
# "by" is the provider member who prepares and submits it; "reviewer" instructs it; "centre" evaluates it (the provider
# files its contract with it, the centre confirms, the reviewer validates; then the centre's plan, grid and report);
# "evaluation" says how far a dossier left in evaluation got: "plan_filed" or "partial_grid".
PROVIDERS = [
    {
        "slug": "ovhcloud",
        "legal_name": "OVH SAS",
        "registration_id": "SIREN 512 384 907",
        "website": "https://www.ovhcloud.com",
        "description": "European cloud provider running its own data centres and servers.",
        "description_fr": "Fournisseur européen de cloud qui exploite ses propres centres de données et serveurs.",
        "countries": ("FR", "FR", "FR"),
        # name, country, capital %, voting %, veto right, appoints board majority
        "shareholders": [
            ("Famille Klaba (Yeliz, Deep Code)", "FR", "71.40", "82.60", False, True),
            ("Flottant (Euronext Paris)", "FR", "17.10", "10.90", False, False),
            ("KKR", "US", "7.20", "4.10", False, False),
            ("TowerBrook Capital Partners", "US", "4.30", "2.40", False, False),
        ],
        "members": [
            ("owner@ovhcloud.example", "owner", "Julie", "Moreau"),
            ("editor@ovhcloud.example", "editor", "Nicolas", "Petit"),
            ("viewer@ovhcloud.example", "viewer", "Sarah", "Garnier"),
        ],
        "services": [
            {
                "slug": "ovhcloud-hosted-private-cloud-snc",
                "name": "Hosted Private Cloud SecNumCloud",
                "model": "iaas",
                "description": "Dedicated virtualisation clusters (compute, storage, network) operated by OVHcloud.",
                "description_fr": "Clusters de virtualisation dédiés (calcul, stockage, réseau) exploités par "
                "OVHcloud.",
                "sites": _sites(
                    ["Roubaix", "Strasbourg"], ["Roubaix", "Strasbourg"], ["Roubaix"], ["Roubaix"], ["Gravelines"]
                ),
                "third_parties": [
                    (
                        "VMware by Broadcom",
                        TP.TECHNOLOGY_LICENSOR,
                        "US",
                        False,
                        "Perpetual licences; the stack is installed, patched and run by OVHcloud staff in France, and "
                        "the licensor has no remote access.",
                    ),
                ],
                "target": "qualified",
                "by": "owner@ovhcloud.example",
                "reviewer": REVIEWER,
                "centre": "CESTI-SNC-2023-04",
                "scope": "Dedicated virtualisation clusters with block and object storage, hosted in the Roubaix and "
                "Strasbourg data centres and administered from Roubaix.",
                "scope_fr": "Hébergement IaaS sur clusters de virtualisation dédiés, avec stockage bloc et objet, "
                "dans les centres de données de Roubaix et de Strasbourg, administré depuis Roubaix.",
                "conditions": "",
            },
            {
                "slug": "ovhcloud-bare-metal-pod",
                "name": "Bare Metal Pod",
                "model": "iaas",
                "description": "Racks of dedicated servers delivered as an isolated, customer-operated pod.",
                "description_fr": "Baies de serveurs dédiés livrées sous forme de pod isolé, exploité par le client.",
                "sites": _sites(["Gravelines"], ["Gravelines"], ["Roubaix"], ["Roubaix"], ["Gravelines"]),
                "third_parties": [],
                "target": "submitted",
                "by": "editor@ovhcloud.example",
            },
        ],
    },
    {
        "slug": "outscale",
        "legal_name": "3DS Outscale SAS",
        "registration_id": "SIREN 527 614 380",
        "website": "https://en.outscale.com",
        "description": "Cloud subsidiary of Dassault Systèmes.",
        "description_fr": "Filiale cloud de Dassault Systèmes.",
        "countries": ("FR", "FR", "FR"),
        "shareholders": [("Dassault Systèmes SE", "FR", "100.00", "100.00", True, True)],
        "members": [("owner@outscale.example", "owner", "Mathieu", "Lambert")],
        "services": [
            {
                "slug": "outscale-cloud-iaas",
                "name": "Outscale Cloud (région cloudgouv-eu-west-1)",
                "model": "iaas",
                "description": "Virtual machines, block storage and virtual private networks in a dedicated region.",
                "description_fr": "Machines virtuelles, stockage bloc et réseaux privés virtuels dans une région "
                "dédiée.",
                "sites": _sites(["Paris"], ["Paris"], ["Saint-Cloud"], ["Saint-Cloud"], ["Paris"]),
                "third_parties": [],
                "target": "qualified",
                "by": "owner@outscale.example",
                "reviewer": REVIEWER,
                "centre": "CESTI-SNC-2025-11",
                "scope": "Compute, block storage and networking of the cloudgouv-eu-west-1 region, operated from "
                "Saint-Cloud.",
                "scope_fr": "Calcul, stockage bloc et réseau de la région cloudgouv-eu-west-1, exploités depuis "
                "Saint-Cloud.",
                "conditions": "",
            },
            {
                "slug": "outscale-kubernetes",
                "name": "Outscale Kubernetes Service",
                "model": "caas",
                "description": "Managed Kubernetes clusters running on the qualified Outscale region.",
                "description_fr": "Clusters Kubernetes gérés, hébergés dans la région Outscale qualifiée.",
                "sites": _sites(["Paris"], ["Paris"], ["Saint-Cloud"], ["Saint-Cloud"], ["Paris"]),
                "third_parties": [],
                "target": "qualified",
                "by": "owner@outscale.example",
                "reviewer": REVIEWER,
                "centre": "CESTI-SNC-2025-11",
                "scope": "Managed Kubernetes control planes and worker nodes in the cloudgouv-eu-west-1 region.",
                "conditions": "Minor non-conformity on 12.11 (deadlines for critical patches) to be closed within six "
                "months.",
                "scope_fr": "Plans de contrôle et nœuds de travail Kubernetes gérés dans la région "
                "cloudgouv-eu-west-1.",
                "conditions_fr": "Non-conformité mineure sur le 12.11 (délais d’application des correctifs critiques) "
                "à lever sous six mois.",
                "minor_finding": "12.11",
                "suspend": "Suspended at the provider’s request while the service moves to a new data centre; the "
                "qualification will be reinstated after a follow-up audit of the new site.",
                "suspend_fr": "Suspendue à la demande du prestataire pendant le déménagement du service vers un "
                "nouveau centre de données ; la qualification sera rétablie après un audit de suivi du nouveau site.",
            },
        ],
    },
    {
        "slug": "oodrive",
        "legal_name": "Oodrive SAS",
        "registration_id": "SIREN 438 219 550",
        "website": "https://www.oodrive.com",
        "description": "French publisher of secure collaboration software: file sharing, e-signature, board portals.",
        "countries": ("FR", "FR", "FR"),
        "shareholders": [
            ("Fondateurs et dirigeants", "FR", "38.00", "45.00", False, False),
            ("Tikehau Capital", "FR", "34.00", "30.00", True, False),
            ("Bpifrance Investissement", "FR", "18.00", "15.00", False, False),
            ("FCPE Oodrive (salariés)", "FR", "10.00", "10.00", False, False),
        ],
        "members": [("owner@oodrive.example", "owner", "Élodie", "Chevalier")],
        "services": [
            {
                "slug": "oodrive-work",
                "name": "Oodrive Work",
                "model": "saas",
                "description": "Secure file sharing and collaboration for sensitive documents.",
                "sites": _sites(
                    ["Aubervilliers", "Lyon"], ["Aubervilliers", "Lyon"], ["Paris"], ["Paris"], ["Aubervilliers"]
                ),
                "third_parties": [
                    (
                        "Hexagone Colocation SAS",
                        TP.HOSTING,
                        "FR",
                        False,
                        "Racks in two colocation facilities run by different companies; the exit plan is tested yearly.",
                    ),
                ],
                "target": "qualified",
                "by": "owner@oodrive.example",
                "reviewer": REVIEWER_2,
                "centre": "CESTI-SNC-2023-04",
                "scope": "The Oodrive Work file-sharing service, its web and desktop clients, hosted in Aubervilliers "
                "and Lyon.",
                "conditions": "",
            },
            {
                "slug": "oodrive-sign",
                "name": "Oodrive Sign",
                "model": "saas",
                "description": "Electronic signature of documents, with a qualified time-stamping option.",
                "description_fr": "Signature électronique de documents, avec une option d’horodatage qualifié.",
                "sites": _sites(["Aubervilliers"], ["Aubervilliers"], ["Paris"], ["Paris"], ["Aubervilliers"]),
                "third_parties": [],
                "target": "resubmitted",
                "by": "owner@oodrive.example",
                "reviewer": REVIEWER,
            },
        ],
    },
    {
        "slug": "bleu",
        "legal_name": "Bleu SAS",
        "registration_id": "SIREN 921 046 732",
        "website": "https://www.bleucloud.fr",
        "description": "Joint venture of Orange and Capgemini offering cloud services built on licensed Microsoft "
        "technology.",
        "description_fr": "Coentreprise d’Orange et de Capgemini proposant des services cloud fondés sur des "
        "technologies Microsoft sous licence.",
        "countries": ("FR", "FR", "FR"),
        "shareholders": [
            ("Orange SA", "FR", "50.00", "50.00", True, False),
            ("Capgemini SE", "FR", "50.00", "50.00", True, False),
        ],
        "members": [("owner@bleu.example", "owner", "Thomas", "Girard")],
        "services": [
            {
                "slug": "bleu-cloud-platform",
                "name": "Bleu Cloud Platform",
                "model": "paas",
                "description": "Compute, databases and application services built on licensed Azure technology, "
                "operated by Bleu.",
                "description_fr": "Calcul, bases de données et services applicatifs fondés sur les technologies Azure "
                "sous licence, exploités par Bleu.",
                "sites": _sites(["Paris"], ["Paris"], ["Paris"], ["Paris"], ["Paris"]),
                "third_parties": [
                    (
                        "Microsoft Corporation",
                        TP.TECHNOLOGY_LICENSOR,
                        "US",
                        False,
                        "Source code in escrow and a build chain run by Bleu; every update is inspected and deployed "
                        "by Bleu staff in France, and Microsoft has no access to the platform.",
                    ),
                ],
                "target": "evaluation",
                "by": "owner@bleu.example",
                "reviewer": REVIEWER_2,
                "centre": "CESTI-SNC-2025-11",
                # Contract validated; the centre's plan waits for its reviewer's validation.
                "evaluation": "plan_filed",
            },
        ],
    },
    {
        "slug": "s3ns",
        "legal_name": "S3NS SAS",
        "registration_id": "SIREN 910 372 615",
        "website": "https://www.s3ns.io",
        "description": "Thales company offering cloud services built on licensed Google Cloud technology.",
        "description_fr": "Société du groupe Thales proposant des services cloud fondés sur les technologies Google "
        "Cloud sous licence.",
        "countries": ("FR", "FR", "FR"),
        "shareholders": [("Thales SA", "FR", "100.00", "100.00", True, True)],
        "members": [("owner@s3ns.example", "owner", "Inès", "Roux")],
        "services": [
            {
                "slug": "s3ns-premi3ns",
                "name": "S3NS PREMI3NS",
                "model": "iaas",
                "description": "Virtual machines, storage and networking on licensed Google Cloud technology, "
                "operated by S3NS.",
                "description_fr": "Machines virtuelles, stockage et réseau sur les technologies Google Cloud sous "
                "licence, exploités par S3NS.",
                "sites": _sites(["Paris"], ["Paris"], ["Paris"], ["Paris"], ["Paris"]),
                "third_parties": [
                    (
                        "Google LLC",
                        TP.TECHNOLOGY_LICENSOR,
                        "US",
                        False,
                        "Software updates are received, verified and deployed by S3NS; keys and operations stay with "
                        "S3NS teams in France and Google has no access to the platform.",
                    ),
                ],
                "target": "evaluation",
                "by": "owner@s3ns.example",
                "reviewer": REVIEWER,
                "centre": "CESTI-SNC-2023-04",
                # Contract and plan validated; the centre has graded part of the requirements.
                "evaluation": "partial_grid",
            },
        ],
    },
    {
        "slug": "nimbus-sante",
        "legal_name": "Nimbus Santé SAS",
        "registration_id": "SIREN 948 551 206",
        "website": "https://www.nimbus-sante.example",
        "description": "Young company hosting electronic patient records for hospitals and clinics.",
        "description_fr": "Jeune entreprise qui héberge des dossiers patients informatisés pour les hôpitaux et "
        "les cliniques.",
        "countries": ("FR", "FR", "FR"),
        "shareholders": [
            ("Fondateurs", "FR", "52.00", "60.00", False, True),
            ("Armor Santé Participations", "FR", "30.00", "28.00", False, False),
            ("Atlantic Health Ventures LLC", "US", "18.00", "12.00", False, False),
        ],
        "members": [("owner@nimbus-sante.example", "owner", "Léa", "Bertrand")],
        "services": [
            {
                "slug": "nimbus-dossier-patient",
                "name": "Nimbus Dossier Patient",
                "model": "saas",
                "description": "Hosted electronic patient record for hospitals and clinics.",
                "description_fr": "Dossier patient informatisé hébergé pour les hôpitaux et les cliniques.",
                "sites": _sites(["Rennes"], ["Rennes"], ["Nantes"], ["Nantes"], ["Rennes"]),
                "third_parties": [],
                "target": "draft",
                "by": "owner@nimbus-sante.example",
            },
        ],
    },
]

# The providers' self-assessment, by chapter: what a real dossier would say, in the language of a French provider.
JUSTIFICATIONS = {
    "5": "Politique de sécurité approuvée par la direction générale et revue chaque année ; analyse de risques "
    "menée selon la méthode EBIOS RM.",
    "6": "Organigramme de la sécurité publié ; responsable de la sécurité du service nommé ; matrice de séparation "
    "des tâches tenue à jour.",
    "7": "Vérifications à l’embauche pour les postes sensibles, clauses de confidentialité au contrat et "
    "sensibilisation annuelle obligatoire.",
    "8": "Inventaire des actifs dans la CMDB, avec propriétaire et niveau de classification pour chaque actif.",
    "9": "Annuaire central ; authentification multifacteur pour tous les accès d’administration ; revue des droits "
    "chaque trimestre.",
    "10": "Algorithmes conformes au guide de sélection cryptographique de l’agence ; clés maîtresses conservées dans "
    "des HSM.",
    "11": "Centres de données en France : contrôle d’accès biométrique, vidéoprotection et gardiennage 24 h/24 ; "
    "destruction des supports tracée.",
    "12": "Procédures d’exploitation dans le référentiel documentaire ; journaux centralisés dans un SIEM opéré "
    "depuis la France ; correctifs suivis par criticité.",
    "13": "Cartographie revue à chaque changement majeur ; réseaux d’administration, de production et des clients "
    "cloisonnés ; sondes de détection qualifiées.",
    "14": "Cycle de développement sécurisé : revue de code, analyse statique et test d’intrusion avant chaque version "
    "majeure.",
    "15": "Liste des tiers tenue à jour et communiquée aux clients ; clauses de sécurité et d’audit dans chaque "
    "contrat.",
    "16": "Astreinte sécurité 24 h/24 ; clients concernés prévenus sous 24 heures ; retour d’expérience après chaque "
    "incident.",
    "17": "Plan de continuité éprouvé deux fois par an sur deux centres de données distants ; sauvegarde proposée aux "
    "clients en option.",
    "18": "Veille juridique par la direction juridique ; audit interne annuel et tests d’intrusion par un prestataire "
    "qualifié.",
    "19": "Convention de service de droit français ; données, administration et support dans l’Union européenne ; "
    "aucune entité extra-européenne ne contrôle le prestataire.",
}
# One honest "partially met" per dossier makes the demo look like real self-assessments.
PARTIAL = (
    "12.11",
    "Correctifs critiques appliqués sous 15 jours ; l’objectif de 7 jours sera atteint au prochain trimestre.",
)

DOCUMENT_TITLES = {
    "security_policy": "Politique de sécurité de l’information",
    "risk_analysis": "Analyse de risques (EBIOS RM)",
    "extra_eu_risks": "Risques résiduels liés aux lois extra-européennes",
    "service_agreement": "Convention de service",
    "evaluation_report": "Rapport d’évaluation",
    "evaluation_contract": "Contrat d’évaluation signé",
}

# The centre's plan of a demo evaluation: scope, team (the lead first), and how many days it runs.
EVALUATION_PLAN = {
    "scope": "Le service tel que décrit au dossier : sa plateforme, ses équipes d’exploitation et de support, la "
    "protection contre les lois extra-européennes (chapitre 19) et les mesures de sécurité du référentiel, sur tous "
    "les sites du service.",
    "lead": "responsable de l’évaluation, mesures organisationnelles et juridiques",
    "team": "Second évaluateur, mesures techniques et tests d’intrusion",
    "days": 45,
}
# The requirements the centre graded on the dossier left with a partial grid.
PARTIAL_GRID = ("5.3", "19.2")
EVIDENCE_REVIEWED = (
    "Politique de sécurité, analyse de risques et procédures de l’équipe d’exploitation ; entretiens sur site."
)
# Which requirements each provider document backs up.
EVIDENCE = {
    "security_policy": ("5.1", "5.2"),
    "risk_analysis": ("5.3",),
    "extra_eu_risks": ("5.3", "19.6"),
    "service_agreement": ("19.1", "19.4"),
}
CONFORM_FINDINGS = ("5.3", "19.2", "19.6")

# The "resubmitted" dossier: the reviewer's findings (the internal one stays with the agency), the change request, and
# how the provider answered it: a corrected answer, a new version of a document and a message.
CHANGE_REQUEST_FINDINGS = (
    (
        "19.6",
        "major",
        "L’analyse des risques résiduels ne traite pas de l’accès du support de l’éditeur américain.",
        False,
    ),
    ("12.11", "minor", "Le délai de 15 jours pour les correctifs critiques dépasse l’exigence de 7 jours.", False),
    ("5.3", "minor", "Vérifier à l’audit que l’analyse de risques EBIOS RM est bien celle de 2026.", True),
)
CHANGE_REQUEST = (
    "Merci de compléter l’analyse des risques extra-européens (19.6) et de préciser le calendrier des correctifs."
)
CHANGED_ANSWER = (
    "19.6",
    "Convention de service de droit français ; données, administration et support dans l’Union européenne. Le support "
    "de l’éditeur n’a aucun accès aux données : les journaux lui sont transmis anonymisés (analyse mise à jour, v2).",
)
CHANGE_REPLY = (
    "Nous avons mis à jour l’analyse des risques extra-européens (version 2) et la réponse à l’exigence 19.6."
)
