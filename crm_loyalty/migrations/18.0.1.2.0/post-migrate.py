# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.2.0: drop the score columns that are now read live (see pre-migrate)."""


def migrate(cr, version):
    cr.execute(
        """ALTER TABLE crm_loyalty_score
             DROP COLUMN IF EXISTS rank, DROP COLUMN IF EXISTS recency_days, DROP COLUMN IF EXISTS tenure_days"""
    )
