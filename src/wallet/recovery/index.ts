export { combineMnemonicShares } from './combineMnemonicShares.js';
export { combineSlip39Shares } from './combineSlip39Shares.js';
export { generateSlip39Shares, type Slip39Options } from './generateSlip39Shares.js';
export { RecoveryError, type RecoveryErrorCode } from './recoveryError.js';
export { type Slip39Share, slip39Share } from './slip39Share.js';
export { SLIP39_WORDLIST } from './slip39Wordlist.js';
export { splitMnemonic } from './splitMnemonic.js';
