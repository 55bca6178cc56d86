import { describe, expect, it } from 'vitest';
import { describeSettings, loadConfig } from './config.js';
import { ConfigError } from './errors.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const c = loadConfig({ env: {}, cwd: '/srv/app' });
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.dataDir).toBe('./.sextant');
    expect(c.dataDirAbs).toBe('/srv/app/.sextant');
    expect(c.storageKind).toBe('pglite');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.logLevel).toBe('info');
    expect(c.tiers.free).toEqual({ rpm: 60, monthlyQuota: 100000 });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads env vars and lets flags override them', () => {
    const c = loadConfig({
      env: { PORT: '9000', HOST: '0.0.0.0', DATABASE_URL: 'postgres://u@h/db', ACCESS_LOG: 'false' },
      flags: { port: '9100' },
    });
    expect(c.port).toBe(9100);
    expect(c.host).toBe('0.0.0.0');
    expect(c.storageKind).toBe('postgres');
    expect(c.accessLog).toBe(false);
  });

  it('accepts kebab-case flag names', () => {
    expect(loadConfig({ env: {}, flags: { 'data-dir': '/tmp/x' } }).dataDirAbs).toBe('/tmp/x');
  });

  it('names the bad variable and what was expected', () => {
    const e = configError(() => loadConfig({ env: { PORT: 'abc' } }));
    expect(e.message).toContain('PORT="abc" is invalid');
    expect(e.message).toContain('an integer');
  });

  it('names the flag when the bad value came from a flag', () => {
    const e = configError(() => loadConfig({ env: {}, flags: { port: '70000' } }));
    expect(e.message).toContain('--port=70000');
    expect(e.message).toContain('<= 65535');
  });

  it('rejects trailing garbage in numbers instead of truncating', () => {
    expect(() => loadConfig({ env: { PORT: '8080abc' } })).toThrow(/PORT/);
    expect(() => loadConfig({ env: { PORT: '80.5' } })).toThrow(/PORT/);
  });

  it('lists every bad setting at once', () => {
    const e = configError(() =>
      loadConfig({ env: { PORT: '-1', LOG_LEVEL: 'loud', ANONYMOUS_ACCESS: 'maybe' } }),
    );
    expect(e.issues.map((i) => i.name).sort()).toEqual(['ANONYMOUS_ACCESS', 'LOG_LEVEL', 'PORT']);
    expect(e.message).toContain('one of "fatal", "error", "warn", "info"');
  });

  it('validates URL schemes and never echoes a secret value', () => {
    const e = configError(() => loadConfig({ env: { DATABASE_URL: 'mysql://root:hunter2@db/x' } }));
    expect(e.message).toContain('DATABASE_URL=(hidden) is invalid');
    expect(e.message).not.toContain('hunter2');
    expect(() => loadConfig({ env: { REDIS_URL: 'http://x' } })).toThrow(/REDIS_URL/);
  });

  it('parses CORS origins', () => {
    expect(loadConfig({ env: {} }).corsOriginList).toBe('*');
    expect(loadConfig({ env: { CORS_ORIGINS: '' } }).corsOriginList).toBe('*');
    expect(loadConfig({ env: {}, flags: { corsOrigins: '' } }).corsOriginList).toBe(false);
    expect(
      loadConfig({ env: { CORS_ORIGINS: 'https://a.example, https://b.example' } }).corsOriginList,
    ).toEqual(['https://a.example', 'https://b.example']);
  });

  it('describes every setting with env name and default for --help', () => {
    const list = describeSettings();
    const port = list.find((s) => s.env === 'PORT');
    expect(port).toMatchObject({ flag: 'port', default: 8080 });
    for (const env of ['HOST', 'SEXTANT_DATA_DIR', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL']) {
      expect(list.some((s) => s.env === env)).toBe(true);
    }
  });
});

describe('CHAINS', () => {
  it('parses the compact form with defaults, and JSON with options', () => {
    const c = loadConfig({
      env: { CHAINS: '1=https://a.example/v2/KEY, https://b.example;31337=http://127.0.0.1:8545' },
    });
    expect(c.chainList).toEqual([
      {
        id: 1,
        rpc: ['https://a.example/v2/KEY', 'https://b.example'],
        finality: 64,
        startBlock: 0,
        fullBlocks: false,
        nativeAddresses: [],
        requestsPerSecond: 25,
        whaleMinUsd: 1_000_000,
      },
      expect.objectContaining({ id: 31337, rpc: ['http://127.0.0.1:8545'] }),
    ]);
    const j = loadConfig({
      env: {
        CHAINS:
          '[{"id":8453,"rpc":["https://base.example"],"finality":10,"fullBlocks":true,"nativeAddresses":["0xABCDEF0123456789abcdef0123456789ABCDEF01"]}]',
      },
    });
    expect(j.chainList[0]).toMatchObject({
      id: 8453,
      finality: 10,
      fullBlocks: true,
      nativeAddresses: ['0xabcdef0123456789abcdef0123456789abcdef01'],
    });
    expect(loadConfig({ env: {} }).chainList).toEqual([]);
  });

  it.each([
    ['1=ftp://x.example', /entry 1/],
    ['x=https://a.example', /entry 1/],
    ['https://a.example', /id=rpcUrl/],
    ['1=https://a.example;1=https://b.example', /listed twice/],
    ['[{"id":1,"rpc":["https://a.example"],"finality":-1}]', /finality/],
    ['[{"id":1,"rpc":["https://a.example"],"extra":true}]', /entry 1/],
    ['[oops', /not valid JSON/],
    ['1=wss://a.example/v2/KEY', /only WebSocket URLs: add an http\(s\) URL/],
  ])('refuses %s with a message naming CHAINS and never the URL', (value, message) => {
    try {
      loadConfig({ env: { CHAINS: value } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/CHAINS/);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toMatch(/a\.example|b\.example/);
    }
  });
});
