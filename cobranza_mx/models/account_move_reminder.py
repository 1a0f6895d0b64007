"""What the reminders need on invoices: when to plan them next, their PDFs and portal links for a batch."""
import logging
from concurrent.futures import ThreadPoolExecutor

from odoo import api, fields, models, modules
from odoo.tools import SQL, config

from odoo.addons.base.models.ir_actions_report import _wkhtml

_logger = logging.getLogger(__name__)

# Invoices rendered per wkhtmltopdf call, when wkhtmltopdf can (built with its patched Qt): the
# wkhtmltopdf of Linux distributions cannot convert several documents in one call.
PDF_CHUNK = 25
# wkhtmltopdf processes at once (system parameter cobranza_mx.pdf_workers): each call mostly waits
# (report.print_delay, 1 s by default), so several overlap well even on two cores.
PDF_WORKERS = 4
# Milliseconds wkhtmltopdf waits for the page's scripts before printing an invoice of the reminders
# (system parameter cobranza_mx.pdf_print_delay). Odoo waits report.print_delay (1000) for every
# report, some of which draw with JavaScript; the invoice is static HTML: the second is pure waiting,
# most of the time of a one-document call.
PDF_PRINT_DELAY = 200
# The description of the PDFs this add-on keeps, with the open amount they show.
PDF_DESCRIPTION = 'cobranza_mx invoice PDF, amount due %s'


# The model is split by concept on purpose (see the reminders' first file).
# pylint: disable=consider-merging-classes-inherited
class AccountMove(models.Model):
    _inherit = 'account.move'

    # Written by the reminders' scheduler (SQL, table cobranza_reminder_plan); empty: to plan (new invoice,
    # other policy, stage or rules).
    cobranza_reminder_next_at = fields.Datetime(
        string="Next Reminder Planning", compute='_compute_cobranza_reminder_next_at',
        help="The next moment a reminder rule of the invoice's policy wants a reminder: the scheduler reads "
             "only the invoices whose moment has come.")

    def _compute_cobranza_reminder_next_at(self):
        plans = self.env['cobranza.reminder.plan'].sudo().search([('move_id', 'in', self.ids)])
        moments = {plan.move_id.id: plan.next_at for plan in plans}
        for move in self:
            move.cobranza_reminder_next_at = moments.get(move.id, False)

    @api.model
    def _cobranza_invoice_pdfs(self, moves, parallel=False):
        """{invoice id: attachment id} of the invoice PDF of each of ``moves``, rendering each at most once.

        The PDF Odoo keeps on the invoice (sent with *Send & Print*) when there is one; else the one
        this add-on kept for the same amount due (the PDF shows the payments and what is left);
        the others are rendered, :data:`PDF_CHUNK` invoices per wkhtmltopdf call, and kept. With
        ``parallel``, several wkhtmltopdf calls at once, each on a cursor of its own: only when this
        transaction holds no lock on ``moves`` (rendering writes on them), see
        ``cobranza.reminder._prepare_email_pdfs``.
        """
        moves = moves.sudo()
        pdfs = {move.id: move.invoice_pdf_report_id.id for move in moves if move.invoice_pdf_report_id}
        missing = moves.filtered(lambda m: m.id not in pdfs)
        if missing:
            kept = self.env['ir.attachment'].sudo().search_fetch([
                ('res_model', '=', 'account.move'), ('res_id', 'in', missing.ids),
                ('description', '=like', 'cobranza_mx invoice PDF, amount due %'),
            ], ['res_id', 'description'], order='id desc')
            for attachment in kept:
                move = missing.browse(attachment.res_id)
                if attachment.res_id not in pdfs and attachment.description == self._cobranza_pdf_description(move):
                    pdfs[attachment.res_id] = attachment.id
        missing = missing.filtered(lambda m: m.id not in pdfs)
        report = self.env.ref('account.account_invoices').sudo()
        chunk_size = PDF_CHUNK if _wkhtml().is_patched_qt else 1
        chunks = [missing[start:start + chunk_size] for start in range(0, len(missing), chunk_size)]
        rendered = self._cobranza_render_chunks(report, chunks, parallel)
        for chunk, (contents, mimetype) in zip(chunks, rendered, strict=True):
            attachments = self.env['ir.attachment'].sudo().create([{
                'name': f"{(move.name or 'INV').replace('/', '_')}.pdf",
                'raw': contents[move.id],
                'res_model': 'account.move',
                'res_id': move.id,
                'mimetype': mimetype,
                'description': self._cobranza_pdf_description(move),
            } for move in chunk])
            pdfs.update(zip(chunk.ids, attachments.ids, strict=True))
        return pdfs

    @api.model
    def _cobranza_render_chunks(self, report, chunks, parallel=False):
        """[({invoice id: content}, mimetype)] of each chunk of invoices, several wkhtmltopdf calls at once.

        Each worker renders on a cursor of its own (the invoices are committed: posted long before
        their reminders). While tests run, in this transaction, one after the other.
        """
        workers = int(self.env['ir.config_parameter'].sudo().get_param('cobranza_mx.pdf_workers', PDF_WORKERS))
        if not parallel or workers <= 1 or len(chunks) <= 1 or modules.module.current_test or config['test_enable']:
            return [self._cobranza_render_invoices(report, chunk) for chunk in chunks]
        registry, uid, context = self.env.registry, self.env.uid, dict(self.env.context)

        def render(ids):
            with registry.cursor() as cr:
                env = api.Environment(cr, uid, context)
                moves = env['account.move'].browse(ids)
                return env['account.move']._cobranza_render_invoices(report.with_env(env), moves)

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix='cobranza-pdf') as pool:
            return list(pool.map(render, [chunk.ids for chunk in chunks]))

    @api.model
    def _cobranza_render_invoices(self, report, moves):
        """({invoice id: content}, mimetype) of ``moves`` rendered by ``report`` in one wkhtmltopdf call.

        Odoo's own entry point, so that its checks apply (and, while tests run without
        ``force_report_rendering``, its HTML instead of a PDF).
        """
        delay = self.env['ir.config_parameter'].sudo().get_param('cobranza_mx.pdf_print_delay', PDF_PRINT_DELAY)
        Report = self.env['ir.actions.report'].sudo().with_context(cobranza_print_delay=int(delay))
        content, kind = Report._pre_render_qweb_pdf(report, moves.ids)
        if kind != 'pdf':
            return Report._get_splitted_report(report, content, kind), 'text/html'
        if set(content) != set(moves.ids):
            # The PDF could not be split by invoice: one call each.
            for stream in content.values():
                stream['stream'].close()
            content = {}
            for move in moves:
                content.update(Report._pre_render_qweb_pdf(report, move.ids)[0])
        return Report._get_splitted_report(report, content, 'pdf'), 'application/pdf'

    @api.model
    def _cobranza_pdf_description(self, move):
        return PDF_DESCRIPTION % move.currency_id.round(move.amount_residual)

    def _cobranza_ensure_access_tokens(self):
        """Give a portal access token to those of these invoices that have none, in one statement."""
        without = self.filtered(lambda m: not m.access_token)
        if without:
            self.env.cr.execute(SQL(
                "UPDATE account_move SET access_token = gen_random_uuid()::varchar WHERE id = ANY(%s) "
                "AND access_token IS NULL", without.ids))
            without.invalidate_recordset(['access_token'])
