import { QuorumError } from '@quorumd/core';

/** A cloudhsm_mgmt_util approval file: `Field = value;` lines (a `# comment` may follow), then one block per approver. */
export interface ApprovalFile {
  tokenFile: string;
  approvals: number;
  approvers: { type: string; name: string; approvalFile: string }[];
}

export function parseApprovalFile(text: string): ApprovalFile {
  const fields: [string, string][] = [];
  for (const raw of text.split('\n')) {
    // A comment runs from a '#' at the start of the line or after ';' or a blank to the end of it.
    const line = raw.replace(/(^|;|\s)#.*$/, '$1').trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z ]+?)\s*=\s*(.*?);?\s*$/.exec(line);
    if (!match) throw new QuorumError('RET_BAD_REQUEST', `approval file: cannot read "${line.slice(0, 60)}"`);
    fields.push([match[1]!.toLowerCase(), match[2]!.trim()]);
  }
  const one = (name: string) => fields.find(([k]) => k === name)?.[1];
  const tokenFile = one('token file path') ?? one('multi token file path');
  if (!tokenFile) throw new QuorumError('RET_BAD_REQUEST', 'approval file: no Token File Path');
  const approvers: ApprovalFile['approvers'] = [];
  let current: Partial<ApprovalFile['approvers'][number]> = {};
  for (const [key, value] of fields) {
    if (key === 'approver type') current = { type: value };
    else if (key === 'approver name') current.name = value;
    else if (key === 'approval file') {
      if (!current.name) throw new QuorumError('RET_BAD_REQUEST', 'approval file: Approval File before Approver Name');
      approvers.push({ type: current.type ?? 'CO', name: current.name, approvalFile: value });
      current = {};
    }
  }
  return { tokenFile, approvals: Number(one('number of approvals') ?? approvers.length), approvers };
}
