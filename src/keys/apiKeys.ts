import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/index.js';
import type { Tier } from '../internal/config.js';
import { BadRequestError, NotFoundError } from '../internal/errors.js';

/** Scopes a key can hold. `read`: public data; `usage`: its own usage; `admin`: manage keys. */
export const SCOPES = ['read', 'usage', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
export const DEFAULT_SCOPES: readonly Scope[] = ['read', 'usage'];

/** A stored key, without its secret (which is never stored). */
export type ApiKey = {
  id: string;
  name: string;
  /** First characters of the secret, for recognising a key in lists. */
  prefix: string;
  tier: Tier;
  scopes: Scope[];
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
};

export type CreatedApiKey = ApiKey & {
  /** The full secret: shown once at creation, never retrievable again. */
  secret: string;
};

export type CreateKeyInput = { name: string; tier: Tier; scopes?: readonly string[] };

const SECRET_PREFIX = 'sxt_';
const SECRET_RANDOM_BYTES = 24; // 192 bits: brute force is out of reach, so a fast hash suffices.
const SECRET_RE = /^sxt_[A-Za-z0-9_-]{32}$/;
const NAME_MAX_LEN = 100;

/**
 * SHA-256 of the secret. A slow password hash is unnecessary: secrets are 192 random bits, not
 * human-chosen, and a fast hash keeps verification off the hot path's critical budget.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** True when `s` has the shape of a Sextant key (cheap pre-check before any lookup). */
export function looksLikeSecret(s: string): boolean {
  return SECRET_RE.test(s);
}

type Row = {
  id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  tier: Tier;
  scopes: string[];
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
};

function toKey(r: Row): ApiKey {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    tier: r.tier,
    scopes: r.scopes as Scope[],
    createdAt: new Date(r.created_at).toISOString(),
    revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
    lastUsedAt: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
  };
}

/** Validate create input; throws `BadRequestError` naming the bad field. */
export function validateCreateKeyInput(input: CreateKeyInput): { name: string; tier: Tier; scopes: Scope[] } {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!name) throw new BadRequestError('name is required');
  if (name.length > NAME_MAX_LEN)
    throw new BadRequestError(`name must be at most ${NAME_MAX_LEN} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw new BadRequestError('name must not contain control characters');
  if (!['free', 'pro', 'enterprise'].includes(input.tier)) {
    throw new BadRequestError(
      `tier must be one of free, pro, enterprise (got ${JSON.stringify(input.tier)})`,
    );
  }
  const scopes = input.scopes === undefined ? [...DEFAULT_SCOPES] : [...new Set(input.scopes)];
  for (const s of scopes) {
    if (!(SCOPES as readonly string[]).includes(s)) {
      throw new BadRequestError(`unknown scope ${JSON.stringify(s)}: expected some of ${SCOPES.join(', ')}`);
    }
  }
  return { name, tier: input.tier, scopes: scopes as Scope[] };
}

/** API keys in the database: create (hash-only), list, revoke, look up by secret. */
export type ApiKeyStore = {
  create(input: CreateKeyInput): Promise<CreatedApiKey>;
  list(options?: { includeRevoked?: boolean }): Promise<ApiKey[]>;
  revoke(id: string): Promise<ApiKey>;
  /** The key for a presented secret, or null when unknown. Revoked keys are returned (caller decides). */
  findBySecret(secret: string): Promise<ApiKey | null>;
};

export function createApiKeyStore({ db }: { db: Db }): ApiKeyStore {
  return {
    async create(input) {
      const { name, tier, scopes } = validateCreateKeyInput(input);
      const secret = SECRET_PREFIX + randomBytes(SECRET_RANDOM_BYTES).toString('base64url');
      const id = `key_${randomBytes(8).toString('hex')}`;
      const prefix = secret.slice(0, 10);
      const rows = await db.query<Row>(
        `insert into api_keys (id, name, prefix, secret_hash, tier, scopes)
         values ($1, $2, $3, $4, $5, $6) returning *`,
        [id, name, prefix, hashSecret(secret), tier, scopes],
      );
      return { ...toKey(rows[0]!), secret };
    },
    async list(options = {}) {
      const rows = await db.query<Row>(
        `select * from api_keys ${options.includeRevoked ? '' : 'where revoked_at is null'} order by created_at, id`,
      );
      return rows.map(toKey);
    },
    async revoke(id) {
      const rows = await db.query<Row>(
        'update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning *',
        [id],
      );
      if (rows.length === 0) throw new NotFoundError(`no API key with id ${JSON.stringify(id)}`);
      return toKey(rows[0]!);
    },
    async findBySecret(secret) {
      if (!looksLikeSecret(secret)) return null;
      const hash = hashSecret(secret);
      const rows = await db.query<Row>('select * from api_keys where secret_hash = $1', [hash]);
      const row = rows[0];
      // The lookup is by hash (an index probe); compare again in constant time for good measure.
      if (!row || !timingSafeEqual(Buffer.from(row.secret_hash), Buffer.from(hash))) return null;
      return toKey(row);
    },
  };
}
