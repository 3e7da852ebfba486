import { tokenView, type OutboundPolicy, type TokenView } from '@quorumd/core';
import { checkOutboundUrl } from '@quorumd/queue';
import type { QuorumStore } from '@quorumd/store';
import { actorOf, requireOfficer, type Principal } from './principal';

/** A CO's own corner: its queue of tokens to decide on, and its webhook. */
export class OfficersService {
  constructor(
    private readonly store: QuorumStore,
    private readonly requesterMayApprove: boolean,
    private readonly outbound: OutboundPolicy,
  ) {}

  async pending(principal: Principal, limit: number): Promise<TokenView[]> {
    const officer = requireOfficer(principal);
    return (await this.store.tokens.pendingFor(officer.id, this.requesterMayApprove, limit)).map(tokenView);
  }

  async webhook(principal: Principal): Promise<{ url: string } | undefined> {
    const hook = await this.store.webhooks.get(requireOfficer(principal).id);
    return hook ? { url: hook.url } : undefined;
  }

  async setWebhook(principal: Principal, input: { url: string; secret: string }): Promise<{ url: string }> {
    const officer = requireOfficer(principal);
    const url = await checkOutboundUrl(this.outbound, input.url, 'url');
    await this.store.webhooks.set(officer.id, { url: url.toString(), secret: input.secret }, actorOf(principal));
    return { url: url.toString() };
  }

  async removeWebhook(principal: Principal): Promise<void> {
    await this.store.webhooks.set(requireOfficer(principal).id, undefined, actorOf(principal));
  }
}
