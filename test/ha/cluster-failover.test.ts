import { ClusterSet } from '../support/cluster-set';
import { describeFailover } from '../support/failover-scenario';

/**
 * quorumd on Redis Cluster (three masters and three replicas, real redis-server processes on
 * loopback, joined by `redis-cli --cluster create`): one deployment lives in one slot, and a
 * `kill -9` of the master holding it is followed without a restart.
 */
describeFailover('Redis Cluster', () => ClusterSet.start());
