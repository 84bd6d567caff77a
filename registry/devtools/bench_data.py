"""The vocabulary `manage.py seed_bench` draws its invented registry from: places, names, texts and the odds of each
outcome. Every name is made up (no real company); the figures only have to look plausible at scale.
"""

from registry.providers.models import Site, ThirdParty

# Country: cities that host data centres or offices there. Most of the registry lives in the EU.
EU_CITIES = {
    "FR": ["Paris", "Roubaix", "Strasbourg", "Lyon", "Marseille", "Rennes", "Toulouse", "Lille", "Nantes"],
    "DE": ["Frankfurt am Main", "Berlin", "Munich", "Hamburg", "Nuremberg", "Falkenstein"],
    "NL": ["Amsterdam", "Rotterdam", "Eindhoven", "Groningen"],
    "BE": ["Brussels", "Antwerp", "Ghent"],
    "LU": ["Luxembourg", "Bettembourg"],
    "IE": ["Dublin", "Cork"],
    "ES": ["Madrid", "Barcelona", "Bilbao"],
    "IT": ["Milan", "Turin", "Rome"],
    "AT": ["Vienna", "Graz"],
    "SE": ["Stockholm", "Gothenburg"],
    "FI": ["Helsinki", "Espoo"],
    "DK": ["Copenhagen", "Aarhus"],
    "PL": ["Warsaw", "Kraków"],
    "PT": ["Lisbon", "Porto"],
    "CZ": ["Prague", "Brno"],
}
# Weights of the providers' home countries (the agency is French: most applicants are too).
HOME_COUNTRY_WEIGHTS = {"FR": 55, "DE": 10, "NL": 6, "BE": 5, "LU": 4, "IE": 3, "ES": 4, "IT": 4, "AT": 2, "SE": 2,
                        "FI": 1, "DK": 1, "PL": 1, "PT": 1, "CZ": 1}  # fmt: skip
NON_EU_CITIES = {
    "US": ["Seattle", "San Jose", "Austin", "Ashburn"],
    "GB": ["London", "Manchester"],
    "CH": ["Zurich", "Geneva"],
    "IN": ["Bangalore", "Pune"],
    "CA": ["Montreal", "Toronto"],
    "SG": ["Singapore"],
    "JP": ["Tokyo"],
    "MA": ["Casablanca", "Rabat"],
}
LEGAL_FORMS = {
    "FR": ["SAS", "SA", "SARL"], "DE": ["GmbH", "AG"], "NL": ["B.V.", "N.V."], "BE": ["SA", "SRL"],
    "LU": ["S.A.", "S.à r.l."], "IE": ["Limited", "DAC"], "ES": ["S.L.", "S.A."], "IT": ["S.p.A.", "S.r.l."],
    "AT": ["GmbH"], "SE": ["AB"], "FI": ["Oy"], "DK": ["A/S", "ApS"], "PL": ["sp. z o.o.", "S.A."],
    "PT": ["Lda.", "S.A."], "CZ": ["s.r.o.", "a.s."],
}  # fmt: skip

BRAND_HEADS = ["Nord", "Alti", "Azur", "Celt", "Hexa", "Oro", "Vela", "Lumi", "Sil", "Arde", "Brume", "Cobal",
               "Delta", "Ember", "Fjord", "Gran", "Helio", "Iris", "Jade", "Kryo", "Lago", "Mist", "Nimb", "Opal",
               "Pyra", "Quart", "Rhen", "Sequa", "Tarn", "Ulm", "Vosg", "Wald", "Xylo", "Ysel", "Zeph", "Ardo",
               "Basal", "Cirr", "Doré", "Estu"]  # fmt: skip
BRAND_TAILS = ["cloud", "data", "host", "net", "sphere", "stack", "vault", "grid", "core", "scale", "node", "wave",
               "line", "park", "forge", "gate", "bay", "field", "rock", "stream"]  # fmt: skip
BRAND_KINDS = ["Cloud", "Hosting", "Digital", "Systems", "Technologies", "Data Centres", "Infrastructure", "Services"]

EU_HOLDERS = ["Founders", "Management and employees", "Caisse des Dépôts", "Bpifrance Participations",
              "Eurazeo", "Tikehau Capital", "Ardian", "EQT Partners", "Partners Group Europe", "Mutuelle Générale",
              "Regional investment fund", "Family holding"]  # fmt: skip
NON_EU_HOLDERS = [("Blackstone", "US"), ("KKR", "US"), ("Carlyle Group", "US"), ("Silver Lake", "US"),
                  ("Temasek", "SG"), ("CDPQ", "CA"), ("Softbank Vision Fund", "JP"), ("Permira UK", "GB"),
                  ("Swiss Re Private Equity", "CH")]  # fmt: skip

# Service model: weight, product names, the scope printed on a certificate.
PRODUCTS = {
    "iaas": (35, ["Compute", "Bare Metal", "Private Cloud", "Block Storage", "Object Storage", "Virtual Data Centre",
                  "Backup", "GPU Compute", "Dedicated Servers"],
             "Virtual machines, storage and networking operated by the provider in its own data centres."),
    "caas": (15, ["Kubernetes", "Managed Containers", "Container Platform", "Container Registry"],
             "Managed container clusters, their control plane and registry, run on qualified infrastructure."),
    "paas": (20, ["Managed PostgreSQL", "Data Platform", "Serverless Functions", "Message Queue", "AI Platform",
                  "Managed Databases", "Search Service"],
             "A managed platform service: the provider runs the software, its updates, backups and monitoring."),
    "saas": (30, ["Collaboration Suite", "E-signature", "Secure File Sharing", "Health Data Hosting", "Mail",
                  "Video Conferencing", "HR Suite", "ERP", "Electronic Archiving", "Secure Messaging"],
             "The application, its data and the infrastructure below it, operated end to end by the provider."),
}  # fmt: skip
EDITIONS = ["", "", "", "Sovereign", "EU", "Gov", "Pro", "Secure", "Enterprise", "2", "Premium", "Health"]

