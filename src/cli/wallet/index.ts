/**
 * `sextant wallet …`: a non-custodial wallet on the command line over src/wallet. Keys stay in
 * encrypted 0600 files under the data directory; secrets come from a prompt without echo or from
 * file descriptors, never from arguments; no command opens the database or takes its lock.
 */
import type { Command } from '../main.js';
import { backupCommands } from './backupCommands.js';
import { keystoreCommands } from './keystoreCommands.js';
import { signCommands } from './signCommands.js';
import type { WalletDeps } from './walletCommand.js';
import { walletCommands } from './walletCommands.js';

export type { WalletDeps } from './walletCommand.js';

/** One line for `sextant --help`. */
export const WALLET_SUMMARY = 'Wallet: keys, addresses, signing, backups (SLIP-39), keystores';

/** Every `wallet …` command, in help order. */
export function createWalletCommands(deps: WalletDeps): Command[] {
  return [...walletCommands(deps), ...signCommands(deps), ...backupCommands(deps), ...keystoreCommands(deps)];
}
