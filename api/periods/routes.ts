/**
 * Period close (docs/period-close.md): request a close, list what waits for approval, approve, reject,
 * withdraw, reopen, and read periods with their decisions. Requests and reopens change the database
 * here, in a tenant transaction (the signed-in person is the audited actor; a request's workflow is
 * started after its record commits, close-request.ts); decisions go
 * through the request's workflow, whose validators apply the four-eyes rules and whose activities
 * write the decision and the lock.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { CloseRequest } from '../../db/models/close-request';
import { Client } from '../../db/models/client';
import { Firm } from '../../db/models/firm';
import { Period } from '../../db/models/period';
import { clientFrequencies } from '../../db/client-frequency';
import { abandonCloseRequest, reopenPeriod } from '../../db/period-close';
import { pendingNoticeReplies } from '../../db/notices';
import type { FilingFrequency } from '../../domain/calendar/rules';
import { ANNUAL_RETURNS, beforeGst, correctionCutoffWith, financialYearPeriod, periodProblem, quarterEnd } from '../../domain/periods';
import { istDateTime } from '../../domain/recon/report-format';
import { REFUSAL, refusalFor, type CloseTimers, type DecisionArgs, type DecisionKind } from '../../workflows/period-close-definitions';
import { ApiError, beforeGstPeriod, conflict, notFound, unprocessable } from '../errors';
import { decodeCursor, page, pageQuery } from '../pagination';
import { idParams, period, PERIOD_RULE } from '../schemas';
import { invalidFields } from '../validate';
import { route, type AuthenticatedContext, type HandlerTransactionContext, type RouteSpec } from '../routes';
import type { TemporalHandle } from '../temporal-client';
import { periodImportWarnings } from '../imports/plausibility-view';
import { KNOWN_PERIODS_SQL } from './known-periods';
import { presentCloseRequest, presentPeriod, type Viewer } from './presenters';
import { abandonReason, CloseWorkflowGone, refusalError, sendDecision } from './workflow-client';
import { assertClosable, closeUnavailable, ensureCloseWorkflow, recordClose, type EndedRequest } from './close-request';

export type PeriodRouteDeps = { temporal: TemporalHandle; timers: CloseTimers; /** Today in India: the close window's date. */ today: () => string };

const clientPeriodParams = z.object({ id: z.uuid(), period });
const listQuery = z.object(pageQuery);
const requestBody = z.object({ note: z.string().trim().max(2000).optional() });
const approveBody = z.object({ note: z.string().trim().max(2000).optional() });
const rejectBody = z.object({ reason: z.string().trim().min(1, 'a rejection needs a reason').max(2000) });
const withdrawBody = z.object({ note: z.string().trim().max(2000).optional() });
const reopenBody = z.object({
  reason: z.string().trim().min(1, 'a reopen needs a reason').max(2000),
  reasonCode: z.enum(['correction', 'notice', 'late_document', 'audit', 'other']).default('other'),
  /** Needed when the period's financial year is past its 30 November correction cut-off (docs/period-close.md, "Periods"). */
  confirmPastCutoff: z.boolean().optional(),
});

function actorOf(ctx: AuthenticatedContext | HandlerTransactionContext) {
  const { user } = ctx.state;
  return { userId: user.id, email: user.email, role: user.role };
}

/** The signed-in person as a reader of periods and requests (api/periods/presenters.ts). */
async function viewerOf(ctx: AuthenticatedContext | HandlerTransactionContext): Promise<Viewer> {
  const { user } = ctx.state;
  const firm = await Firm.query().findById(user.firmId);
  return { userId: user.id, role: user.role, allowSelfApproval: Boolean(firm?.settings.allowSelfApproval) };
}

/**
 * The client, and the period checked against the filing frequency in force for it (a client's
 * frequency changes from a quarter on; earlier periods keep theirs, domain/calendar/rules.ts).
 * A month inside a quarterly filer's quarter is a well-formed period the client's state refuses:
 * 422 `period_not_quarter_end`, the answer imports give for the same rule (docs/api.md).
 */
async function findClient(trx: Knex.Transaction, id: string, period?: string): Promise<Client> {
  const client = await Client.query().findById(id);
  if (!client) throw notFound('No such client.');
  if (period) {
    // Input errors first: a pre-GST month is 400 whatever the client's frequency says about it.
    if (beforeGst(period)) throw beforeGstPeriod(period, 'GST period to close');
    const filingFrequency = (await frequenciesOf(trx, client))(period);
    const problem = periodProblem(period, filingFrequency);
    if (problem === 'not_quarter_end') {
      const end = quarterEnd(period);
      throw unprocessable('period_not_quarter_end', `${client.name} files quarterly for ${period}: its period is the quarter, named by its last month (${end}).`, {
        period,
        filingFrequency,
        quarterEnd: end,
        fields: { period: `a quarterly filer's period is the quarter's last month: ${end}` },
      });
    }
    if (problem) throw invalidFields({ period: PERIOD_RULE });
  }
  return client;
}

