#!/usr/bin/env node
'use strict';
/**
 * A local SMTP server that accepts every message and prints each, parsed, as one JSON line on
 * stdout ({"from","to","subject","text","html","headers"}); its first line is
 * `{"listening": <port>}`. For trying e-mail notifications and for the tests:
 *   node scripts/smtp-sink.js [port]   then QUORUM_SMTP_URL=smtp://127.0.0.1:<port>
 * No TLS and no authentication: loopback only.
 */
const { SMTPServer } = require('smtp-server');
const { simpleParser } = require('mailparser');

const port = Number(process.argv[2] ?? 0);
const server = new SMTPServer({
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream)
      .then((mail) => {
        const line = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: mail.subject ?? '',
          text: mail.text ?? '',
          html: typeof mail.html === 'string' ? mail.html : '',
          headers: Object.fromEntries([...mail.headers.entries()].filter(([, v]) => typeof v === 'string')),
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
        callback();
      })
      .catch((err) => callback(err));
  },
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ listening: server.server.address().port })}\n`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
