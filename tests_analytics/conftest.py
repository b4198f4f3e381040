"""Make the addon's pure analytics package importable without Odoo."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "crm_loyalty"))
