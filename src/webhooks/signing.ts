import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of webhook secrets (as in the Standard Webhooks spec): `whsec_` + base64 key. */
export const SECRET_PREFIX = 'whsec_';

/** A new signing secret: 32 random bytes. */
export function createWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
}

/** Headers that sign one delivery. */
export type SignatureHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  /** Standard Webhooks: `v1,` + base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`. */
  'webhook-signature': string;
  /** GitHub style: `sha256=` + hex HMAC-SHA256 of the body alone. */
  'x-sextant-signature-256': string;
};

/**
 * Sign a webhook body with HMAC-SHA256 under the webhook's secret, two ways: the Standard
 * Webhooks scheme (id and timestamp signed with the body, so a replayed old delivery can be
 * refused) and a plain HMAC of the body (for receivers that only check that).
 * @example signWebhook(secret, 'sig_…', 1719835200, '{"type":"signal.issued",…}')
 */
export function signWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): SignatureHeaders {
  const key = keyOf(secret);
  const v1 = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  const plain = createHmac('sha256', key).update(body).digest('hex');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${v1}`,
    'x-sextant-signature-256': `sha256=${plain}`,
  };
}

/**
 * Check a delivery as a receiver should: the Standard Webhooks signature over id, timestamp and
 * the raw body, with the timestamp within `toleranceSeconds` of `nowSeconds`.
 * @example verifyWebhook(secret, req.headers, rawBody, Date.now() / 1000) // true
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sig = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string') return false;
  const t = Number(ts);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, id, t, body)['webhook-signature']);
  // Several space-separated signatures may be sent (key rotation): any one may match.
  return sig.split(' ').some((s) => {
    const got = Buffer.from(s);
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