/** The client's filing frequency in force for each period (a change applies from a quarter on: db/client-frequency.ts). */
async function frequenciesOf(trx: Knex.Transaction, client: Client): Promise<(period: string) => FilingFrequency> {
  const frequencyOf = await clientFrequencies(trx, client.firmId, [client.id]);
  return (period) => frequencyOf(client.id, period);
}

async function findRequest(id: string): Promise<CloseRequest> {
  const request = await CloseRequest.query().findById(id);
  if (!request) throw notFound('No such close request.');
  return request;
}

/** 409 close_request_abandoned: the request ended without a decision (docs/period-close.md, docs/api.md). */
function abandonedError(reason: string | null): ApiError {
  return conflict('close_request_abandoned', 'This close request was abandoned: its workflow ended without a decision, so nothing was decided. Request a new close.', { reason });
}

export function periodRoutes(deps: PeriodRouteDeps): RouteSpec[] {
  /**
   * A decision goes to the request's workflow; the route holds no transaction while it waits
   * (`transaction: 'handler'`). A request whose workflow is no longer running is marked abandoned,
   * once the caller passed the same rules the workflow would have applied (docs/period-close.md,
   * "A request whose workflow ended").
   */
  async function decide(ctx: HandlerTransactionContext, id: string, kind: DecisionKind, note: string | undefined) {
    const { request, viewer } = await ctx.state.tenantTransaction(async () => ({ request: await findRequest(id), viewer: await viewerOf(ctx) }));
    const refusal = { entityType: 'close_request', entityId: request.id, after: { clientId: request.clientId, period: request.period, status: request.status, evidenceHash: request.evidenceHash } };
    if (request.status === 'abandoned') throw abandonedError(request.decisionNote).withAudit({ ...refusal, action: `period.${kind}_refused_abandoned` });
    if (request.status !== 'pending') {
      throw unprocessable('close_request_not_pending', `This close request is already ${request.status}.`, { status: request.status }).withAudit({ ...refusal, action: `period.${kind}_refused_not_pending` });
    }
    if (kind === 'approve') {
      // A request recorded before a period could only be closed once over (or replayed onto a
      // running period) must not lock a month still being written: its approval waits for the
      // period's end, the same 422 as asking too early. Rejecting or withdrawing it stays possible.
      try {
        assertClosable(request.period, deps.today());
      } catch (error) {
        throw error instanceof ApiError ? error.withAudit({ ...refusal, action: 'period.approve_refused_not_ended' }) : error;
      }
    }
    const args: DecisionArgs = {
      actor: actorOf(ctx),
      note: note ?? null,
      allowSelfApproval: viewer.allowSelfApproval,
      requestId: ctx.state.requestId,
      ip: ctx.ip ?? null,
    };
    let result;
    try {
      result = await sendDecision(deps.temporal, request, kind, args);
    } catch (error) {
      if (!(error instanceof CloseWorkflowGone)) throw error;
      const requester = { userId: request.requestedBy, email: request.requestedByEmail, role: request.requestedByRole };
      const ruled = refusalFor(kind, 'pending', requester, args);
      if (ruled && ruled.type !== REFUSAL.notPending) throw refusalError(kind, ruled, request, args);
      const reason = abandonReason(error.workflowStatus);
      const status = await ctx.state.tenantTransaction((trx) => abandonCloseRequest(trx, request.id, reason));
      // A decision committed just before the workflow ended: the request is what it says.
      if (status !== 'abandoned') throw unprocessable('close_request_not_pending', `This close request is already ${status}.`, { status });
      throw abandonedError(reason).withAudit({ ...refusal, action: `period.${kind}_refused_abandoned` });
    }
    if (result.outcome === 'stale') {
      // The activity already recorded period.approval_refused_stale with the state change.
      throw conflict('approval_stale', "The period's imports or reconciliation changed since the close was requested: the request is back to open; request a new close.", {
        evidenceHash: result.evidenceHash,
        currentEvidenceHash: result.currentEvidenceHash ?? null,
      });
    }
    ctx.body = await ctx.state.tenantTransaction(async () => presentCloseRequest(await findRequest(id), viewer));
  }

  return [
    route({
      method: 'post',
      path: '/api/clients/:id/periods/:period/close',
      action: 'periods.request_close',
      // Recorded in a transaction of its own, the workflow asked about and started after its commit (close-request.ts).
      transaction: 'handler',
      params: clientPeriodParams,
      body: requestBody,
      async handler(ctx, { params, body }) {
        const actor = actorOf(ctx);
        let ended: EndedRequest | undefined;
        // A pending request whose workflow ended is abandoned by the next look, which records a new
        // one (or finds one another ask recorded meanwhile). Three looks at most: were each to find
        // another ended workflow, the answer is 503 and asking again looks afresh.
        for (let look = 0; ; look += 1) {
          const recorded = await ctx.state.tenantTransaction(async (trx) =>
            recordClose(trx, { client: await findClient(trx, params.id, params.period), period: params.period, actor, note: body.note || null, timers: deps.timers, ended, today: deps.today() }),
          );
          const status = await ensureCloseWorkflow(deps.temporal, recorded);
          if (status === 'RUNNING') {
            ctx.status = 202;
            ctx.body = { closeRequestId: recorded.closeRequestId, workflowId: recorded.workflowId };
            return;
          }
          if (look === 2) throw closeUnavailable(recorded.closeRequestId);
          ended = { closeRequestId: recorded.closeRequestId, reason: abandonReason(status) };
        }
      },
    }),

    route({
      method: 'get',
      path: '/api/approvals',
      action: 'approvals.read',
      query: listQuery,
      async handler(ctx, { query }) {
        const viewer = await viewerOf(ctx);
        const after = decodeCursor(query.cursor, 2);
        // Oldest first. Every pending decision of the firm, the caller's own too (so a requester sees
        // theirs waiting); `canDecide` says whether the caller may decide it: not their own request
        // unless the firm allows self-approval.
        const q = CloseRequest.query()
          .select('close_requests.*', 'clients.name as client_name')
          .join('clients', 'clients.id', 'close_requests.client_id')
          .where('close_requests.status', 'pending')
          .orderBy([{ column: 'close_requests.created_at' }, { column: 'close_requests.id' }])
          .limit(query.limit + 1);
        if (after) q.whereRaw('(close_requests.created_at, close_requests.id) > (?::timestamptz, ?::uuid)', after);
        // Notice replies in review wait for the same people: one list, oldest first across both kinds.
        const closes = (await q).map((r) => ({
          at: r.createdAt,
          id: r.id,
          item: { kind: 'period_close', ...presentCloseRequest(r, viewer, { clientName: (r as unknown as { clientName: string }).clientName }), summary: `Close of ${r.period}` } as Record<string, unknown>,
        }));
        const replies = (await pendingNoticeReplies(ctx.state.trx, viewer, after, query.limit + 1)).map((n) => ({
          at: n.requestedAt,
          id: n.id,
          item: { kind: 'notice_reply', id: n.id, clientId: n.clientId, clientName: n.clientName, requestedBy: n.requestedBy, requestedAt: n.requestedAt, summary: `${n.form} reply, reference ${n.reference}`, canDecide: n.canDecide } as Record<string, unknown>,
        }));
        const merged = [...closes, ...replies].sort((a, b) => a.at.getTime() - b.at.getTime() || a.id.localeCompare(b.id));
        const result = page(merged, query.limit, (r) => [r.at.toISOString(), r.id]);
        ctx.body = { items: result.items.map((r) => r.item), nextCursor: result.nextCursor };
      },
    }),

    route({
      method: 'get',
      path: '/api/close-requests/:id',
      action: 'periods.read',
      params: idParams,
      async handler(ctx, { params }) {
        ctx.body = presentCloseRequest(await findRequest(params.id), await viewerOf(ctx));
      },
    }),

    route({
      method: 'post',
      path: '/api/close-requests/:id/approve',
      action: 'periods.approve',
      transaction: 'handler',
      params: idParams,
      body: approveBody,
      handler: (ctx, { params, body }) => decide(ctx, params.id, 'approve', body.note || undefined),
    }),

    route({
      method: 'post',
      path: '/api/close-requests/:id/reject',
      action: 'periods.approve',
      transaction: 'handler',
      params: idParams,
      body: rejectBody,
      handler: (ctx, { params, body }) => decide(ctx, params.id, 'reject', body.reason),
    }),

    route({
      method: 'post',
      path: '/api/close-requests/:id/withdraw',
      action: 'periods.withdraw',
      transaction: 'handler',
      params: idParams,
      body: withdrawBody,
      handler: (ctx, { params, body }) => decide(ctx, params.id, 'withdraw', body.note || undefined),
    }),

    route({
      method: 'post',
      path: '/api/clients/:id/periods/:period/reopen',
      action: 'periods.reopen',
      sensitive: true,
      params: clientPeriodParams,
      body: reopenBody,
      async handler(ctx, { params, body }) {
        const client = await findClient(ctx.state.trx, params.id, params.period);
        const period = await Period.query().where({ client_id: client.id, period: params.period }).forNoKeyUpdate().first();
        if (!period || period.state !== 'closed') {
          throw unprocessable('period_not_closed', `Period ${params.period} is ${period?.state ?? 'open'}: only a closed period can be reopened.`, { state: period?.state ?? 'open' });
        }
        // The year's corrections end on 30 November after it, or earlier once its annual return is on record as filed.
        const annual = (await ctx.state.trx('filings')
          .where({ client_id: client.id, period: financialYearPeriod(params.period) })
          .whereIn('return_type', [...ANNUAL_RETURNS])
          .orderBy('filed_on')
          .first('return_type', ctx.state.trx.raw('filed_on::text as filed_on'))) as { return_type: string; filed_on: string } | undefined;
        const cutoff = correctionCutoffWith(params.period, annual ? { returnType: annual.return_type, filedOn: annual.filed_on } : null);
        if (Date.now() > cutoff.at.getTime() && !body.confirmPastCutoff) {
          const why = cutoff.annualReturn ? `, when its annual return ${cutoff.annualReturn.returnType} was filed` : '';
          throw unprocessable('confirmation_required', `The correction cut-off of this period's financial year (${istDateTime(cutoff.at)} IST${why}) has passed: send confirmPastCutoff: true to reopen anyway.`, {
            cutoff: cutoff.at.toISOString(),
            ...(cutoff.annualReturn ? { annualReturn: cutoff.annualReturn } : {}),
          });
        }
        await reopenPeriod(ctx.state.trx, period, { actor: actorOf(ctx), reason: body.reason, reasonCode: body.reasonCode });
        ctx.body = presentPeriod(await Period.query().findById(period.id), params.period, ctx.state.user, deps.today(), (await frequenciesOf(ctx.state.trx, client))(params.period));
      },
    }),

    route({
      method: 'get',
      path: '/api/clients/:id/periods',
      action: 'periods.read',
      params: idParams,
      query: listQuery,
      async handler(ctx, { params, query }) {
        const client = await findClient(ctx.state.trx, params.id);
        const after = decodeCursor(query.cursor, 1);
        // A period exists from its first import or run (docs/period-close.md, "States") even before anything was requested.
        const { rows } = await ctx.state.trx.raw<{ rows: Array<{ period: string }> }>(
          `select period from (${KNOWN_PERIODS_SQL}) known
            where client_id = ? and (?::text is null or period < ?::text)
            order by period desc limit ?`,
          [client.id, after?.[0] ?? null, after?.[0] ?? null, query.limit + 1],
        );
        const keys = rows.map((r) => r.period);
        const stored = keys.length ? await Period.query().where('client_id', client.id).whereIn('period', keys) : [];
        const result = page(keys, query.limit, (k) => [k]);
        const today = deps.today(); // one date for the whole page
        const frequency = await frequenciesOf(ctx.state.trx, client);
        ctx.body = { items: result.items.map((k) => presentPeriod(stored.find((p) => p.period === k), k, ctx.state.user, today, frequency(k))), nextCursor: result.nextCursor };
      },
    }),

    route({
      method: 'get',
      path: '/api/clients/:id/periods/:period',
      action: 'periods.read',
      params: clientPeriodParams,
      async handler(ctx, { params }) {
        const client = await findClient(ctx.state.trx, params.id);
        // A month before GST is no period at all: the same 400 as asking to close or import it.
        if (beforeGst(params.period)) throw beforeGstPeriod(params.period, 'GST period');
        const row = await Period.query().where({ client_id: client.id, period: params.period }).first();
        // Every request and decision stays visible, oldest first, across reopen cycles (docs/period-close.md).
        const requests = await CloseRequest.query().where({ client_id: client.id, period: params.period }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
        const warnings = await periodImportWarnings(ctx.state.trx, client.id, params.period);
        const viewer = await viewerOf(ctx);
        const filingFrequency = (await frequenciesOf(ctx.state.trx, client))(params.period);
        ctx.body = { ...presentPeriod(row, params.period, viewer, deps.today(), filingFrequency), clientId: client.id, closeRequests: requests.map((r) => presentCloseRequest(r, viewer)), warnings };
      },
    }),
  ];
}
