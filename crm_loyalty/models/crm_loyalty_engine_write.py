# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Engine, staging of the changed scores, write, notify and finish steps."""

import io

from odoo import api, fields, models
from odoo.tools import SQL, format_amount

from ..loyalty_analytics import LEVEL_CODES

NOTIFY_BATCH = 500


# one engine in three files of a few hundred lines each (steps, compute, write): not merged on purpose
class CrmLoyaltyEngine(models.AbstractModel):
    _inherit = "crm.loyalty.engine"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _loyalty_stage(self, run, rows):
        """Create the run's staging table and COPY ``rows`` into it, in chunks."""
        cr = self.env.cr
        table = self._loyalty_stage_table(run)
        stage_columns = self._loyalty_stage_columns()
        self._loyalty_drop_stage(run)
        cr.execute(
            SQL(
                "CREATE UNLOGGED TABLE %s (%s)",
                table,
                SQL(", ").join(SQL("%s %s", SQL.identifier(name), SQL(kind)) for name, kind in stage_columns),
            )
        )
        columns = [name for name, _kind in stage_columns]
        for start in range(0, len(rows), 100_000):
            # chunk by chunk: no copy of all the rows
            chunk = rows.iloc[start : start + 100_000].reindex(columns=columns)
            for name, kind in stage_columns:
                if kind == "integer":  # not 12.0 in the CSV once removed rows bring empty values
                    chunk[name] = chunk[name].astype("Int64")
            buffer = io.StringIO()
            chunk.to_csv(buffer, index=False, header=False, na_rep="")
            buffer.seek(0)
            cr.copy_expert(cr.mogrify(SQL("COPY %s FROM STDIN WITH (FORMAT csv)", table)).decode(), buffer)
        cr.execute(SQL("CREATE UNIQUE INDEX ON %s (partner_id)", table))
        cr.execute(SQL("ANALYZE %s", table))

    @api.model
    def _loyalty_keep_changes(self, run):
        """Keep aside the level changes the run's staged scores make (the run's changes table), at the end of
        the compute step: nothing changes the company's scores until the switch (the run holds it), and the
        switch stays short. Removed customers move to no level."""
        cr = self.env.cr
        stage = self._loyalty_stage_table(run)
        changes = self._loyalty_changes_table(run)
        company = run.company_id
        self.env["crm.loyalty.score"].flush_model()
        self.env["crm.loyalty.history"].flush_model()
        params = {"company": company.id, "reason": run.trigger, "stage": stage, "changes": changes}
        # the level before: the score's; after a history rebuild, a customer without score yet continues
        # its rebuilt history (no "new" row when its level did not change since the last month-end)
        if run.history_months:
            before = SQL(
                """COALESCE(score.level_id, (SELECT last.level_to_id FROM crm_loyalty_history last
                                              WHERE last.partner_id = stage.partner_id
                                                AND last.company_id = %(company)s
                                           ORDER BY last.date DESC, last.id DESC LIMIT 1))""",
                company=company.id,
            )
        else:
            before = SQL("score.level_id")
        cr.execute(SQL("DROP TABLE IF EXISTS %s", changes))
        cr.execute(
            SQL(
                """
                CREATE UNLOGGED TABLE %(changes)s AS
                SELECT changed.partner_id, changed.level_from, changed.level_to, changed.reason, changed.note
                  FROM (SELECT stage.partner_id, %(before)s AS level_from,
                               CASE WHEN stage.removed THEN NULL
                                    ELSE COALESCE(score.override_level_id, stage.computed_level_id) END AS level_to,
                               COALESCE(stage.change_reason, %(reason)s) AS reason,
                               -- why, when the ranks say it (an override in force says nothing of them)
                               CASE WHEN score.override_level_id IS NULL AND NOT stage.removed
                                    THEN stage.change_note END AS note
                          FROM %(stage)s stage
                     LEFT JOIN crm_loyalty_score score
                            ON score.partner_id = stage.partner_id AND score.company_id = %(company)s
                         WHERE EXISTS (SELECT 1 FROM res_partner partner WHERE partner.id = stage.partner_id)
                       ) changed
                 WHERE changed.level_from IS DISTINCT FROM changed.level_to
                """,
                before=before,
                **params,
            )
        )

    @api.model
    def _loyalty_write(self, run):
        """Switch to the new pyramid in one transaction: the changed and new scores, and the scores of
        partners that are no longer customers go. The level changes, kept aside by the compute step
        (:meth:`_loyalty_keep_changes`), become history rows in the next step (:meth:`_loyalty_log`): the
        switch stays short at any size."""
        cr = self.env.cr
        stage = self._loyalty_stage_table(run)
        company = run.company_id
        self.env["crm.loyalty.score"].flush_model()
        params = {
            "company": company.id,
            "run": run.id,
            "uid": self.env.uid,
            "now": fields.Datetime.now(),
            "stage": stage,
        }
        # the elastic flag: the two flags the run computes, beside the two set by hand on the score
        scores = self.env["crm.loyalty.score"]
        computed = {"elastic_positive_clv": "stage", "elastic_price_insensitive": "stage"}
        params["elastic_update"] = scores._loyalty_elastic_sql(**computed)
        params["elastic_insert"] = scores._loyalty_elastic_sql(
            **computed, elastic_innovative=None, elastic_influential=None
        )
        cr.execute(
            SQL(
                """
                DELETE FROM crm_loyalty_score score
                 USING %(stage)s stage
                 WHERE stage.removed AND stage.partner_id = score.partner_id AND score.company_id = %(company)s
                """,
                **params,
            )
        )
        deleted = cr.rowcount
        value_columns = [name for name, _kind in self._loyalty_score_columns() if name != "partner_id"] + [
            "values_hash"
        ]
        cr.execute(
            SQL(
                """
                UPDATE crm_loyalty_score score
                   SET %(assignments)s,
                       level_id = COALESCE(score.override_level_id, stage.computed_level_id),
                       level_sequence = level.sequence,
                       is_elastic = %(elastic_update)s,
                       run_id = %(run)s, date_computed = %(now)s, write_uid = %(uid)s, write_date = %(now)s
                  FROM %(stage)s stage, crm_loyalty_level level
                 WHERE NOT stage.removed
                   AND score.partner_id = stage.partner_id
                   AND score.company_id = %(company)s
                   AND level.id = COALESCE(score.override_level_id, stage.computed_level_id)
                """,
                assignments=SQL(", ").join(
                    SQL("%s = stage.%s", SQL.identifier(name), SQL.identifier(name)) for name in value_columns
                ),
                **params,
            )
        )
        updated = cr.rowcount
        cr.execute(
            SQL(
                """
                INSERT INTO crm_loyalty_score (partner_id, company_id, %(columns)s, level_id, level_sequence,
                                               is_elastic, run_id, date_computed,
                                               create_uid, create_date, write_uid, write_date)
                SELECT stage.partner_id, %(company)s, %(stage_columns)s, stage.computed_level_id, level.sequence,
                       %(elastic_insert)s,
                       %(run)s, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM %(stage)s stage
                  JOIN crm_loyalty_level level ON level.id = stage.computed_level_id
                  JOIN res_partner partner ON partner.id = stage.partner_id
                 WHERE NOT stage.removed
                    ON CONFLICT (partner_id, company_id) DO NOTHING
                """,
                columns=SQL(", ").join(SQL.identifier(name) for name in value_columns),
                stage_columns=SQL(", ").join(SQL("stage.%s", SQL.identifier(name)) for name in value_columns),
                **params,
            )
        )
        inserted = cr.rowcount
        self.env["crm.loyalty.score"].invalidate_model()
        run.write({"written_count": updated + inserted + deleted})

    @api.model
    def _loyalty_log(self, run):
        """The history rows of the run's level changes (kept aside by the switch), in one transaction."""
        cr = self.env.cr
        if run.written_count > max(1000, run.partner_count // 10):
            # fresh statistics after a mass write (not in the switch, kept short): the planner would take a
            # company's first scores for an empty table; a nightly run's few changes are autovacuum's
            cr.execute("ANALYZE crm_loyalty_score")
        self.env["crm.loyalty.history"].flush_model()
        cr.execute(
            SQL(
                """
                INSERT INTO crm_loyalty_history (date, partner_id, company_id, level_from_id, level_to_id, reason,
                                                 note, run_id, user_id, create_uid, create_date, write_uid, write_date)
                SELECT %(now)s, changes.partner_id, %(company)s, changes.level_from, changes.level_to,
                       changes.reason, changes.note, %(run)s, %(uid)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM %(changes)s changes
                """,
                changes=self._loyalty_changes_table(run),
                company=run.company_id.id,
                run=run.id,
                uid=self.env.uid,
                now=fields.Datetime.now(),
            )
        )
        self.env["crm.loyalty.history"].invalidate_model()
        run.write({"change_count": cr.rowcount})

    @api.model
    def _loyalty_notify_key_accounts(self, run):
        """Default manager for new key accounts, and a to-do activity for the manager on every change,
        for the next batch of the run's key account changes.

        :returns: whether every change is notified
        """
        stage = self._loyalty_stage_table(run)
        company = run.company_id
        self.env.cr.execute(
            SQL(
                """SELECT partner_id, key_change FROM %s
                    WHERE key_change IS NOT NULL AND partner_id > %s
                 ORDER BY partner_id LIMIT %s""",
                stage,
                run.notified_partner_id,
                NOTIFY_BATCH,
            )
        )
        changes = dict(self.env.cr.fetchall())
        if not changes:
            return True
        scores = self.env["crm.loyalty.score"].search(
            [("company_id", "=", company.id), ("partner_id", "in", list(changes))]
        )
        default_manager = company.loyalty_customer_manager_id
        if default_manager:
            scores.filtered(lambda s: s.is_key_account and not s.key_account_manager_id).write(
                {"key_account_manager_id": default_manager.id}
            )
        for score in scores:
            manager = score.key_account_manager_id or default_manager or score.partner_id.user_id
            if not manager:
                continue
            if changes[score.partner_id.id]:
                summary = self.env._("New key account")
                note = self.env._(
                    "%(partner)s reached the key account volume of %(company)s: revenue %(revenue)s in the ranking "
                    "window.",
                    partner=score.partner_id.display_name,
                    company=company.display_name,
                    revenue=format_amount(self.env, score.revenue_window, company.currency_id),
                )
            else:
                summary = self.env._("No longer a key account")
                note = self.env._(
                    "%(partner)s fell under the key account volume of %(company)s.",
                    partner=score.partner_id.display_name,
                    company=company.display_name,
                )
            score.partner_id.with_company(company).activity_schedule(
                "mail.mail_activity_data_todo", user_id=manager.id, summary=summary, note=note
            )
        run.notified_partner_id = max(changes)
        return len(changes) < NOTIFY_BATCH

    @api.model
    def _loyalty_finish(self, run):
        company = run.company_id
        run._loyalty_start_finish()
        self.env["crm.loyalty.score"]._loyalty_after_write_back(company, run, run.reference_date)
        counts = self.env["crm.loyalty.score"]._loyalty_level_counts(company)
        self._loyalty_drop_stage(run)
        run.write({f"count_{code}": counts.get(code, 0) for code in LEVEL_CODES})
