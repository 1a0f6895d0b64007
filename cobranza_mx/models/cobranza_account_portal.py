"""The debtor portal of a collection account: tokenized links and what the debtor does there.

A debtor reaches ``/my/cobranza/<account>`` either logged in as a portal user of the account's
customer, or through the link of a reminder: ``?token=`` signed with the database secret
(:func:`odoo.tools.misc.hash_sign`), for that account and customer only, valid for the policy's days.
Every action of the debtor is a row of the contact log and gives the collector an activity.
"""
import base64
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.tools import format_amount
from odoo.tools.misc import hash_sign, verify_hash_signed

from ..tools import payment_proof as pp

PORTAL_SCOPE = 'cobranza_mx.portal'
# Files a dispute may carry: documents and photos, not XML.
DISPUTE_KINDS = (pp.PDF, pp.JPEG, pp.PNG)


# The model is split by concept on purpose, like the reminders.
# pylint: disable=consider-merging-classes-inherited
class CobranzaAccount(models.Model):
    _inherit = 'cobranza.account'

    # ------------------------------------------------------------------
    # Links and access
    # ------------------------------------------------------------------
    def _cobranza_portal_token(self, expiration=None):
        """A token opening this account's portal page until ``expiration`` (default: the policy's days)."""
        self.ensure_one()
        if expiration is None:
            expiration = fields.Datetime.now() + timedelta(days=self._cobranza_policy().portal_link_days)
        return hash_sign(self.sudo().env, PORTAL_SCOPE, {'account': self.id, 'partner': self.partner_id.id},
                         expiration=expiration)

    def _cobranza_portal_url(self, expiration=None):
        """The absolute, tokenized and expiring URL of this debtor's portal page (for ``{portal_url}``)."""
        self.ensure_one()
        base_url = self.get_base_url()
        return f"{base_url}/my/cobranza/{self.id}?token={self._cobranza_portal_token(expiration)}"

    @api.model
    def _cobranza_portal_account(self, account_id, token=None):
        """The account (as the superuser) that the current visitor may see, else an exception.

        ``MissingError`` (404) when there is no such account; ``AccessError`` (403) when the token is
        missing, wrong, expired or for another account, and the user is not the account's customer.
        """
        account = self.sudo().browse(account_id).exists()
        if not account or not account.active:
            raise MissingError(self.env._("This page does not exist."))
        user = self.env.user
        if not user._is_public() and user.partner_id.commercial_partner_id == account.partner_id:
            return account
        values = None
        if token:
            try:
                values = verify_hash_signed(self.sudo().env, PORTAL_SCOPE, token)
            except (ValueError, TypeError, UnicodeDecodeError):
                values = None
        if not values or values.get('account') != account.id or values.get('partner') != account.partner_id.id:
            raise AccessError(self.env._("This link is not valid or has expired: ask your collector for a new one."))
        return account

    def _portal_invoices(self):
        """Open invoices of this account with their aging, oldest due first, for the portal."""
        self.ensure_one()
        today = self.env['account.move']._cobranza_today()
        rows = []
        for move in self.sudo().invoice_ids.sorted(lambda m: (m.invoice_date_due or today, m.id)):
            days = (today - move.invoice_date_due).days if move.invoice_date_due else 0
            rows.append({'move': move, 'days': days, 'bucket': self._portal_bucket(days),
                         'disputed': move.cobranza_exclusion_reason == 'dispute',
                         'promised': move.cobranza_promise_open})
        return rows

    def _portal_bucket(self, days):
        if days <= 0:
            return self.env._("Not due")
        if days <= 30:
            return self.env._("1-30 days")
        if days <= 90:
            return self.env._("31-90 days")
        if days <= 180:
            return self.env._("91-180 days")
        return self.env._("Over 180 days")

    def _portal_moves(self, move_ids):
        """The invoices ``move_ids`` if all are open invoices of this account, else a ValidationError."""
        self.ensure_one()
        moves = self.env['account.move'].sudo().browse([int(i) for i in move_ids if str(i).isdigit()]).exists()
        if not moves or moves - self.sudo().invoice_ids:
            raise ValidationError(self.env._("Choose one or more of your open invoices."))
        return moves

    # ------------------------------------------------------------------
    # What the debtor does (self is the account as the superuser, checked by _cobranza_portal_account)
    # ------------------------------------------------------------------
    def _portal_log(self, result, detail, **values):
        """A contact-log row of a portal action, and an activity for the account's collector."""
        self.ensure_one()
        log = self._log_contact('portal', result, detail=detail, recipient=self.env.user.login or False, **values)
        user = self.collector_id or self._cobranza_policy()._cobranza_supervisor(self.company_id)
        if user:
            self.activity_schedule('mail.mail_activity_data_todo', date_deadline=fields.Date.context_today(self),
                                   summary=self.env._("Portal: %(detail)s", detail=detail), user_id=user.id)
        return log

    def _portal_statement_pdf(self):
        """The statement of account PDF, logged as downloaded."""
        self.ensure_one()
        pdf, _type = self.env['ir.actions.report'].sudo()._render_qweb_pdf(
            'cobranza_mx.action_report_cobranza_statement', self.ids)
        self._log_contact('portal', 'statement_downloaded', detail=self.env._("Statement downloaded on the portal"))
        return pdf

    def _portal_upload_proof(self, files, amount, payment_date, reference=False, move_ids=(), proof_type='spei'):
        """Create an ``in_review`` payment proof from the debtor's files (checked before anything is stored)."""
        self.ensure_one()
        moves = self._portal_moves(move_ids) if move_ids else self.env['account.move']
        try:
            amount = float(amount or 0.0)
            payment_date = fields.Date.to_date(payment_date) if payment_date else False
        except ValueError as e:
            raise ValidationError(self.env._("Enter the amount and the date of your payment.")) from e
        if proof_type not in dict(self.env['cobranza.payment.proof']._fields['proof_type'].selection):
            proof_type = 'other'
        proof = self.env['cobranza.payment.proof'].sudo()._create_from_files({
            'partner_id': self.partner_id.id, 'company_id': self.company_id.id, 'source': 'portal',
            'move_ids': [fields.Command.set(moves.ids)], 'amount': amount, 'payment_date': payment_date,
            'reference': reference or False, 'proof_type': proof_type,
        }, files)
        if not proof.payment_date:
            raise ValidationError(self.env._("Enter the amount and the date of your payment."))
        proof.action_submit_review()
        self._portal_log('proof_received', self.env._(
            "Payment proof %(proof)s of %(amount)s uploaded", proof=proof.name,
            amount=format_amount(self.env, proof.amount, self.currency_id)))
        return proof

    def _portal_promise(self, amount, promise_date, move_ids):
        """A promise to pay inside the policy's limits (the promise's own constraints check them)."""
        self.ensure_one()
        moves = self._portal_moves(move_ids)
        try:
            amount = float(amount or 0.0)
            promise_date = fields.Date.to_date(promise_date)
        except ValueError as e:
            raise ValidationError(self.env._("Enter the amount and the date you will pay.")) from e
        if not promise_date:
            raise ValidationError(self.env._("Enter the amount and the date you will pay."))
        collector = self.collector_id or self._cobranza_policy()._cobranza_supervisor(self.company_id) \
            or self.env['res.users'].browse(SUPERUSER_ID)
        promise = self.env['cobranza.promise'].sudo().create({
            'account_id': self.id, 'move_ids': [fields.Command.set(moves.ids)], 'amount': amount,
            'date': promise_date, 'channel': 'portal', 'collector_id': collector.id,
            'note': self.env._("Made by the debtor on the portal."),
        })
        self._portal_log('promise', self.env._(
            "Promise to pay %(amount)s by %(date)s", amount=format_amount(self.env, amount, self.currency_id),
            date=promise_date), promise_id=promise.id)
        return promise

    def _portal_dispute(self, move_id, reason, files):
        """Dispute an invoice: it is excluded (reminders paused) with the debtor's reason and file."""
        self.ensure_one()
        move = self._portal_moves([move_id])
        reason = (reason or '').strip()
        if not reason:
            raise ValidationError(self.env._("Tell us why you dispute the invoice."))
        attachment, attachment_name = False, False
        for filename, data in files[:1]:
            kind = self.env['cobranza.payment.proof']._check_file_data(data, filename, self.company_id)
            if kind not in DISPUTE_KINDS:
                raise ValidationError(self.env._("Attach a PDF or a photo (JPG, PNG)."))
            attachment, attachment_name = base64.b64encode(data), filename
        # In the name of the system: the debtor is not a collection user; the invoice's chatter says who.
        move.with_user(SUPERUSER_ID)._cobranza_flag_for_review(
            'dispute', self.env._("Disputed by the debtor on the portal: %(reason)s", reason=reason),
            attachment, attachment_name)
        self._portal_log('dispute', self.env._("Invoice %(invoice)s disputed: %(reason)s", invoice=move.name,
                                               reason=reason))
        return move
