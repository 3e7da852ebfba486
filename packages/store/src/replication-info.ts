/** One replica as the master's `INFO replication` lists it (`slave0:ip=…,port=…,state=…,offset=…,lag=…`). */
export interface ReplicaLink {
  /** `ip:port` as the replica announces itself. */
  address: string;
  /** `wait_bgsave` and `send_bulk` while its first (full) sync runs, `online` once it streams. */
  state: string;
  /** The replication offset it last acknowledged (REPLCONF ACK, every second). */
  offset: number;
  /** Seconds since its last acknowledgement. */
  lag: number;
}

/** The master's side of replication: its offset and the replicas it counts (`connected_slaves`). */
export interface ReplicationInfo {
  offset: number;
  replicas: ReplicaLink[];
}

/** Reads a master's `INFO replication` text. */
export function parseReplication(info: string): ReplicationInfo {
  const replicas: ReplicaLink[] = [];
  for (const match of info.matchAll(/^slave\d+:(.*)$/gm)) {
    const fields = new Map((match[1] ?? '').trim().split(',').map((pair) => pair.split('=') as [string, string]));
    replicas.push({
      address: `${fields.get('ip') ?? '?'}:${fields.get('port') ?? '?'}`,
      state: fields.get('state') ?? 'unknown',
      offset: Number(fields.get('offset') ?? 0),
      lag: Number(fields.get('lag') ?? 0),
    });
  }
  return { offset: Number(/^master_repl_offset:(\d+)/m.exec(info)?.[1] ?? 0), replicas };
}
