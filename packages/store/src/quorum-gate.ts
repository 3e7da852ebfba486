import type { StoreContext } from './store-context';

/** What a protected command hands the store: the gate's inputs. */
export interface QuorumGate {
  /** Token id, or undefined when the caller sent none. */
  tokenId: string | undefined;
  requesterKey: string;
  /** Canonical JSON of the operation the command is about to run. */
  operation: string;
  issuer: string;
}

/** The token key (the empty id for "no token", which keeps the deployment's slot) and the gate's script arguments. */
export function gateKeyAndArgs(ctx: StoreContext, gate: QuorumGate): { tokenKey: string; args: string[] } {
  return { tokenKey: ctx.keys.token(gate.tokenId ?? ''), args: [gate.requesterKey, gate.operation, gate.issuer] };
}
