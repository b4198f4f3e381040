# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.5.0: the score stores its customer's salesperson, sales team (the salesperson's), industry, country
and state (related fields, for pivots and the workbook). The columns are created and filled here with one
statement, so that the upgrade does not compute them score by score (a million scores would take many minutes)."""


def migrate(cr, version):
    cr.execute(
        """ALTER TABLE crm_loyalty_score
               ADD COLUMN IF NOT EXISTS user_id integer,
               ADD COLUMN IF NOT EXISTS team_id integer,
               ADD COLUMN IF NOT EXISTS industry_id integer,
               ADD COLUMN IF NOT EXISTS country_id integer,
               ADD COLUMN IF NOT EXISTS state_id integer"""
    )
    cr.execute(
        """UPDATE crm_loyalty_score score
              SET user_id = partner.user_id, team_id = salesperson.sale_team_id, industry_id = partner.industry_id,
                  country_id = partner.country_id, state_id = partner.state_id
             FROM res_partner partner
        LEFT JOIN res_users salesperson ON salesperson.id = partner.user_id
            WHERE partner.id = score.partner_id"""
    )
