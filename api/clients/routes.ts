/** The firm's clients. Portal users see only their own client (the model and RLS both enforce it). */
import { z } from 'zod';
import { gstinProblem, normaliseGstin } from '../../domain/gstin';
import { changeFilingFrequency, loadCalendarClients, plainFrequencyChange, qrmpRefusal } from '../../db/calendar';
import { qrmpTurnoverProblem, withFrequencyChange } from '../../domain/calendar';
import { CLIENT_FIELDS, EMAIL } from '../../db/editable-fields';
import { Client } from '../../db/models/client';
import { conflict, notFound, unprocessable } from '../errors';
import { decodeCursor, page, pageQuery } from '../pagination';
import { presentClient } from '../presenters';
import { idParams } from '../schemas';
import { route, type RouteSpec } from '../routes';

const GSTIN_MESSAGES = {
  length: 'must be 15 characters',
  format: 'is not in the GSTIN format (state code, PAN, entity number, Z, check character)',
  state_code: 'does not start with a valid state code',
  check_character: 'has a wrong check character (15th character); it was probably mistyped',
} as const;

const gstin = z
  .string()
  .transform(normaliseGstin)
  .superRefine((value, ctx) => {
    const problem = gstinProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: GSTIN_MESSAGES[problem] });
  });

const createBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    gstin,
    email: EMAIL,
    filingFrequency: z.enum(['monthly', 'quarterly']),
    stateCode: z.string().regex(/^\d{2}$/).optional(),
  })
  // The state code is the GSTIN's first two digits: given, it must agree.
  .superRefine((body, ctx) => {
    const fromGstin = body.gstin.slice(0, 2);
    if (body.stateCode && body.stateCode !== fromGstin) ctx.addIssue({ code: 'custom', path: ['stateCode'], message: `must match the GSTIN's state code ${fromGstin}` });
  });
const patchBody = z
  .object(CLIENT_FIELDS)
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
const listQuery = z.object(pageQuery);

export function clientRoutes(): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/clients',
      action: 'clients.read',
      query: listQuery,
      async handler(ctx, { query }) {
        const after = decodeCursor(query.cursor, 2);
        const q = Client.query().orderBy([{ column: 'name' }, { column: 'id' }]).limit(query.limit + 1);
        if (after) q.whereRaw('(name, id) > (?, ?::uuid)', after);
        const result = page(await q, query.limit, (c) => [c.name, c.id]);
        ctx.body = { items: result.items.map(presentClient), nextCursor: result.nextCursor };
      },
    }),
    route({
      method: 'post',
      path: '/api/clients',
      action: 'clients.create',
      body: createBody,
      async handler(ctx, { body }) {
        if (await Client.query().findOne({ gstin: body.gstin })) throw conflict('gstin_taken', 'This firm already has a client with this GSTIN.');
        const client = await Client.query().insertAndFetch({
          name: body.name,
          gstin: body.gstin,
          email: body.email,
          filingFrequency: body.filingFrequency,
          stateCode: body.gstin.slice(0, 2),
        } as Partial<Client>);
        ctx.status = 201;
        ctx.body = presentClient(client);
      },
    }),
    route({
      method: 'get',
      path: '/api/clients/:id',
      action: 'clients.read',
      params: idParams,
      async handler(ctx, { params }) {
        const client = await Client.query().findById(params.id);
        if (!client) throw notFound('No such client.');
        ctx.body = presentClient(client);
      },
    }),
    route({
      method: 'patch',
      path: '/api/clients/:id',
      action: 'clients.update',
      params: idParams,
      body: patchBody,
      async handler(ctx, { params, body }) {
        const client = await Client.query().findById(params.id);
        if (!client) throw notFound('No such client.');
        const { filingFrequency, ...rest } = body;
        const { trx, user } = ctx.state;
        if (!trx || !user) throw new Error('client routes run inside the tenant transaction');
        // The QRMP turnover rule (domain/calendar/rules.ts) before anything is written: a client above ₹5 crore files monthly.
        if (filingFrequency) {
          const [profiled] = await loadCalendarClients(trx, client.firmId, client.id);
          const problem = profiled && qrmpTurnoverProblem(withFrequencyChange(profiled.profile, plainFrequencyChange(filingFrequency)));
          if (problem) {
            const refusal = qrmpRefusal(problem, 'filingFrequency');
            throw unprocessable(refusal.code, refusal.message, { fields: refusal.fields });
          }
        }
        if (Object.keys(rest).length > 0) await Client.query().patchAndFetchById(client.id, rest as Partial<Client>);
        // A new frequency applies from the quarter the QRMP option window allows, so earlier periods
        // keep their returns (the compliance calendar's dated changes).
        if (filingFrequency) {
          await changeFilingFrequency(trx, client.firmId, client.id, filingFrequency, user.id);
        }
        const patched = await Client.query().findById(client.id);
        if (!patched) throw notFound('No such client.');
        ctx.body = presentClient(patched);
      },
    }),
  ];
}
