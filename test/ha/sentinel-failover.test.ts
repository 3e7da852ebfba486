import { describeFailover } from '../support/failover-scenario';
import { SentinelSet } from '../support/sentinel-set';

/**
 * quorumd on Redis Sentinel (a master, a replica and three sentinels, real redis-server
 * processes on loopback): it finds the master through the sentinels and follows a `kill -9`
 * of it without a restart — 503 while the election runs, never a 500.
 */
describeFailover('Redis Sentinel', () => SentinelSet.start());
