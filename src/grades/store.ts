import type { Db } from '../db/index.js';
import type { Grade, GradeFactor, GradeKind } from './grades.js';

export type RecordedGrade = Grade & { knownAt: number };

/** Grades with history (append-only). */
export type GradeStore = {
  append(grades: readonly Grade[], knownAt: number): Promise<number>;
  /** The newest grade per asset and kind known at `asOf`. */
  latest(q: { asset?: string; kind?: GradeKind; asOf?: number }): Promise<RecordedGrade[]>;
  /** History of one asset, oldest first, in [from, to) of `asOf`. */
  history(q: {
    asset: string;
    kind?: GradeKind;
    from?: number;
    to?: number;
    asOf?: number;
    limit: number;
  }): Promise<RecordedGrade[]>;
};

type Row = {
  asset_id: string;
  kind: GradeKind;
  model_version: string;
  score: number;
  letter: Grade['letter'];
  factors: GradeFactor[] | string;
  as_of: number;
  known_at: number;
};

const toGrade = (r: Row): RecordedGrade => ({
  asset: r.asset_id,
  kind: r.kind,
  modelVersion: r.model_version,
  score: r.score,
  letter: r.letter,
  factors: typeof r.factors === 'string' ? JSON.parse(r.factors) : r.factors,
  asOf: Number(r.as_of),
  knownAt: Number(r.known_at),
});

export function createGradeStore(db: Db): GradeStore {
  return {
    async append(grades, knownAt) {
      if (grades.length === 0) return 0;
      // One statement for all of them (the runner records an asset's two grades at each day close).
      const params: unknown[] = [];
      const values = grades.map((g, k) => {
        params.push(
          g.asset,
          g.kind,
          g.modelVersion,
          g.score,
          g.letter,
          JSON.stringify(g.factors),
          g.asOf,
          knownAt,
        );
        const p = Array.from({ length: 8 }, (_, c) => `$${k * 8 + c + 1}`);
        p[5] = `${p[5]}::jsonb`;
        return `(${p.join(', ')})`;
      });
      const rows = await db.query(
        `insert into grades (asset_id, kind, model_version, score, letter, factors, as_of, known_at)
         values ${values.join(', ')} on conflict do nothing returning 1`,
        params,
      );
      return rows.length;
    },
    async latest(q) {
      const rows = await db.query<Row>(
        `select distinct on (asset_id, kind) * from grades
          where ($1::text is null or asset_id = $1) and ($2::text is null or kind = $2)
            and ($3::bigint is null or known_at <= $3)
          order by asset_id, kind, as_of desc, id desc`,
        [q.asset ?? null, q.kind ?? null, q.asOf ?? null],
      );
      return rows.map(toGrade);
    },
    async history(q) {
      const rows = await db.query<Row>(
        `select * from grades where asset_id = $1 and ($2::text is null or kind = $2)
            and ($3::bigint is null or as_of >= $3) and ($4::bigint is null or as_of < $4)
            and ($5::bigint is null or known_at <= $5)
          order by as_of, kind limit $6`,
        [q.asset, q.kind ?? null, q.from ?? null, q.to ?? null, q.asOf ?? null, q.limit],
      );
      return rows.map(toGrade);
    },
  };
}
