import { describe, expect, it } from 'vitest';
import { createSecretScrubber, redactRpcUrl } from './redactRpcUrl.js';

describe('redactRpcUrl', () => {
  it.each([
    ['https://mainnet.infura.io/v3/0123456789abcdef', 'https://mainnet.infura.io/***'],
    ['https://eth-mainnet.g.alchemy.com/v2/KEYKEYKEY', 'https://eth-mainnet.g.alchemy.com/***'],
    ['https://rpc.example.org/?apikey=KEYKEYKEY', 'https://rpc.example.org/***'],
    ['https://user:pass@node.example.org:8545/', 'https://***@node.example.org:8545'],
    ['http://127.0.0.1:8545', 'http://127.0.0.1:8545'],
    ['http://127.0.0.1:8545/', 'http://127.0.0.1:8545'],
    ['http://[::1]:8545/rpc#frag', 'http://[::1]:8545/***'],
    ['not a url SECRET', '(invalid url)'],
  ])('%s → %s', (url, expected) => {
    expect(redactRpcUrl(url)).toBe(expected);
  });
});

describe('createSecretScrubber', () => {
  const scrub = createSecretScrubber([
    'https://mainnet.infura.io/v3/SECRETKEY123',
    'https://rpc.example.org/path?apikey=QUERYSECRET&chain=1',
    'https://alice:PASSWORD1@node.example.org/',
  ]);

  it('replaces whole URLs by their redacted form and masks their secret parts anywhere', () => {
    expect(scrub('POST https://mainnet.infura.io/v3/SECRETKEY123 failed')).toBe(
      'POST https://mainnet.infura.io/*** failed',
    );
    expect(scrub('Cannot POST /v3/SECRETKEY123')).toBe('Cannot POST ***');
    expect(scrub('bad key SECRETKEY123.')).toBe('bad key ***.');
    expect(scrub('apikey=QUERYSECRET')).not.toContain('QUERYSECRET');
    expect(scrub('auth PASSWORD1 rejected')).not.toContain('PASSWORD1');
  });

  it('leaves unrelated text and short path parts alone', () => {
    expect(scrub('execution reverted: v3 is fine')).toBe('execution reverted: v3 is fine');
  });
});
