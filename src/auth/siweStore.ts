import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/index.js';
import { createNonce } from '../wallet/index.js';

// Expired nonces and sessions are kept this long, so "expired" can be told from "unknown".
const SIWE_RETENTION_MS = 86_400_000;
const SESSION_TOKEN_PREFIX = 'sxs_';
const SESSION_TOKEN_BYTES = 32;
/** `sxs_` + 32 random bytes as base64url (43 characters). */
export const SESSION_TOKEN_PATTERN = '^sxs_[A-Za-z0-9_-]{43}$';
const SESSION_TOKEN_RE = new RegExp(SESSION_TOKEN_PATTERN);

/** A nonce handed out for one sign-in. Times in ms since the epoch. */
export type IssuedNonce = { nonce: string; issuedAt: number; expiresAt: number };

/** A signed-in wallet. The token itself is never stored: only its SHA-256. */
export type SiweSession = {
  address: string;
  chainId: number;
  domain: string;
  createdAt: number;
  expiresAt: number;
};

/** Why a nonce could not be used. */
export type NonceRejection = 'unknown' | 'expired' | 'used';

export type SiweStore = {
  /** Issue and store a fresh nonce (CSPRNG, 17 alphanumerics ≈ 101 bits) valid for the nonce TTL. */
  issueNonce(now: number): Promise<IssuedNonce>;
  /**
   * Mark `nonce` used and open a session, in one transaction. The nonce update is a single
   * conditional `UPDATE … WHERE used_at IS NULL AND expires_at > now`, so of two concurrent
   * sign-ins with one nonce exactly one wins. Call only after the signature verified.
   */
  signIn(args: {
    nonce: string;
    address: string;
    chainId: number;
    domain: string;
    now: number;
  }): Promise<
    { type: 'ok'; token: string; session: SiweSession } | { type: 'rejected'; reason: NonceRejection }
  >;
  /** The live session of a token, or null (malformed, unknown, revoked or expired). */
  findSession(token: string, now: number): Promise<SiweSession | null>;
  /** Revoke a session; false when there was no live session for the token. */
  revokeSession(token: string, now: number): Promise<boolean>;
};

export type SiweStoreOptions = { db: Db; nonceTtlMs: number; sessionTtlMs: number };

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

type SessionRow = {
  address: string;
  chain_id: number;
  domain: string;
  created_at: number;
  expires_at: number;
};

const toSession = (r: SessionRow): SiweSession => ({
  address: r.address,
  chainId: Number(r.chain_id),
  domain: r.domain,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
});

/**
 * SIWE nonces and sessions in the database (tables `siwe_nonces`, `siwe_sessions`, migration 5).
 * @example const store = createSiweStore({ db, nonceTtlMs: 600_000, sessionTtlMs: 86_400_000 })
 */
export function createSiweStore({ db, nonceTtlMs, sessionTtlMs }: SiweStoreOptions): SiweStore {
  return {
    async issueNonce(now) {
      await db.query('delete from siwe_nonces where expires_at < $1', [now - SIWE_RETENTION_MS]);
      const nonce = createNonce();
      const expiresAt = now + nonceTtlMs;
      await db.query('insert into siwe_nonces (nonce, issued_at, expires_at) values ($1, $2, $3)', [
        nonce,
        now,
        expiresAt,
      ]);
      return { nonce, issuedAt: now, expiresAt };
    },

    async signIn({ nonce, address, chainId, domain, now }) {
      const token = `${SESSION_TOKEN_PREFIX}${randomBytes(SESSION_TOKEN_BYTES).toString('base64url')}`;
      const session: SiweSession = {
        address,
        chainId,
        domain,
        createdAt: now,
        expiresAt: now + sessionTtlMs,
      };
      const won = await db.transaction(async (tx) => {
        const used = await tx.query(
          `update siwe_nonces set used_at = $2
            where nonce = $1 and used_at is null and expires_at > $2 returning nonce`,
          [nonce, now],
        );
        if (used.length === 0) return false;
        await tx.query(
          `insert into siwe_sessions (token_hash, nonce, address, chain_id, domain, created_at, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7)`,
          [hashToken(token), nonce, address, chainId, domain, now, session.expiresAt],
        );
        return true;
      });
      if (won) {
        await db.query('delete from siwe_sessions where expires_at < $1', [now - SIWE_RETENTION_MS]);
        return { type: 'ok', token, session };
      }
      const rows = await db.query<{ used_at: number | null; expires_at: number }>(
        'select used_at, expires_at from siwe_nonces where nonce = $1',
        [nonce],
      );
      const row = rows[0];
      const reason: NonceRejection = !row ? 'unknown' : row.used_at !== null ? 'used' : 'expired';
      return { type: 'rejected', reason };
    },

    async findSession(token, now) {
      if (!SESSION_TOKEN_RE.test(token)) return null;
      const rows = await db.query<SessionRow>(
        `select address, chain_id, domain, created_at, expires_at from siwe_sessions
          where token_hash = $1 and revoked_at is null and expires_at > $2`,
        [hashToken(token), now],
      );
      return rows[0] ? toSession(rows[0]) : null;
    },

    async revokeSession(token, now) {
      if (!SESSION_TOKEN_RE.test(token)) return false;
      const rows = await db.query(
        `update siwe_sessions set revoked_at = $2
          where token_hash = $1 and revoked_at is null and expires_at > $2 returning 1`,
        [hashToken(token), now],
      );
      return rows.length > 0;
    },
  };
}
