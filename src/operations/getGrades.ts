import { Type } from '@sinclair/typebox';
import { ValidationError } from '../internal/errors.js';
import { parseTimeParam } from './marketParams.js';
import { defineOperation } from './operation.js';

const GRADES_MAX_LIMIT = 1000;

const GradeSchema = Type.Object({
  asset: Type.String(),
  kind: Type.Union([Type.Literal('trader'), Type.Literal('investor')]),
  score: Type.Number({ minimum: 0, maximum: 100 }),
  letter: Type.Union(['A', 'B', 'C', 'D', 'F'].map((l) => Type.Literal(l))),
  factors: Type.Array(
    Type.Object({
      name: Type.String(),
      score: Type.Number(),
      weight: Type.Number(),
      input: Type.Union([Type.Number(), Type.Null()]),
      description: Type.String(),
    }),
  ),
  asOf: Type.String({ format: 'date-time', description: 'Close of the last daily bar used' }),
  knownAt: Type.String({ format: 'date-time' }),
  modelVersion: Type.String(),
});

export const getGrades = defineOperation({
  id: 'getGrades',
  method: 'GET',
  path: '/grades',
  summary: 'Trader and investor grades (0-100 and letter) with their factors',
  description: [
    'Trader grade (short term: trend, momentum, volume, volatility) and investor grade (long term: trend,',
    'risk-adjusted return, drawdown, liquidity), recomputed at every UTC day close from closed daily bars and stored',
    'with history (append-only). Each answer carries the factor scores, weights and raw inputs. Without `from`/`to`:',
    'the latest grade per asset known at `asOf`; with them: the history of one asset. Letters: A ≥ 80, B ≥ 65, C ≥ 50,',
    'D ≥ 35, F below. Methods and measured quality: docs/methodology.md.',
  ].join(' '),
  tags: ['analytics'],
  query: Type.Object({
    asset: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    kind: Type.Optional(Type.Union([Type.Literal('trader'), Type.Literal('investor')])),
    asOf: Type.Optional(Type.String({ maxLength: 40 })),
    from: Type.Optional(Type.String({ maxLength: 40 })),
    to: Type.Optional(Type.String({ maxLength: 40 })),
    limit: Type.Integer({ minimum: 1, maximum: GRADES_MAX_LIMIT, default: 365 }),
  }),
  response: Type.Object(
    { data: Type.Array(GradeSchema) },
    {
      examples: [
        {
          data: [
            {
              asset: 'bitcoin',
              kind: 'trader',
              score: 61.2,
              letter: 'C',
              factors: [
                {
                  name: 'trend',
                  score: 58.1,
                  weight: 0.35,
                  input: 0.008,
                  description: 'close / EMA(20) − 1',
                },
              ],
              asOf: '2025-07-01T00:00:00.000Z',
              knownAt: '2025-07-01T00:00:02.000Z',
              modelVersion: '1',
            },
          ],
        },
      ],
    },
  ),
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 60, visibility: 'public' },
  async handler({ query }, { services }) {
    const asset = query.asset ? services.assets.resolve(query.asset).id : undefined;
    const asOf = parseTimeParam('asOf', query.asOf);
    const from = parseTimeParam('from', query.from);
    const to = parseTimeParam('to', query.to);
    if (from !== undefined && to !== undefined && from > to)
      throw new ValidationError("query 'from' is after 'to'", {
        issues: [{ path: ['from'], message: 'must not be after to', in: 'query' }],
      });
    const history = from !== undefined || to !== undefined;
    if (history && !asset)
      throw new ValidationError("a grade history needs 'asset'", {
        issues: [{ path: ['asset'], message: 'required with from/to', in: 'query' }],
      });
    const rows = history
      ? await services.grades.history({
          asset: asset!,
          ...(query.kind ? { kind: query.kind } : {}),
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
          ...(asOf !== undefined ? { asOf } : {}),
          limit: query.limit,
        })
      : await services.grades.latest({
          ...(asset ? { asset } : {}),
          ...(query.kind ? { kind: query.kind } : {}),
          ...(asOf !== undefined ? { asOf } : {}),
        });
    return {
      data: rows.slice(0, query.limit).map((g) => ({
        ...g,
        asOf: new Date(g.asOf).toISOString(),
        knownAt: new Date(g.knownAt).toISOString(),
      })),
    };
  },
});
