# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Walls found by introspection, so that a new model, field, report, sheet or context key cannot escape them:

* every model of the module with a ``company_id`` has a company rule that holds for a user of another
  company (read, write, create, unlink) and a company that does not move;
* every figure of the module (every readable field of every model, the fields added to other models, every
  QWeb report, every workbook sheet, the dashboard) walked as an own-documents salesperson and as a user of
  another company: nothing of a colleague's customer shows;
* every context key the module reads, tried with values beyond the user's rights.

The matrix of user kinds x checks is logged (``crm_loyalty.tests.test_walls``) at the end of each walk."""

import base64
import io
import logging
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common_walls import KINDS, MODULES, WallsCommon

_logger = logging.getLogger(__name__)
REFUSALS = UserError  # AccessError and ValidationError are UserErrors: a sentence, no traceback
ADDON_DIRS = [Path(__file__).resolve().parents[2] / module for module in MODULES]


def module_models(env, with_company=False):
    """Names of the concrete models of the module (and its bridges), with a ``company_id`` when asked."""
    return sorted(
        name
        for name, model in env.registry.items()
        if model._original_module in MODULES
        and not model._abstract
        and (not with_company or "company_id" in model._fields)
    )


@freeze_time(WallsCommon.today)
@tagged("post_install", "-at_install")
class TestWalls(WallsCommon):
    # ------------------------------------------------------------------
    # company integrity, on every company-bound model
    # ------------------------------------------------------------------

    def _company_records(self):
        """A record of the first company of every company-bound model (a new model must be added here)."""
        env = self.env
        dashboard = env["crm.loyalty.dashboard"].create({})
        wizard = env["crm.loyalty.override.wizard"].create(
            {"partner_id": self.mine.id, "level_id": self.levels["big"].id, "reason": "Test"}
        )
        first = {("company_id", "=", self.company.id)}

        def one(model):
            return env[model].search(list(first), limit=1)

        records = {
            name: one(name)
            for name in (
                "crm.loyalty.level",
                "crm.loyalty.score",
                "crm.loyalty.history",
                "crm.loyalty.run",
                "crm.loyalty.backtest",
                "crm.loyalty.backtest.line",
                "crm.loyalty.kpi",
                "crm.loyalty.economics.line",
                "crm.loyalty.migration.line",
                "crm.loyalty.sales.report",
            )
        }
        records.update(
            {
                "crm.loyalty.wallet": self.my_estimate,
                "crm.loyalty.visit": self.my_visit,
                "crm.loyalty.visit.plan": self.plan,
                "crm.loyalty.economics": self.economics,
                "crm.loyalty.scenario": self.scenario,
                "crm.loyalty.scenario.line": self.scenario.line_ids,
                "crm.loyalty.migration": self.migration,
                "crm.loyalty.target": self.targets[:1],
                "crm.loyalty.dashboard": dashboard,
                "crm.loyalty.override.wizard": wizard,
                "crm.loyalty.move": env["crm.loyalty.move"].search([("company_id", "=", self.company.id)], limit=1),
                "crm.loyalty.move.cost": env["crm.loyalty.move.cost"].search(
                    [("company_id", "=", self.company.id)], limit=1
                ),
            }
        )
        if "crm.loyalty.ticket.report" in env:
            records["crm.loyalty.ticket.report"] = env["crm.loyalty.ticket.report"]  # no ticket here
        return records

    def test_company_rules_and_moves(self):
        records = self._company_records()
        models = module_models(self.env, with_company=True)
        self.assertEqual(sorted(records), models, "every company-bound model has a record to attack")
        rules = self.env["ir.rule"].sudo().search([("model_id.model", "in", models), ("groups", "=", False)])
        other, both = self._env("other_company"), self._env("both")
        matrix = Counter()
        for name in models:
            record = records[name]
            with self.subTest(model=name):
                self.assertTrue(
                    rules.filtered(
                        lambda rule, name=name: rule.model_id.model == name and "company_id" in rule.domain_force
                    ),
                    "a global company rule",
                )
                if not record:
                    continue
                mine = record.with_env(other)
                # read, write, unlink: refused; search: nothing
                self.assertFalse(other[name].search([("id", "=", record.id)]))
                for operation in (
                    lambda mine=mine: mine.read(["company_id"]),
                    lambda mine=mine: mine.write({"create_uid": other.uid}),
                    lambda mine=mine: mine.unlink(),
                ):
                    with self.env.cr.savepoint(), self.assertRaises(REFUSALS):
                        operation()
                    matrix["other_company", "read/write/unlink"] += 1
                # create: the rules (or the access rights) refuse such a record to the other company's user
                self.assertFalse(mine._filtered_access("create"), "a record of the first company, created")
                matrix["other_company", "create"] += 1
                # moving a record into the second company, even by a manager of both: refused
                field = self.env[name]._fields["company_id"]
                if field.type != "many2one" or not field.store or self.env[name]._auto is False:
                    continue  # the engine's tables and the reports: nobody writes them (refused above)
                with self.env.cr.savepoint(), self.assertRaises(REFUSALS):
                    record.with_env(both).write({"company_id": self.other_company.id})
                    record.with_env(both).flush_recordset()
                matrix["both", "move"] += 1
                self.assertEqual(record.company_id, self.company, "not moved")
        # creating in the first company as a user of the second: refused (every creatable model)
        Visit = other["crm.loyalty.visit"]
        with self.env.cr.savepoint(), self.assertRaises(REFUSALS):
            Visit.create(
                {
                    "partner_id": self.nobody.id,
                    "user_id": other.uid,
                    "date_planned": self.today,
                    "company_id": self.company.id,
                }
            )
        with self.env.cr.savepoint(), self.assertRaises(REFUSALS):
            other["crm.loyalty.level"].create({"name": "Mine", "code": "top", "company_id": self.company.id})
        _logger.info("company walls: %s", dict(matrix))

    def test_company_free_until_computed(self):
        """Economics and migrations change company until computed, and only into an allowed company."""
        env = self._env("both")
        fresh = env["crm.loyalty.migration"].create({"date_a": self.today - timedelta(days=30), "date_b": self.today})
        fresh.company_id = self.other_company
        self.assertEqual(fresh.company_id, self.other_company)
        with self.assertRaisesRegex(AccessError, "not allowed to work in the company"):
            fresh.with_env(self._env("other_company")).write({"company_id": self.company.id})
        fresh.action_compute()
        with self.assertRaisesRegex(UserError, "cannot move to another company"):
            fresh.company_id = self.company

    # ------------------------------------------------------------------
    # every figure, walked
    # ------------------------------------------------------------------

    def _record_refs(self, env):
        """Records of the first company an attacker of ``env`` must not reach: every record about Theirs Ltd
        (for the own-documents salesperson) or every record of the first company (for the other company)."""
        if env.uid == self.users["other_company"].id:
            models = set(module_models(self.env, with_company=True))
            return lambda model, ids: bool(
                model in models
                and self.env[model].sudo().browse(ids).exists().filtered(lambda r: r.company_id == self.company)
            )
        theirs = {
            "crm.loyalty.score": self.their_score.ids,
            "crm.loyalty.wallet": self.their_estimate.ids,
            "crm.loyalty.visit": self.their_visit.ids,
            "crm.loyalty.history": self.env["crm.loyalty.history"].search([("partner_id", "=", self.theirs.id)]).ids,
        }
        return lambda model, ids: bool(set(theirs.get(model, ())) & set(ids))

    def _walk_records(self, env, records, fnames, forbidden, label):
        """Read ``fnames`` of ``records`` with ``env``: the leaks found."""
        leaks = []
        partner_fields = [
            name
            for name in fnames
            if records._fields[name].type == "many2one" and records._fields[name].comodel_name == "res.partner"
        ]
        for row in records.with_env(env).read(fnames):
            about_theirs = any(row[name] and row[name][0] == self.theirs.id for name in partner_fields)
            for name in fnames:
                field, value = records._fields[name], row[name]
                where = f"{label} #{row['id']}.{name}"
                if field.type in ("many2one", "many2many", "one2many") and value:
                    ids = [value[0]] if field.type == "many2one" else value
                    if forbidden(field.comodel_name, ids):
                        leaks.append(f"{where} -> {field.comodel_name}{ids}")
                    if (
                        about_theirs
                        and env.uid == self.users["own"].id
                        and field.comodel_name
                        in (
                            "crm.loyalty.level",
                            "crm.loyalty.score",
                        )
                    ):
                        leaks.append(f"{where}: Theirs Ltd's {field.comodel_name} {value}")
                elif field.type not in ("many2one", "many2many", "one2many", "integer"):  # ids and counts
                    leaks += self._leaks_in(value, where)
        return leaks

    def _walk(self, kind):
        env = self._env(kind)
        forbidden = self._record_refs(env)
        leaks, walked = [], Counter()
        # 1. every readable field of every record of every model of the module
        for name in module_models(self.env):
            model = env[name]
            if model._transient or not model.has_access("read"):
                walked["models refused"] += 1
                continue
            fnames = [f for f, field in model._fields.items() if field.is_accessible(env)]
            leaks += self._walk_records(env, model.search([]), fnames, forbidden, name)
            walked["models read"] += 1
        # 2. the fields the module adds to other models, on the records about Theirs Ltd
        foreign = {}
        for name, model in self.env.registry.items():
            if model._original_module not in MODULES:
                names = [f for f, field in model._fields.items() if field._module in MODULES]
                if names and ("partner_id" in model._fields or name == "res.partner"):
                    foreign[name] = names
        self.assertIn("res.partner", foreign)
        for name, names in foreign.items():
            model = env[name]
            accessible = [f for f in names if model._fields[f].is_accessible(env)]
            if not accessible or not model.has_access("read"):
                continue
            field = "id" if name == "res.partner" else "partner_id"
            for row in model.search([(field, "=", self.theirs.id)]).read(accessible):
                for fname in accessible:
                    value, kind_of = row[fname], self.env[name]._fields[fname].type
                    # figures and links of the customer's score: none for who may not read it (counts of the
                    # user's own visits excepted)
                    if kind == "own" and value and kind_of not in ("integer", "boolean"):
                        leaks.append(f"{name} #{row['id']}.{fname} = {value}")
                    leaks += self._leaks_in(value, f"{name} #{row['id']}.{fname}")
            walked["foreign models"] += 1
        # 3. every QWeb report of the module, on every record the user reads
        reports = self.env["ir.actions.report"].search([("model", "in", module_models(self.env))])
        for report in reports:
            records = env[report.model].search([]) if env[report.model].has_access("read") else []
            for record in records:
                try:
                    html = env["ir.actions.report"]._render_qweb_html(report.report_name, record.ids)[0].decode()
                except REFUSALS:
                    walked["reports refused"] += 1
                    continue
                leaks += self._leaks_in(html, f"report {report.report_name} #{record.id}")
                walked["reports printed"] += 1
        # 4. the workbook, every sheet and cell
        if env.user.has_group("crm_loyalty.group_loyalty_user"):
            attachment = env["crm.loyalty.workbook"].loyalty_export_workbook()
            book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.sudo().datas)))
            for sheet in book.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    leaks += self._leaks_in([cell for cell in row if cell is not None], f"sheet {sheet.title}")
                walked["sheets"] += 1
            # 5. the dashboard
            dashboard = env["crm.loyalty.dashboard"].browse(
                env["crm.loyalty.dashboard"].action_open_dashboard()["res_id"]
            )
            fields = [
                name
                for name in ("run_html", "pyramid_html", "tiles_html", "satisfaction_html", "trend_data")
                if name in dashboard._fields
            ]  # the tiles the bridges add too
            values = dashboard.read(fields)[0]
            leaks += self._leaks_in(values, "dashboard")
            walked["dashboard"] += 1
        return leaks, walked

    def test_walk_every_figure(self):
        self.assertTrue(self.secrets, "Theirs Ltd has figures of its own")
        matrix = {}
        for kind in ("own", "other_company"):
            with self.subTest(kind=kind):
                leaks, walked = self._walk(kind)
                self.assertEqual(leaks, [], f"what the {kind} user sees of Theirs Ltd")
                self.assertGreaterEqual(walked["models read"], 10)
                self.assertGreaterEqual(walked["sheets"], 8)
                matrix[kind] = dict(walked)
        # an all-documents salesperson may read Theirs Ltd: the walk finds its figures (it cannot pass blind)
        leaks, _walked = self._walk("all")
        self.assertTrue(leaks)
        _logger.info("figure walls: %s", matrix)

    # ------------------------------------------------------------------
    # every context key the module reads
    # ------------------------------------------------------------------

    # each key the module's code reads, and the attack that tries it (a new key fails test_context_keys_known)
    def _context_attacks(self):
        own, manager = self._env("own"), self._env("manager")
        return {
            "loyalty_trigger": lambda: self.assertEqual(
                manager["res.partner"].with_context(loyalty_trigger="install").loyalty_recompute(self.company).trigger,
                "server_action",
            ),
            "loyalty_defer_share_check": lambda: self.assertRaises(
                ValidationError,
                self.levels["top"].with_env(manager).with_context(loyalty_defer_share_check=True).write,
                {"share": 2.0},
            ),
            "loyalty_chart": lambda: self.assertEqual(
                self.env["crm.loyalty.backtest"]
                .search([], limit=1)
                .with_env(manager)
                .with_context(loyalty_chart="'; DROP TABLE x")
                .action_loyalty_chart()["domain"][1],
                ("kind", "=", "repeat"),
            ),
            "default_month": self._attack_default_month,
            "default_company_id": lambda: self.assertRaises(
                REFUSALS,
                own["crm.loyalty.visit"].with_context(default_company_id=self.other_company.id).create,
                {"partner_id": self.mine.id, "user_id": own.uid, "date_planned": self.today},
            ),
            "default_user_id": lambda: self.assertRaises(
                REFUSALS,
                own["crm.loyalty.wallet"].with_context(default_user_id=self.colleague.id).create,
                {"partner_id": self.mine.id, "amount": 10.0},
            ),
            "lang": self._attack_lang,
            "allowed_company_ids": lambda: self.assertRaises(
                AccessError,
                own["crm.loyalty.dashboard"]
                .with_context(allowed_company_ids=[self.other_company.id])
                .action_open_dashboard,
            ),
        }

    def _attack_lang(self):
        """A language that is not installed: refused with Odoo's sentence, or the dashboard in English."""
        try:
            self._env("own")["crm.loyalty.dashboard"].with_context(lang="xx_XX").action_open_dashboard()
        except UserError as refusal:
            self.assertIn("xx_XX", str(refusal))

    def _attack_default_month(self):
        Kpi = self.env["crm.loyalty.kpi"]
        before = Kpi.search_count([])
        env = self._env("own")
        action = env["crm.loyalty.dashboard"].with_context(default_month="2030-06-01").action_open_dashboard()
        self.assertEqual(env["crm.loyalty.dashboard"].browse(action["res_id"]).month, self.last_month.replace(day=1))
        self.assertFalse(Kpi.search([("date_month", ">", self.today)]), "no KPI row in the future")
        self.assertGreaterEqual(Kpi.search_count([]), before)

    def test_context_keys_known(self):
        """The module reads no context key that test_context_keys does not attack."""
        read = set()
        for directory in ADDON_DIRS:
            for path in directory.rglob("*.py"):
                if "tests" in path.parts or "migrations" in path.parts:
                    continue
                read |= set(re.findall(r"context\.get\(\s*[\"'](\w+)[\"']", path.read_text()))
                read |= set(re.findall(r"context\[[\"'](\w+)[\"']\]", path.read_text()))
        self.assertLessEqual(read, set(self._context_attacks()), "attack every context key the module reads")
        self.assertGreaterEqual(len(read), 3, "the scan finds the keys")

    def test_context_keys(self):
        for key, attack in self._context_attacks().items():
            with self.subTest(key=key), self.env.cr.savepoint() as savepoint:
                attack()
                self.env.invalidate_all()
                savepoint.rollback()

    # ------------------------------------------------------------------
    # user kinds x what they may do to Theirs Ltd
    # ------------------------------------------------------------------

    def test_matrix_theirs(self):
        """Who reads Theirs Ltd's score, level and brief; who works with it."""
        allowed_read = {"all", "manager", "both"}
        matrix = Counter()
        for kind in KINDS:
            env = self._env(kind)
            with self.subTest(kind=kind):
                reads = (
                    env["crm.loyalty.score"].search([("id", "=", self.their_score.id)])
                    if env["crm.loyalty.score"].has_access("read")
                    else env["crm.loyalty.score"]
                )
                self.assertEqual(bool(reads), kind in allowed_read)
                if kind in ("portal", "employee"):
                    with self.assertRaises(AccessError):
                        self.theirs.with_env(env).read(["loyalty_level_id"])
                else:
                    level = self.theirs.with_env(env).loyalty_level_id
                    if kind == "other_company":  # a shared contact: its level in the second company
                        self.assertEqual(level.company_id, self.other_company)
                    else:
                        self.assertEqual(bool(level), kind in allowed_read, "the contact's level")
                calls = {
                    "visit": lambda env=env: env["crm.loyalty.visit"].create(
                        {"partner_id": self.theirs.id, "user_id": env.uid, "date_planned": self.today}
                    ),
                    "estimate": lambda env=env: env["crm.loyalty.wallet"].create(
                        {"partner_id": self.theirs.id, "amount": 1.0}
                    ),
                }
                for check, call in calls.items():
                    with self.env.cr.savepoint() as savepoint:
                        # the other company's manager works with Theirs Ltd in the second company (a shared contact)
                        if kind in ("all", "manager", "both", "other_company"):
                            call()
                        else:
                            with self.assertRaises(REFUSALS):
                                call()
                        savepoint.rollback()
                    matrix[kind, check] += 1
        _logger.info("Theirs Ltd walls: %s", dict(matrix))
