# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.4.0: the share-of-wallet figures of the scores are stored computed fields. No score has an
estimate yet, so they are all empty: the columns are created here, empty, so that the upgrade does not
compute them for every score (a million scores would take minutes)."""


def migrate(cr, version):
    cr.execute(
        """ALTER TABLE crm_loyalty_score
               ADD COLUMN IF NOT EXISTS wallet_estimate numeric,
               ADD COLUMN IF NOT EXISTS wallet_date date,
               ADD COLUMN IF NOT EXISTS wallet_revenue numeric,
               ADD COLUMN IF NOT EXISTS wallet_share double precision,
               ADD COLUMN IF NOT EXISTS wallet_potential numeric"""
    )
