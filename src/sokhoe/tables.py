"""Imports every bounded context's models, so ``Base.metadata`` holds all tables.

Alembic's autogenerate and the test suite's schema checks read the metadata from here.
"""

from sokhoe.access import consent_models as access_consent_models
from sokhoe.access import models as access_models
from sokhoe.campaign import establishment_models as campaign_establishment_models
from sokhoe.campaign import head_models as campaign_head_models
from sokhoe.campaign import indicator_models as campaign_indicator_models
from sokhoe.campaign import models as campaign_models
from sokhoe.campaign import report_models as campaign_report_models
from sokhoe.insurance import models as insurance_models
from sokhoe.insurance import paper_card_models as insurance_paper_card_models
from sokhoe.insurance import passcode_models as insurance_passcode_models
from sokhoe.insurance import request_models as insurance_request_models
from sokhoe.reconcile import models as reconcile_models
from sokhoe.records import check_in_models as records_check_in_models
from sokhoe.records import models as records_models
from sokhoe.registry import models as registry_models

__all__ = [
    "access_consent_models",
    "access_models",
    "campaign_establishment_models",
    "campaign_head_models",
    "campaign_indicator_models",
    "campaign_models",
    "campaign_report_models",
    "insurance_models",
    "insurance_paper_card_models",
    "insurance_passcode_models",
    "insurance_request_models",
    "reconcile_models",
    "records_check_in_models",
    "records_models",
    "registry_models",
]