# What sits at each kind of site, for the optional roles beyond storage and processing.
OPTIONAL_SITE_ROLES = [Site.Role.ADMINISTRATION, Site.Role.SUPPORT, Site.Role.TECHNICAL_DATA]
SUPPORT_OPERATIONS = "Level 1 support only: reading tickets and service status, no access to customer data."

THIRD_PARTIES = [
    ("Hyperstack Technologies Inc.", ThirdParty.Kind.TECHNOLOGY_LICENSOR, "US"),
    ("Opencore Virtualisation GmbH", ThirdParty.Kind.TECHNOLOGY_LICENSOR, "DE"),
    ("Linuxia Enterprise SAS", ThirdParty.Kind.TECHNOLOGY_LICENSOR, "FR"),
    ("Quantum Storage Systems Corp.", ThirdParty.Kind.TECHNOLOGY_LICENSOR, "US"),
    ("Nordic Database AB", ThirdParty.Kind.TECHNOLOGY_LICENSOR, "SE"),
    ("Datacentre Partners SA", ThirdParty.Kind.HOSTING, "FR"),
    ("Rhein Colocation GmbH", ThirdParty.Kind.HOSTING, "DE"),
    ("Polder Housing B.V.", ThirdParty.Kind.HOSTING, "NL"),
    ("Atlantic Facilities Ltd", ThirdParty.Kind.HOSTING, "GB"),
    ("Servitec Infogérance SAS", ThirdParty.Kind.SUBCONTRACTOR, "FR"),
    ("Helpdesk Offshore Pvt Ltd", ThirdParty.Kind.SUBCONTRACTOR, "IN"),
    ("Secure Ops Consulting SARL", ThirdParty.Kind.SUBCONTRACTOR, "FR"),
    ("Alpen Managed Services AG", ThirdParty.Kind.SUBCONTRACTOR, "CH"),
    ("Iberia Network Services S.L.", ThirdParty.Kind.SUBCONTRACTOR, "ES"),
]
AUTONOMY_EVIDENCE = [
    "Two alternative suppliers under contract; a switch was rehearsed last year.",
    "The provider's own engineers build, patch and run the stack; the licensor has no remote access.",
    "Perpetual licences and source escrow; operations are carried out by the provider's staff in the EU.",
    "",
]

# Who signs a seeded dossier's declaration (Dossier.declared_by_name and declared_by_capacity).
SIGNATORY = "Camille Durand"
SIGNATORY_CAPACITY = "Chief executive officer"

REVIEW_COMMENTS = {
    "request_changes": [
        "The risk analysis does not cover the administration network; please complete chapter 9.",
        "Requirement 19.6 answer lacks the shareholders' voting agreements.",
        "The extra-EU residual risks document is missing its signature page.",
    ],
    "reject": [
        "Major non-conformities on access control (chapter 9) remain after the evaluation.",
        "The provider's control by a non-EU entity exceeds what rule 19.6 allows.",
    ],
    "declare_inadmissible": [
        "The service described does not match the scope of the scheme.",
        "The evaluation contract could not be concluded with an approved centre.",
    ],
    "send_back": ["The report does not cover the backup site; please complete the evaluation."],
    "withdraw": ["Service retired from the catalogue.", "We will apply again after our data centre move.", ""],
}
SUSPENSION_REASONS = [
    "Security incident under investigation (notified to the agency).",
    "Surveillance audit overdue.",
    "Change of control of the provider under review (rule 19.6).",
]
REINSTATEMENT_REASONS = ["Corrective measures verified by the evaluation centre.", "Surveillance audit completed."]
WITHDRAWAL_REASONS = [
    "Service discontinued by the provider.",
    "Non-conformities not corrected within the time allowed.",
    "The provider asked for the withdrawal.",
]
CONDITIONS = [
    "",
    "",
    "",
    "Subject to a surveillance audit within 12 months.",
    "Critical patches to be applied within 7 days; evidence at the next surveillance audit.",
]
JUSTIFICATION = "Described in the security policy and checked by the internal audit of the year."
PARTIAL_JUSTIFICATION = "Rolled out on the main site; the backup site follows within six months."
NOT_APPLICABLE_JUSTIFICATION = "Not offered by this service."

# Odds: how many certificates a service holds over time, and where the latest one stands today.
CERTIFICATE_COUNT_WEIGHTS = {1: 45, 2: 35, 3: 20}
LAST_CERTIFICATE_WEIGHTS = {"active": 72, "suspended": 6, "withdrawn": 7, "expired": 15}
# A dossier still in progress, by status (when the service has one).
OPEN_STATUS_WEIGHTS = {"draft": 20, "submitted": 20, "in_review": 15, "changes_requested": 10, "evaluation": 20,
                       "decision": 15}  # fmt: skip
# Days before each action, counted from the previous one (min, max).
STEP_DAYS = {
    "submit": (15, 60), "take": (1, 10), "request_changes": (3, 15), "resubmit": (7, 30), "admit": (5, 25),
    "report": (60, 180), "qualify": (14, 45), "reject": (14, 45), "send_back": (7, 20),
    "declare_inadmissible": (3, 15), "withdraw": (5, 60),
}  # fmt: skip
# Share of dossiers that carry a full self-assessment (one answer per applicable requirement, ~90 rows each).
ANSWERED_SHARE = 0.01
