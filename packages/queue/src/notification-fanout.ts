import { BUILTIN_GROUP, DEFAULT_REMINDERS, NOTIFICATION_ROUTES, wantsEvent, type NotificationEvent } from '@quorumd/core';
import type { QuorumStore, StoredToken } from '@quorumd/store';
import { deliveryId, scheduleId, type DeliveryJob, type DeliveryTarget, type ScheduleJob } from './jobs';

export interface FanOutOptions {
  requesterMayApprove: boolean;
  /** Whether e-mail goes out at all (QUORUM_SMTP_URL set): without it no e-mail job is made. */
  mailEnabled: boolean;
}

/** A scheduled job and when it is due (epoch ms). */
export interface DueSchedule {
  id: string;
  job: ScheduleJob;
  at: number;
}

/**
 * Who hears of a token event on their e-mail and chat channels, as jobs: the recipients come
 * from the event's route (NOTIFICATION_ROUTES), one job per recipient and channel with a
 * deterministic id. An urgent event goes to every channel of every recipient whatever events
 * the recipient chose.
 */
export class NotificationFanOut {
  constructor(
    private readonly store: QuorumStore,
    private readonly options: FanOutOptions,
  ) {}

  /** The e-mail and chat jobs of `event` for these users (those without a channel, or not wanting it, get none). */
  async jobsFor(event: NotificationEvent, tokenId: string, userIds: readonly number[], round = 0, step = 0): Promise<DeliveryJob[]> {
    return (await this.jobsForMany(event, [{ tokenId, userIds, round }], step))[0] ?? [];
  }

  /** As jobsFor, for several tokens at once: each user's channels are read once for all of them (a fan-out batch). */
  async jobsForMany(event: NotificationEvent, tokens: readonly { tokenId: string; userIds: readonly number[]; round: number }[], step = 0): Promise<DeliveryJob[][]> {
    const ids = [...new Set(tokens.flatMap((t) => t.userIds))];
    const read = await this.store.notifications.getMany(ids);
    const settings = new Map(ids.map((id, i) => [id, read[i]]));
    const urgent = NOTIFICATION_ROUTES[event].urgent;
    return tokens.map(({ tokenId, userIds, round }) => {
      const jobs: DeliveryJob[] = [];
      for (const userId of new Set(userIds)) {
        const s = settings.get(userId);
        if (!s || (!urgent && !wantsEvent(s, event))) continue;
        const targets: DeliveryTarget[] = [];
        if (s.email && this.options.mailEnabled) targets.push({ kind: 'email', userId });
        if (s.chat) targets.push({ kind: 'chat', userId });
        for (const target of targets) jobs.push({ deliveryId: deliveryId(event, tokenId, target, round, step), event, tokenId, target });
      }
      return jobs;
    });
  }

  /** The e-mail and chat jobs of an event for the token with this id, to whoever its route names now (none for a token no longer stored). */
  async jobsForEvent(event: NotificationEvent, tokenId: string, round = 0): Promise<DeliveryJob[]> {
    const token = await this.store.tokens.get(tokenId, this.options.requesterMayApprove);
    return token ? this.jobsForToken(event, token, round) : [];
  }

  /** Who the event's route names, for this token now. */
  async recipients(event: NotificationEvent, token: StoredToken): Promise<number[]> {
    const route = NOTIFICATION_ROUTES[event];
    if (route.whileOpen && token.status !== 'PENDING') return [];
    switch (route.recipients) {
      case 'asked':
      case 'undecided':
        return (await this.store.tokens.approvalRecipients([token.doc.id], this.options.requesterMayApprove))[0] ?? [];
      case 'escalation': {
        const group = token.doc.policy?.escalation?.group;
        if (!group) return [];
        const members = (await this.store.policies.groups()).find((g) => g.group === group)?.members ?? [];
        const decided = new Set([...token.approvals.map((a) => a.userId), ...token.rejections.map((r) => r.userId)]);
        const mayApprove = token.doc.policy?.requesterMayApprove ?? this.options.requesterMayApprove;
        return members.filter((id) => !decided.has(id) && (mayApprove || id !== token.requesterUserId));
      }
      case 'requester':
        return token.requesterUserId === undefined ? [] : [token.requesterUserId];
      case 'ruleOfficers': {
        const groups = await this.store.policies.groups();
        const named = new Set((token.doc.policy?.rules ?? [{ group: BUILTIN_GROUP, m: 1 }]).map((r) => r.group));
        return [...new Set(groups.filter((g) => named.has(g.group)).flatMap((g) => g.members))].sort((a, b) => a - b);
      }
    }
  }

  /** The e-mail and chat jobs of an event for a token, to whoever its route names now. */
  async jobsForToken(event: NotificationEvent, token: StoredToken, round = 0, step = 0): Promise<DeliveryJob[]> {
    return this.jobsFor(event, token.doc.id, await this.recipients(event, token), round, step);
  }

  /**
   * The reminders (the policy's `reminders`, else 50% and 90% of the token's time) and the
   * escalation (the policy's `escalation`) of a token that has just asked for approvals.
   */
  schedulesFor(token: StoredToken, round: number): DueSchedule[] {
    const issued = Date.parse(token.doc.issuedAt);
    const expires = token.expiresAt;
    // A reopened token's time runs from now to its (new) expiry.
    const from = round > 0 ? Math.min(this.store.ctx.clock(), expires) : issued;
    const out: DueSchedule[] = [];
    for (const fraction of token.doc.policy?.reminders ?? DEFAULT_REMINDERS) {
      const job: ScheduleJob = { event: 'approval.reminder', tokenId: token.doc.id, round, step: Math.round(fraction * 100) };
      out.push({ id: scheduleId(job), job, at: from + fraction * (expires - from) });
    }
    const escalation = token.doc.policy?.escalation;
    if (escalation && issued + escalation.afterSeconds * 1000 < expires) {
      const job: ScheduleJob = { event: 'approval.escalated', tokenId: token.doc.id, round, step: 0 };
      out.push({ id: scheduleId(job), job, at: from + escalation.afterSeconds * 1000 });
    }
    return out;
  }
}
