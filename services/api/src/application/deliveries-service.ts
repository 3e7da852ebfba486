import { QuorumError } from '@quorumd/core';
import type { DeliveryTarget, QuorumQueues } from '@quorumd/queue';
import { requireOfficer, type Principal } from './principal';

export interface DeliveryView {
  deliveryId: string;
  event: string;
  tokenId: string;
  target: DeliveryTarget;
  attempts: number;
  failedReason: string;
  failedAt: string | null;
}

/** The dead letters of webhook, callback, e-mail and chat deliveries, for operators (COs). */
export class DeliveriesService {
  constructor(private readonly queues: QuorumQueues | undefined) {}

  private require(): QuorumQueues {
    if (!this.queues) throw new QuorumError('RET_STORE_UNAVAILABLE', 'Deliveries are not available on this instance');
    return this.queues;
  }

  async failed(principal: Principal, limit: number): Promise<DeliveryView[]> {
    requireOfficer(principal);
    const jobs = await this.require().failedDeliveries(0, limit - 1);
    return jobs.map((job) => ({
      deliveryId: job.data.deliveryId,
      event: job.data.event,
      tokenId: job.data.tokenId,
      target: job.data.target,
      attempts: job.attemptsMade,
      failedReason: job.failedReason ?? '',
      failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    }));
  }

  async replay(principal: Principal, id: string): Promise<void> {
    requireOfficer(principal);
    if (!(await this.require().replayDelivery(id))) throw new QuorumError('RET_NOT_FOUND', 'No failed delivery with this id');
  }
}
