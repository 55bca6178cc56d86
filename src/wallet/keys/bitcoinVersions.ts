import type { BitcoinNetwork } from './derivedAccount.js';

/** BIP32 serialization version bytes per (purpose, network), per SLIP-132 (zpub/vpub for BIP84). */
export const BITCOIN_VERSIONS = {
  84: {
    mainnet: { private: 0x04b2430c, public: 0x04b24746 }, // zprv / zpub
    testnet: { private: 0x045f18bc, public: 0x045f1cf6 }, // vprv / vpub
  },
  86: {
    mainnet: { private: 0x0488ade4, public: 0x0488b21e }, // xprv / xpub
    testnet: { private: 0x04358394, public: 0x043587cf }, // tprv / tpub
  },
} as const satisfies Record<84 | 86, Record<BitcoinNetwork, { private: number; public: number }>>;
