from . import crm_loyalty_override_wizard
from . import base_partner_merge_automatic_wizard
