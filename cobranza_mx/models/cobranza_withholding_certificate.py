import base64
import binascii
import io

import xlsxwriter
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import cfdi_retenciones
from .cobranza_withholding import WITHHOLDING_STATES

AMOUNT_TOLERANCE = 0.01
# The reminder of the missing certificates: e-mail listing the months, else a text message.
WITHHOLDING_REMINDER_CHANNELS = ('email', 'whatsapp', 'sms')


class CobranzaWithholdingCertificate(models.Model):
    """A customer's withholding certificate (CFDI de Retenciones e Información de Pagos 2.0).

    One is expected per customer and month in which the customer withheld taxes from a collection
    payment (``expected``). Uploading its XML parses and validates it (a clear error naming the
    attribute at fault, nothing saved) and compares what it certifies per tax with what was expected:
    ``matched`` or ``difference``; ``received`` when nothing was expected for that customer and period.
    """
    _name = 'cobranza.withholding.certificate'
    _description = 'Customer Withholding Certificate'
    _inherit = ['mail.thread']
    _order = 'year desc, month_from desc, id desc'
    _check_company_auto = True

    name = fields.Char(compute='_compute_name', store=True)
    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related='company_id.currency_id')
    partner_id = fields.Many2one('res.partner', string="Customer", index=True, tracking=True)
    year = fields.Integer(string="Fiscal Year")
    month_from = fields.Integer(string="From Month")
    month_to = fields.Integer(string="To Month")
    period = fields.Char(compute='_compute_period', store=True, index=True, help="First month covered, YYYY-MM.")
    uuid = fields.Char(string="Fiscal Folio (UUID)", readonly=True, copy=False, index='btree_not_null')
    issuer_rfc = fields.Char(string="Issuer RFC", readonly=True)
    receiver_rfc = fields.Char(string="Receiver RFC", readonly=True)
    issue_date = fields.Char(readonly=True)
    xml_file = fields.Binary(string="XML", attachment=True, copy=False)
    xml_filename = fields.Char()
    pdf_file = fields.Binary(string="PDF", attachment=True, copy=False)
    pdf_filename = fields.Char()
    total_operation = fields.Monetary(string="Operation Amount", readonly=True)
    isr_amount = fields.Monetary(string="ISR Certified", readonly=True)
    iva_amount = fields.Monetary(string="IVA Certified", readonly=True)
    total_withheld = fields.Monetary(string="Total Certified", readonly=True)
    withholding_ids = fields.One2many('cobranza.withholding', 'certificate_id', string="Expected Withholdings")
    expected_isr = fields.Monetary(compute='_compute_expected', store=True, string="ISR Expected")
    expected_iva = fields.Monetary(compute='_compute_expected', store=True, string="IVA Expected")
    difference_amount = fields.Monetary(compute='_compute_expected', store=True, string="Difference")
    state = fields.Selection(WITHHOLDING_STATES, compute='_compute_expected', store=True, tracking=True, index=True)

    _uuid_unique = models.Constraint('UNIQUE(uuid)', "This certificate (UUID) was already uploaded.")

    @api.depends('partner_id', 'period', 'uuid')
    def _compute_name(self):
        for cert in self:
            cert.name = ' '.join(filter(None, (cert.partner_id.name, cert.period, cert.uuid and f'({cert.uuid[:8]})')))

    @api.depends('year', 'month_from')
    def _compute_period(self):
        for cert in self:
            cert.period = cert.year and f'{cert.year:04d}-{cert.month_from or 1:02d}'

    @api.depends('withholding_ids.amount', 'withholding_ids.tax', 'isr_amount', 'iva_amount', 'uuid')
    def _compute_expected(self):
        for cert in self:
            cert.expected_isr = sum(cert.withholding_ids.filtered(lambda w: w.tax == 'isr').mapped('amount'))
            cert.expected_iva = sum(cert.withholding_ids.filtered(lambda w: w.tax == 'iva').mapped('amount'))
            cert.difference_amount = (cert.isr_amount + cert.iva_amount - cert.expected_isr - cert.expected_iva
                                      if cert.uuid else 0.0)
            if not cert.uuid:
                cert.state = 'expected'
            elif not cert.withholding_ids:
                cert.state = 'received'
            elif abs(cert.isr_amount - cert.expected_isr) <= AMOUNT_TOLERANCE \
                    and abs(cert.iva_amount - cert.expected_iva) <= AMOUNT_TOLERANCE:
                cert.state = 'matched'
            else:
                cert.state = 'difference'

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('xml_file'):
                vals.update(self._parse_xml(vals['xml_file'], vals.get('company_id'), vals.get('partner_id')))
        certs = super().create(vals_list)
        certs.filtered('uuid')._link_withholdings()
        return certs

    def write(self, vals):
        if vals.get('xml_file'):
            for cert in self:
                if cert.uuid:
                    raise ValidationError(self.env._("%(cert)s already has its XML: upload a new certificate instead.",
                                                     cert=cert.display_name))
                values = self._parse_xml(vals['xml_file'], vals.get('company_id', cert.company_id.id),
                                         vals.get('partner_id', cert.partner_id.id))
                super(CobranzaWithholdingCertificate, cert).write({**vals, **values})
                cert._link_withholdings()
            return True
        return super().write(vals)

    # Parsing and validation ------------------------------------------------------------------------------

    def _error_message(self, error):
        messages = {
            'malformed': self.env._("The file is not a well-formed XML document (%(detail)s).", detail=error.detail),
            'namespace': self.env._(
                "The XML is not a CFDI de Retenciones 2.0: its root %(field)s must be in the namespace "
                "http://www.sat.gob.mx/esquemas/retencionpago/2 (found '%(detail)s').",
                field=error.field, detail=error.detail),
            'missing': self.env._("The certificate has no %(field)s.", field=error.field),
            'invalid': self.env._("The certificate's %(field)s is not valid: '%(detail)s'.",
                                  field=error.field, detail=error.detail),
            'totals': self.env._(
                "The certificate's MontoTotRet (%(detail)s) is not the sum of its ImpRetenidos/MontoRet.",
                detail=error.detail),
        }
        return messages[error.code]

    @api.model
    def _parse_xml(self, xml_b64, company_id, partner_id):
        """The field values of the certificate ``xml_b64`` (base64), validated; raises ValidationError."""
        try:
            data = base64.b64decode(xml_b64, validate=False)
        except (binascii.Error, ValueError):
            data = b''
        try:
            cert = cfdi_retenciones.parse(data)
        except cfdi_retenciones.CfdiError as e:
            raise ValidationError(self._error_message(e)) from None
        company = self.env['res.company'].browse(company_id) if company_id else self.env.company
        if (company.vat or '').upper() != cert.receiver_rfc:
            raise ValidationError(self.env._(
                "The receiver RFC (RfcR) of the certificate, %(rfc)s, is not the RFC of %(company)s (%(vat)s).",
                rfc=cert.receiver_rfc, company=company.name, vat=company.vat or '-'))
        Partner = self.env['res.partner']
        if partner_id:
            partner = Partner.browse(partner_id).commercial_partner_id
            if (partner.vat or '').upper() != cert.issuer_rfc:
                raise ValidationError(self.env._(
                    "The issuer RFC (RfcE) of the certificate, %(rfc)s, is not the RFC of the customer %(partner)s "
                    "(%(vat)s).", rfc=cert.issuer_rfc, partner=partner.display_name, vat=partner.vat or '-'))
        else:
            partner = Partner.search([('vat', '=ilike', cert.issuer_rfc), ('is_company', 'in', (True, False)),
                                      ('parent_id', '=', False),
                                      *Partner._check_company_domain(company)], limit=1)
            if not partner:
                raise ValidationError(self.env._(
                    "No customer has the issuer RFC (RfcE) of the certificate, %(rfc)s.", rfc=cert.issuer_rfc))
        if self.sudo().search_count([('uuid', '=', cert.uuid)], limit=1):
            raise ValidationError(self.env._(
                "The certificate with UUID %(uuid)s was already uploaded.", uuid=cert.uuid))
        taxes = cert.withheld_by_tax()
        return {
            'company_id': company.id, 'partner_id': partner.id, 'uuid': cert.uuid,
            'issuer_rfc': cert.issuer_rfc, 'receiver_rfc': cert.receiver_rfc, 'issue_date': cert.issue_date,
            'year': cert.year, 'month_from': cert.month_from, 'month_to': cert.month_to,
            'total_operation': float(cert.total_operation), 'total_withheld': float(cert.total_withheld),
            'isr_amount': float(taxes.get('isr', 0)), 'iva_amount': float(taxes.get('iva', 0)),
        }

    # Matching ---------------------------------------------------------------------------------------------

    def _period_domain(self):
        self.ensure_one()
        first = f'{self.year:04d}-{self.month_from:02d}'
        last = f'{self.year:04d}-{self.month_to or self.month_from:02d}'
        return [('company_id', '=', self.company_id.id), ('partner_id', 'child_of', self.partner_id.id),
                ('period', '>=', first), ('period', '<=', last)]

    def _link_withholdings(self):
        """Take over the expected withholdings of the certificate's customer and months not yet certified;
        the placeholders that expected them, now empty, are removed."""
        Withholding = self.env['cobranza.withholding'].sudo()
        for cert in self:
            rows = Withholding.search([*cert._period_domain(), '|', ('certificate_id', '=', False),
                                       ('certificate_id.uuid', '=', False)])
            placeholders = rows.certificate_id
            rows.certificate_id = cert
            placeholders.filtered(lambda p: not p.withholding_ids and not p.uuid).sudo().unlink()

    @api.model
    def _expect_for(self, withholdings):
        """Link ``withholdings`` to their customer's certificate of their month, expecting one when none exists."""
        for (company, partner, period), rows in withholdings.grouped(
                lambda w: (w.company_id, w.partner_id.commercial_partner_id, w.period)).items():
            year, month = (int(part) for part in period.split('-'))
            cert = self.sudo().search([
                ('company_id', '=', company.id), ('partner_id', '=', partner.id), ('year', '=', year),
                ('month_from', '<=', month), ('month_to', '>=', month)], limit=1, order='uuid')
            if not cert:
                cert = self.sudo().create({'company_id': company.id, 'partner_id': partner.id, 'year': year,
                                           'month_from': month, 'month_to': month})
            rows.sudo().certificate_id = cert

    # Missing certificates: reminder and export ---------------------------------------------------------------

    def _missing_of_partner(self):
        """The expected (missing) certificates of this certificate's customer and company, oldest first."""
        self.ensure_one()
        return self.search([('company_id', '=', self.company_id.id), ('partner_id', '=', self.partner_id.id),
                            ('state', '=', 'expected')], order='period')

    def action_send_reminder(self):
        """Remind each customer of its missing certificates through the reminder engine (e-mail listing the
        months, else SMS or WhatsApp), inside its contact window, logged in the contact log."""
        missing = self.filtered(lambda c: c.state == 'expected')
        if not missing:
            raise UserError(self.env._("Select missing (expected) certificates."))
        Reminder = self.env['cobranza.reminder']
        reminders = Reminder.browse()
        for (company, partner), certs in missing.grouped(lambda c: (c.company_id, c.partner_id)).items():
            account = self.env['cobranza.account'].sudo().browse(
                self.env['cobranza.account']._ensure_accounts(company, partner.ids)[partner.id])
            channel = Reminder._document_channel(account, 'withholding', WITHHOLDING_REMINDER_CHANNELS)
            if not channel:
                raise UserError(self.env._(
                    "%(customer)s can be reached neither by e-mail nor by SMS or WhatsApp: complete its contact "
                    "details.", customer=partner.name))
            first = certs.sorted('period')[0]
            month = fields.Date.context_today(self).strftime('%Y-%m')
            reminder = Reminder._queue_document(account, channel, None, first, key=f'withholding:{month}')
            first.message_post(body=self.env._("Reminder of the missing withholding certificates: %(queued)s",
                                               queued=reminder._document_queued_message()))
            reminders |= reminder
        return reminders

    # As the source of a document reminder ----------------------------------------------------------------

    def _cobranza_document_moves(self):
        """The invoices whose payments the customer withheld from, for the certificates still missing."""
        self.ensure_one()
        return self._missing_of_partner().withholding_ids.move_id

    def _cobranza_document_label(self):
        self.ensure_one()
        return ', '.join(self._missing_of_partner().mapped('period'))

    def _cobranza_document_due(self, reminder):
        return bool(reminder._document_missing_certificates())

    def _cobranza_document_sent(self, _reminder):
        return True

    def action_export_xlsx(self):
        """Download these certificates (e.g. the missing ones) as an XLSX workbook."""
        certs = self or self.search([('state', '=', 'expected')])
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {'in_memory': True})
        sheet = workbook.add_worksheet(self.env._("Withholding certificates"))
        bold = workbook.add_format({'bold': True})
        money = workbook.add_format({'num_format': '#,##0.00'})
        columns = ['partner_id', 'period', 'state', 'expected_isr', 'expected_iva', 'isr_amount', 'iva_amount',
                   'difference_amount', 'uuid', 'company_id']
        states = dict(self._fields['state']._description_selection(self.env))
        for col, name in enumerate(columns):
            sheet.write(0, col, self._fields[name]._description_string(self.env), bold)
        for row, cert in enumerate(certs.sorted(lambda c: (c.partner_id.name or '', c.period or '')), start=1):
            for col, name in enumerate(columns):
                value = cert[name]
                if name == 'state':
                    sheet.write(row, col, states.get(value, value))
                elif isinstance(value, models.BaseModel):
                    sheet.write(row, col, value.display_name or '')
                elif isinstance(value, float):
                    sheet.write_number(row, col, value, money)
                else:
                    sheet.write(row, col, value or '')
        workbook.close()
        attachment = self.env['ir.attachment'].create({
            'name': self.env._("withholding_certificates.xlsx"),
            'datas': base64.b64encode(output.getvalue()),
            'mimetype': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        })
        return {'type': 'ir.actions.act_url', 'url': f'/web/content/{attachment.id}?download=true', 'target': 'self'}
