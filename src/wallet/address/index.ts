/** Address validation for EVM (EIP-55), Bitcoin (bech32/bech32m, base58check) and Solana. Pure. */
export {
  type AddressChain,
  type AddressValidation,
  type ValidateAddressOptions,
  validateAddress,
} from './validateAddress.js';
